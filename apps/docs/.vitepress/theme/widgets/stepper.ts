/**
 * One training update, built from @selfsup/trainer's own pieces: the batch stream of `clmData` / `mlmData`,
 * `learningRateAt`, `model.loss` under `tf.variableGrads`, global-norm clipping and `AdamW`. It is the update
 * `Trainer.trainStep()` makes (test/tiny-gpt.test.ts checks they agree), with two changes a web page needs:
 * the loss is read back with an awaited `data()` (`trainStep()` reads synchronously, which WebGPU does slowly or, on
 * a software adapter, not at all), and the gradient norm is summed in groups (one `addN` over every gradient binds
 * more storage buffers than a WebGPU shader may have).
 */
import type { LanguageModel } from '@selfsup/model';
import type { TrainData, TrainingOptions } from '@selfsup/trainer';
import type { Tensor } from '@tensorflow/tfjs-core';

export interface StepResult {
  step: number;
  loss: number;
  lr: number;
  gradNorm: number;
  tokensPerSec: number;
  msPerStep: number;
}

export interface Stepper {
  step(): Promise<StepResult>;
  dispose(): void;
}

export async function createStepper(model: LanguageModel, data: TrainData, options: TrainingOptions): Promise<Stepper> {
  const [trainer, tf] = await Promise.all([import('@selfsup/trainer'), import('@tensorflow/tfjs-core')]);
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

  /** √(Σ g²) over every gradient, as `globalNorm` computes it, in groups of 6 gradients per `addN`. */
  function groupedNorm(all: Tensor[]): Tensor {
    return tf.tidy(() => {
      let sumSquares: Tensor = tf.scalar(0);
      for (let i = 0; i < all.length; i += 6) {
        sumSquares = tf.add(sumSquares, tf.square(trainer.globalNorm(all.slice(i, i + 6))));
      }
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
    const attentionMask = batch.attentionMask ? tf.tensor2d(batch.attentionMask, shape, 'int32') : undefined;
    const grads = new Map<string, Tensor>();
    try {
      // forward → cross-entropy against the pseudo-labels → backward
      const { value, grads: byVar } = tf.variableGrads(
        () => model.loss(inputs, labels, { training: true, attentionMask }),
        vars,
      );
      for (const [varName, g] of Object.entries(byVar)) grads.set(nameOf.get(varName)!, g);
      const norm = groupedNorm([...grads.values()]);
      const both = tf.stack([value, norm]);
      tf.dispose([value, norm]);
      const [loss, gradNorm] = await both.data(); // the one read-back per step
      both.dispose();
      // clip the global gradient norm, then AdamW at the scheduled learning rate
      trainer.scaleGradients(grads, trainer.clipCoefficient(gradNorm, options.gradClip));
      optimizer.apply(grads, lr);
      done += 1;
      const ms = performance.now() - started;
      const tokens = batch.batchSize * batch.blockSize;
      return { step: done, loss, lr, gradNorm, tokensPerSec: (tokens * 1000) / ms, msPerStep: ms };
    } finally {
      tf.dispose([inputs, labels, ...(attentionMask ? [attentionMask] : []), ...grads.values()]);
    }
  }

  return { step, dispose: () => optimizer.dispose() };
}

/** The training options of an in-page run: the trainer's defaults with a short schedule. */
export async function pageOptions(
  overrides: Partial<TrainingOptions> & { maxIters: number; lr: number },
): Promise<TrainingOptions> {
  const { DEFAULT_OPTIONS } = await import('@selfsup/trainer');
  const steps = overrides.maxIters;
  return {
    ...DEFAULT_OPTIONS,
    minLr: overrides.lr / 10,
    warmupIters: Math.min(10, Math.floor(steps / 10)),
    lrDecayIters: steps,
    dropout: 0,
    ...overrides,
  };
}
