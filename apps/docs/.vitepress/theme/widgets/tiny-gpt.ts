/**
 * The in-page GPT: a tiny causal LM on the built-in text with the real packages — `trainChar` (nanoGPT's character
 * tokenizer), `clmData` (shift-by-one batches), `createModel`, the trainer's update (./stepper.ts) and `sampleText`
 * (generation with a KV cache).
 */
import type { LanguageModel } from '@selfsup/model';
import type { TrainingOptions } from '@selfsup/trainer';
import { createStepper, type PageRunConfig, pageOptions, type StepResult } from './stepper';
import { TINY_CORPUS } from './tiny-corpus';

export type { StepResult };

export type TinyGptConfig = PageRunConfig;

export type TinyGptSize = 'small' | 'tiny';

/** Model shapes the widget offers: `small` learns visibly better; `tiny` is quick even on a software GPU. */
export const TINY_GPT_SIZES: Record<
  TinyGptSize,
  Pick<TinyGptConfig, 'nLayer' | 'nHead' | 'nEmbd' | 'blockSize' | 'batchSize'>
> = {
  small: { nLayer: 2, nHead: 4, nEmbd: 64, blockSize: 64, batchSize: 16 },
  tiny: { nLayer: 1, nHead: 2, nEmbd: 32, blockSize: 32, batchSize: 8 },
};

export const TINY_GPT: TinyGptConfig = { steps: 300, ...TINY_GPT_SIZES.small, lr: 3e-3, seed: 1337 };

export interface TinyGptRun {
  vocabSize: number;
  params: number;
  options: TrainingOptions;
  model: LanguageModel;
  /** One optimizer update. */
  step(): Promise<StepResult>;
  /** A sample from the model as it is now. */
  sample(prompt: string, maxNewTokens: number): Promise<string>;
  dispose(): void;
}

/** Builds the tokenizer, data, model and optimizer on the active backend. */
export async function startTinyGpt(config: TinyGptConfig): Promise<TinyGptRun> {
  const [{ trainChar }, { createModel }, { clmData, sampleText }] = await Promise.all([
    import('@selfsup/tokenizer'),
    import('@selfsup/model'),
    import('@selfsup/trainer'),
  ]);
  const tokenizer = trainChar(TINY_CORPUS);
  const tokens = tokenizer.encode(TINY_CORPUS);
  const cut = Math.floor(tokens.length * 0.9);
  const { blockSize, batchSize, nLayer, nHead, nEmbd, seed } = config;
  const data = clmData({ train: tokens.subarray(0, cut), val: tokens.subarray(cut) }, { blockSize, batchSize });
  const options = await pageOptions({
    objective: 'clm',
    nLayer,
    nHead,
    nEmbd,
    blockSize,
    batchSize,
    maxIters: config.steps,
    lr: config.lr,
    seed,
    tokenizer: 'char',
  });
  const model = createModel(
    { objective: 'clm', vocabSize: tokenizer.vocabSize, blockSize, nLayer, nHead, nEmbd },
    { seed },
  );
  const stepper = await createStepper(model, data, options);
  return {
    vocabSize: tokenizer.vocabSize,
    params: model.numParams(),
    options,
    model,
    step: stepper.step,
    sample: (prompt, maxNewTokens) =>
      sampleText(model, tokenizer, { prompt, maxNewTokens, temperature: 0.8, topK: 20, seed }),
    dispose() {
      stepper.dispose();
      model.dispose();
    },
  };
}
