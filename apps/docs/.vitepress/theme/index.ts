import type { Theme } from 'vitepress';
import DefaultTheme from 'vitepress/theme';
import FillMaskBox from './components/FillMaskBox.vue';
import MaskingDemo from './components/MaskingDemo.vue';
import ShiftTable from './components/ShiftTable.vue';
import TokenizerPlayground from './components/TokenizerPlayground.vue';
import TrainInBrowser from './components/TrainInBrowser.vue';
import './custom.css';

export default {
  extends: DefaultTheme,
  enhanceApp({ app }) {
    app.component('TokenizerPlayground', TokenizerPlayground);
    app.component('ShiftTable', ShiftTable);
    app.component('MaskingDemo', MaskingDemo);
    app.component('TrainInBrowser', TrainInBrowser);
    app.component('FillMaskBox', FillMaskBox);
  },
} satisfies Theme;
