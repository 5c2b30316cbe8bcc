/**
 * The in-page training run: a tiny GPT on the built-in text with the real packages — `trainChar` (tokenizer),
 * `clmData` (shift-by-one batches), `createModel`, and the trainer's own pieces for one update: `learningRateAt`,
 * `model.loss` under `tf.variableGrads`, `globalNorm` / `clipCoefficient` clipping and `AdamW`. It is the update
 * `Trainer.trainStep()` makes (test/tiny-gpt.test.ts checks the two agree), but it reads the loss back with an
 * awaited `data()`: `trainStep()` reads synchronously, which WebGPU in a page does slowly or, on a software adapter,
 * not at all. `sampleText` generates with a KV cache.
 */
import type { LanguageModel } from '@selfsup/model';
import type { TrainingOptions } from '@selfsup/trainer';
import { TINY_CORPUS } from './tiny-corpus';

export interface TinyGptConfig {
  steps: number;
  nLayer: number;
  nHead: number;
  nEmbd: number;
  blockSize: number;
  batchSize: number;
  lr: number;
  seed: number;
}

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

export interface StepResult {
  step: number;
  loss: number;
  lr: number;
  gradNorm: number;
  tokensPerSec: number;
  msPerStep: number;
}

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

/** Builds the tokenizer, data, model and trainer on the active backend. */
export async function startTinyGpt(config: TinyGptConfig): Promise<TinyGptRun> {
  const [{ trainChar }, { createModel }, trainer, tf] = await Promise.all([
    import('@selfsup/tokenizer'),
    import('@selfsup/model'),
    import('@selfsup/trainer'),
    import('@tensorflow/tfjs-core'),
  ]);
  const tokenizer = trainChar(TINY_CORPUS);
  const tokens = tokenizer.encode(TINY_CORPUS);
  const cut = Math.floor(tokens.length * 0.9);
  const data = trainer.clmData(
    { train: tokens.subarray(0, cut), val: tokens.subarray(cut) },
    { blockSize: config.blockSize, batchSize: config.batchSize },
  );
  const options: TrainingOptions = {
    ...trainer.DEFAULT_OPTIONS,
    objective: 'clm',
    nLayer: config.nLayer,
    nHead: config.nHead,
    nEmbd: config.nEmbd,
    blockSize: config.blockSize,
    batchSize: config.batchSize,
    maxIters: config.steps,
    lr: config.lr,
    minLr: config.lr / 10,
    warmupIters: Math.min(10, Math.floor(config.steps / 10)),
    lrDecayIters: config.steps,
    dropout: 0,
    seed: config.seed,
    tokenizer: 'char',
  };
  const model: LanguageModel = createModel(
    {
      objective: 'clm',
      vocabSize: tokenizer.vocabSize,
      blockSize: config.blockSize,
      nLayer: config.nLayer,
      nHead: config.nHead,
      nEmbd: config.nEmbd,
    },
    { seed: config.seed },
  );
  const optimizer = new trainer.AdamW(model.params, model.paramGroups(), {
    beta1: options.beta1,
    beta2: options.beta2,
    eps: options.eps,
    weightDecay: options.weightDecay,
  });
  const stream = data.stream('train', options.seed);
  const vars = [...model.params.values()];
  const nameOf = new Map([...model.params].map(([name, v]) => [v.name, name]));
  let done = 0;

  /**
   * `globalNorm` over all gradients at once sums ~30 tensors in one `addN`, and a WebGPU shader may bind only 8
   * storage buffers (the trainer's own `trainStep` fails on WebGPU for this reason). Same value, in groups of 6:
   * √(Σ over groups of norm²).
   */
  function groupedNorm(all: import('@tensorflow/tfjs-core').Tensor[]) {
    return tf.tidy(() => {
      let sumSquares: import('@tensorflow/tfjs-core').Tensor = tf.scalar(0);
      for (let i = 0; i < all.length; i += 6)
        sumSquares = tf.add(sumSquares, tf.square(trainer.globalNorm(all.slice(i, i + 6))));
      return tf.sqrt(sumSquares);
    });
  }

  async function step(): Promise<StepResult> {
    const started = performance.now();
    const lr = trainer.learningRateAt(done, options);
    const batch = stream.next();
    const shape: [number, number] = [batch.batchSize, batch.blockSize];
    const inputs = tf.tensor2d(batch.inputs, shape, 'int32');
    const labels = tf.tensor2d(batch.labels, shape, 'int32');
    const grads = new Map<string, import('@tensorflow/tfjs-core').Tensor>();
    try {
      // forward → cross-entropy against the shifted targets → backward
      const { value, grads: byVar } = tf.variableGrads(() => model.loss(inputs, labels, { training: true }), vars);
      for (const [varName, g] of Object.entries(byVar)) grads.set(nameOf.get(varName)!, g);
      const norm = groupedNorm([...grads.values()]);
      const both = tf.stack([value, norm]);
      tf.dispose([value, norm]);
      const [loss, gradNorm] = await both.data(); // the one read-back per step, awaited
      both.dispose();
      // clip the global gradient norm, then AdamW at the scheduled learning rate
      trainer.scaleGradients(grads, trainer.clipCoefficient(gradNorm, options.gradClip));
      optimizer.apply(grads, lr);
      done += 1;
      const ms = performance.now() - started;
      const tokens = batch.batchSize * batch.blockSize;
      return { step: done, loss, lr, gradNorm, tokensPerSec: (tokens * 1000) / ms, msPerStep: ms };
    } finally {
      tf.dispose([inputs, labels, ...grads.values()]);
    }
  }

  return {
    vocabSize: tokenizer.vocabSize,
    params: model.numParams(),
    options,
    model,
    step,
    sample: (prompt, maxNewTokens) =>
      trainer.sampleText(model, tokenizer, { prompt, maxNewTokens, temperature: 0.8, topK: 20, seed: config.seed }),
    dispose() {
      optimizer.dispose();
      model.dispose();
    },
  };
}
