import type { DefaultTheme, LocaleSpecificConfig } from 'vitepress';

export const zh: LocaleSpecificConfig<DefaultTheme.Config> = {
  description: '用 TypeScript 以自监督方式训练语言模型——并在浏览器里亲手看清它是怎么回事。',
  themeConfig: {
    nav: [
      { text: '原理', link: '/zh/guide/self-supervised', activeMatch: '/zh/guide/(self|masked|causal|training)' },
      { text: '在浏览器里训练', link: '/zh/guide/train-in-browser' },
      { text: '快速上手', link: '/zh/guide/quick-start' },
      { text: '软件包', link: '/zh/packages/tokenizer', activeMatch: '/zh/packages/' },
    ],
    sidebar: [
      {
        text: '原理',
        items: [
          { text: '监督还是自监督？', link: '/zh/guide/self-supervised' },
          { text: '掩码语言模型', link: '/zh/guide/masked-lm' },
          { text: '因果语言模型', link: '/zh/guide/causal-lm' },
          { text: '一步训练', link: '/zh/guide/training-step' },
          { text: '在浏览器里训练', link: '/zh/guide/train-in-browser' },
        ],
      },
      {
        text: '使用 selfsup',
        items: [
          { text: '快速上手', link: '/zh/guide/quick-start' },
          { text: '计算后端与速度', link: '/zh/guide/backends' },
          { text: '迁移到 PyTorch', link: '/zh/guide/pytorch' },
        ],
      },
      {
        text: '软件包',
        items: [
          { text: '@selfsup/tokenizer', link: '/zh/packages/tokenizer' },
          { text: '@selfsup/dataset', link: '/zh/packages/dataset' },
          { text: '@selfsup/model', link: '/zh/packages/model' },
          { text: '@selfsup/trainer', link: '/zh/packages/trainer' },
          { text: '@selfsup/backends', link: '/zh/packages/backends' },
        ],
      },
    ],
    outline: { level: [2, 3], label: '本页目录' },
    docFooter: { prev: '上一页', next: '下一页' },
    darkModeSwitchLabel: '外观',
    lightModeSwitchTitle: '切换到浅色模式',
    darkModeSwitchTitle: '切换到深色模式',
    sidebarMenuLabel: '菜单',
    returnToTopLabel: '回到顶部',
    langMenuLabel: '切换语言',
    notFound: { title: '页面不存在', quote: '这个地址上什么也没有。', linkText: '回到首页' },
    footer: { message: '以 MIT 许可证发布。' },
  },
};
