/**
 * Named recipes (DESIGN.md §5). A preset sets the model shape, the training options and the tokenizer a run uses;
 * `--config FILE.json` and command-line flags override any of it.
 */
export type LrSchedule = 'cosine' | 'linear' | 'constant';

/** Training options, named after nanoGPT's `train.py` globals in camelCase (`learning_rate` is `lr`). */
export interface TrainingOptions {
  objective: 'clm' | 'mlm';
  nLayer: number;
  nHead: number;
  nEmbd: number;
  blockSize: number;
  batchSize: number;
  gradAccum: number;
  maxIters: number;
  lr: number;
  minLr: number;
  warmupIters: number;
  lrDecayIters: number;
  lrSchedule: LrSchedule;
  weightDecay: number;
  beta1: number;
  beta2: number;
  eps: number;
  gradClip: number;
  dropout: number;
  bias: boolean;
  evalInterval: number;
  evalIters: number;
  logInterval: number;
  seed: number;
  /** Tokenizer used when the trainer prepares raw text itself: `char`, `bpe:N`, `wordpiece:N`, `gpt2`. */
  tokenizer: string;
  /** MLM masking rate (Hugging Face `mlm_probability`). */
  mlmProbability: number;
  /**
   * MLM rows: 0 fills each block with whole sentences; N (3 to the block size) packs whole sentences into rows of at
   * most N tokens, a longer sentence alone in a row of up to the block size (3: one sentence per row, Hugging Face
   * `--line_by_line`). Rows shorter than the block are batched by length (`group_by_length`) and padded only to the
   * longest row of their batch.
   */
  mlmRowTokens: number;
  /** Share of the text held out for validation when the trainer prepares raw text itself. */
  valFraction: number;
  /** Skip an update whose loss or gradients are not finite instead of stopping the run. */
  skipNonfinite: boolean;
}

export interface Preset {
  name: string;
  description: string;
  options: Partial<TrainingOptions>;
}

/** Defaults every run starts from: nanoGPT's `train.py` defaults scaled to a CPU. */
export const DEFAULT_OPTIONS: TrainingOptions = {
  objective: 'clm',
  nLayer: 4,
  nHead: 4,
  nEmbd: 128,
  blockSize: 64,
  batchSize: 12,
  gradAccum: 1,
  maxIters: 2000,
  lr: 1e-3,
  minLr: 1e-4,
  warmupIters: 100,
  lrDecayIters: 2000,
  lrSchedule: 'cosine',
  weightDecay: 0.1,
  beta1: 0.9,
  beta2: 0.99,
  eps: 1e-8,
  gradClip: 1,
  dropout: 0,
  bias: true,
  evalInterval: 250,
  evalIters: 20,
  logInterval: 10,
  seed: 1337,
  tokenizer: 'char',
  mlmProbability: 0.15,
  mlmRowTokens: 0,
  valFraction: 0.1,
  skipNonfinite: false,
};

export const PRESETS: Record<string, Preset> = {
  'nanogpt-cpu': {
    name: 'nanogpt-cpu',
    description:
      "nanoGPT's CPU recipe: 4 layers, 4 heads, 128 wide, block 64, batch 12, 2000 iters, no biases, char tokenizer",
    options: {
      objective: 'clm',
      nLayer: 4,
      nHead: 4,
      nEmbd: 128,
      blockSize: 64,
      batchSize: 12,
      maxIters: 2000,
      lr: 1e-3,
      minLr: 1e-4,
      lrDecayIters: 2000,
      warmupIters: 100,
      beta2: 0.99,
      weightDecay: 0.1,
      gradClip: 1,
      dropout: 0,
      // nanoGPT's train.py default: no biases in Linear and LayerNorm layers
      bias: false,
      evalInterval: 250,
      evalIters: 20,
      tokenizer: 'char',
    },
  },
  'shakespeare-char': {
    name: 'shakespeare-char',
    description: "nanoGPT's GPU recipe: 6 layers, 6 heads, 384 wide, block 256, batch 64, dropout 0.2, 5000 iters",
    options: {
      objective: 'clm',
      nLayer: 6,
      nHead: 6,
      nEmbd: 384,
      blockSize: 256,
      batchSize: 64,
      maxIters: 5000,
      lr: 1e-3,
      minLr: 1e-4,
      lrDecayIters: 5000,
      warmupIters: 100,
      beta2: 0.99,
      weightDecay: 0.1,
      gradClip: 1,
      dropout: 0.2,
      bias: false,
      evalInterval: 250,
      evalIters: 200,
      tokenizer: 'char',
    },
  },
  'bert-tiny': {
    name: 'bert-tiny',
    description:
      'A tiny BERT: 2 layers, 2 heads, 128 wide, block 128 (rows of 32 tokens), batch 256 (128 × 2), WordPiece 8k, masked LM',
    options: {
      objective: 'mlm',
      nLayer: 2,
      nHead: 2,
      nEmbd: 128,
      blockSize: 128,
      // Rows of whole sentences up to 32 tokens (a longer sentence alone, up to 128), batched by length: the model
      // learns to read the neighbouring words within 2000 steps. Full 128-token rows at batch 32 stay near the
      // unigram loss at [MASK] for longer than that (see the trainer README). 256 rows a step leave that plateau
      // hundreds of steps sooner than 128; two micro-batches of 128 (the same update as one batch of 256) keep a
      // step's wasm heap near 1.4 GiB even when a batch's rows are 128 tokens long.
      mlmRowTokens: 32,
      batchSize: 128,
      gradAccum: 2,
      maxIters: 2000,
      lr: 1e-3,
      minLr: 1e-4,
      lrDecayIters: 2000,
      lrSchedule: 'constant',
      warmupIters: 100,
      beta2: 0.999,
      weightDecay: 0.01,
      gradClip: 1,
      dropout: 0.1,
      evalInterval: 250,
      evalIters: 20,
      tokenizer: 'wordpiece:8000',
      mlmProbability: 0.15,
    },
  },
};
