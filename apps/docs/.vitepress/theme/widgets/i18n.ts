import { useData } from 'vitepress';
import { computed } from 'vue';

/** The widgets' words in both languages. Keys are English; a missing Chinese entry falls back to English. */
const ZH: Record<string, string> = {
  Text: '文本',
  Tokenizer: '分词器',
  Character: '字符',
  'GPT-2 BPE': 'GPT-2 BPE',
  WordPiece: 'WordPiece',
  tokens: '个词元',
  characters: '个字符',
  ids: '编号',
  'Loading…': '加载中…',
  'vocabulary size': '词表大小',
  'Character vocabulary: the sorted distinct characters of the text above.':
    '字符词表：上面文本里出现过的所有不同字符，排好序。',
  "GPT-2's byte-level BPE: 50,257 tokens; a leading space belongs to the word after it.":
    'GPT-2 的字节级 BPE：50,257 个词元；单词前面的空格归入这个单词。',
  'WordPiece trained in this page on the built-in text; ## marks a piece that continues a word.':
    '在本页用内置文本现场训练的 WordPiece；## 表示接在前一个片段后面的词中片段。',
  Position: '位置',
  Input: '输入',
  'Model sees': '模型能看到的',
  Target: '目标',
  Seed: '随机种子',
  'mask probability': '掩码概率',
  'chosen, shown as [MASK]': '被选中，显示为 [MASK]',
  'chosen, replaced by a random token': '被选中，换成随机词元',
  'chosen, left unchanged': '被选中，保持原样',
  'not chosen (label -100)': '未被选中（标签 -100）',
  'special token, never chosen': '特殊词元，永不选中',
  Original: '原文',
  'Model input': '模型输入',
  Labels: '标签',
  Backend: '后端',
  'auto chose': 'auto 选择了',
  'running on': '实际运行在',
  Steps: '步数',
  Start: '开始',
  Stop: '停止',
  Train: '训练',
  Step: '步',
  Loss: '损失',
  'tokens/s': '词元/秒',
  'ms/step': '毫秒/步',
  Samples: '样例',
  'not available here': '此处不可用',
  'Training stopped.': '训练已停止。',
  'Fill in': '填空',
  Probability: '概率',
  'Train the tiny BERT first.': '请先训练迷你 BERT。',
  parameters: '个参数',
  'Training…': '训练中…',
  'Finished.': '完成。',
  'Error:': '出错：',
  Prompt: '提示词',
};

/** `t('Start')` → "Start" on English pages, "开始" on Chinese ones. */
export function useI18n() {
  const { lang } = useData();
  const zh = computed(() => lang.value.startsWith('zh'));
  return {
    zh,
    t: (key: string) => (zh.value ? (ZH[key] ?? key) : key),
  };
}
