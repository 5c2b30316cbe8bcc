/**
 * One training update in a web page: `Trainer.trainStepAsync()` from @selfsup/trainer, the same update
 * `selfsup train` makes, reading the loss back with an awaited `data()` (a synchronous read stalls WebGPU and WebGL in
 * a page, or on a software adapter never returns).
 */
import type { LanguageModel } from '@selfsup/model';
import type { StepEvent, TrainData, TrainingOptions } from '@selfsup/trainer';

/** What one step reports: the trainer's own step event. */
export type StepResult = StepEvent;

/** The shape and schedule of an in-page run (the GPT and the BERT widgets both take one). */
export interface PageRunConfig {
  steps: number;
  nLayer: number;
  nHead: number;
  nEmbd: number;
  blockSize: number;
  batchSize: number;
  lr: number;
  seed: number;
}

export interface Stepper {
  step(): Promise<StepResult>;
  dispose(): void;
}

export async function createStepper(model: LanguageModel, data: TrainData, options: TrainingOptions): Promise<Stepper> {
  const { Trainer } = await import('@selfsup/trainer');
  const trainer = new Trainer({ model, data, options });
  return {
    // forward → cross-entropy against the pseudo-labels → backward → clip → AdamW; one read-back per step
    step: () => trainer.trainStepAsync(),
    dispose: () => trainer.dispose(),
  };
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
