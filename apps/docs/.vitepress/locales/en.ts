import type { DefaultTheme, LocaleSpecificConfig } from 'vitepress';

export const en: LocaleSpecificConfig<DefaultTheme.Config> = {
  description: 'Train language models by self-supervision in TypeScript — and see how it works, in your browser.',
  themeConfig: {
    nav: [
      { text: 'Learn', link: '/guide/self-supervised', activeMatch: '/guide/(self|masked|causal|training)' },
      { text: 'Train in the browser', link: '/guide/train-in-browser' },
      { text: 'Quick start', link: '/guide/quick-start' },
      { text: 'Packages', link: '/packages/tokenizer', activeMatch: '/packages/' },
    ],
    sidebar: [
      {
        text: 'How it works',
        items: [
          { text: 'Supervised or self-supervised?', link: '/guide/self-supervised' },
          { text: 'Masked language modelling', link: '/guide/masked-lm' },
          { text: 'Causal language modelling', link: '/guide/causal-lm' },
          { text: 'One training step', link: '/guide/training-step' },
          { text: 'Train in the browser', link: '/guide/train-in-browser' },
        ],
      },
      {
        text: 'Using selfsup',
        items: [
          { text: 'Quick start', link: '/guide/quick-start' },
          { text: 'Backends and speed', link: '/guide/backends' },
          { text: 'Moving to PyTorch', link: '/guide/pytorch' },
        ],
      },
      {
        text: 'Packages',
        items: [
          { text: '@selfsup/tokenizer', link: '/packages/tokenizer' },
          { text: '@selfsup/dataset', link: '/packages/dataset' },
          { text: '@selfsup/model', link: '/packages/model' },
          { text: '@selfsup/trainer', link: '/packages/trainer' },
          { text: '@selfsup/backends', link: '/packages/backends' },
        ],
      },
    ],
    outline: { level: [2, 3] },
    footer: { message: 'MIT licensed.' },
  },
};
