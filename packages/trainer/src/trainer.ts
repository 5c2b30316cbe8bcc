/**
 * The training loop in memory (no files): one `trainStep()` is forward → loss against the pseudo-labels → backward
 * over `gradAccum` micro-batches → global-norm clipping → AdamW at the scheduled learning rate. `evaluate()` is
 * nanoGPT's `estimate_loss`. Everything random is seeded from `options.seed` and the step number, so a trainer
 * restored from `getState()` continues exactly where the saved one was.
 */
import { Rng, SelfsupError, usageError } from '@selfsup/core';
import type { ForwardOptions, LanguageModel } from '@selfsup/model';
import * as tf from '@tensorflow/tfjs-core';
// @selfsup/model registers the gradients of tfjs-core's ops when it is imported (tfjs-core alone registers none).
import '@selfsup/model';
import { AdamW, type AdamWState } from './adamw.js';
import type { Batch, BatchStream, Split, TrainData } from './batches.js';
import { clipCoefficient, globalNorm, scaleGradients } from './clip.js';
import type { TrainingOptions } from './presets.js';
import { learningRateAt } from './schedule.js';

export interface StepEvent {
  type: 'step';
  /** Updates completed, this one included. */
  step: number;
  /** Mean loss over the micro-batches of this step. */
  loss: number;
  /** Learning rate this update used. */
  lr: number;
  /** Global gradient norm before clipping. */
  gradNorm: number;
  /** Tokens this update read: every position, or with an attention mask only the real (not padding) ones. */
  tokens: number;
  tokensPerSec: number;
  msPerStep: number;
  /** True when the update was skipped because the loss or the gradients were not finite (`skipNonfinite`). */
  skipped: boolean;
}

export interface EvalEvent {
  type: 'eval';
  step: number;
  trainLoss: number;
  valLoss: number;
  /** Whether this is the best validation loss so far. */
  best: boolean;
  msPerEval: number;
}

/** What a checkpoint needs to continue the loop exactly (besides weights and optimizer moments). */
export interface TrainerState {
  step: number;
  bestValLoss: number | null;
  bestValStep: number | null;
  tokensSeen: number;
  skippedSteps: number;
  /** Position of the training batch stream. */
  data: unknown;
}

export interface TrainerInit {
  model: LanguageModel;
  data: TrainData;
  options: TrainingOptions;
  state?: TrainerState;
  optimizerState?: AdamWState;
}

/** A non-finite loss or gradient norm; `step` is the update that produced it (1-based, like step events). */
export class NonFiniteError extends SelfsupError {
  readonly step: number;
  constructor(step: number, loss: number, gradNorm: number) {
    const what = Number.isFinite(loss) ? `gradient norm ${gradNorm}` : `loss ${loss}`;
    super(`non-finite ${what} at step ${step}`, { kind: 'runtime' });
    this.step = step;
  }
}

/** An update between its backward pass and its read-back. */
interface PendingStep {
  started: number;
  stepIndex: number;
  lr: number;
  /** Gradients by parameter name; `scaleGradients` replaces them in the map, so `dispose` frees the current ones. */
  grads: Map<string, tf.Tensor>;
  /** [loss, global gradient norm]. */
  readback: tf.Tensor;
  /** Tokens in the micro-batches (see `StepEvent.tokens`). */
  tokens: number;
  dispose(): void;
}

export class Trainer {
  readonly model: LanguageModel;
  readonly optimizer: AdamW;
  readonly options: TrainingOptions;
  private readonly data: TrainData;
  private readonly stream: BatchStream;
  private readonly vars: tf.Variable[];
  /** tfjs variable name → parameter name. */
  private readonly byVarName = new Map<string, string>();
  private state: TrainerState;
  /** A `trainStepAsync()` is waiting for its read-back (its update is not applied yet). */
  private pending = false;

  constructor(init: TrainerInit) {
    this.model = init.model;
    this.data = init.data;
    this.options = { ...init.options };
    const o = this.options;
    this.optimizer = new AdamW(this.model.params, this.model.paramGroups(), {
      beta1: o.beta1,
      beta2: o.beta2,
      eps: o.eps,
      weightDecay: o.weightDecay,
    });
    if (init.optimizerState) this.optimizer.setState(init.optimizerState);
    this.vars = [...this.model.params.values()];
    for (const [name, v] of this.model.params) this.byVarName.set(v.name, name);
    this.stream = this.data.stream('train', o.seed);
    this.state = init.state
      ? { ...init.state }
      : { step: 0, bestValLoss: null, bestValStep: null, tokensSeen: 0, skippedSteps: 0, data: undefined };
    if (init.state) this.stream.setState(init.state.data);
  }

  /** Updates completed so far. */
  get step(): number {
    return this.state.step;
  }

  /** Positions per update (batch × block × accumulation): the tokens of a step when no row is padded. */
  get tokensPerStep(): number {
    return this.options.batchSize * this.options.blockSize * this.options.gradAccum;
  }

  getState(): TrainerState {
    return { ...this.state, data: this.stream.getState() };
  }

  /** The learning rate the next update will use. */
  get nextLr(): number {
    return learningRateAt(this.state.step, this.options);
  }

  /** One optimizer update over `gradAccum` micro-batches. Throws `NonFiniteError` unless `skipNonfinite`. */
  trainStep(): StepEvent {
    const pending = this.beginStep();
    let values: ArrayLike<number>;
    try {
      values = pending.readback.dataSync();
    } catch (error) {
      pending.dispose();
      throw error;
    }
    return this.finishStep(pending, values[0], values[1]);
  }

  /**
   * The same update as `trainStep()`, reading the loss and gradient norm back with an awaited `data()`: the one
   * read-back per step does not block the thread, which WebGPU and WebGL in a web page need (a synchronous read
   * there stalls the page, or on a software adapter never returns).
   */
  async trainStepAsync(): Promise<StepEvent> {
    const pending = this.beginStep();
    this.pending = true;
    let values: ArrayLike<number>;
    try {
      values = await pending.readback.data();
    } catch (error) {
      pending.dispose();
      throw error;
    } finally {
      this.pending = false;
    }
    return this.finishStep(pending, values[0], values[1]);
  }

  /** Forward and backward over the micro-batches; the loss and gradient norm stay on the device as one tensor. */
  private beginStep(): PendingStep {
    if (this.pending) {
      throw usageError('a trainStepAsync() is still running: await it before the next step or evaluation');
    }
    const started = performance.now();
    const o = this.options;
    const stepIndex = this.state.step;
    const micro = o.gradAccum;
    const grads = new Map<string, tf.Tensor>();
    let lossSum: tf.Tensor | undefined;
    let tokens = 0;
    const dispose = () => tf.dispose([...grads.values(), ...(lossSum ? [lossSum] : [])]);
    try {
      for (let i = 0; i < micro; i++) {
        const batch = this.stream.next();
        tokens += batchTokens(batch);
        const { value, grads: g } = this.backward(batch, dropoutSeed(o.seed, stepIndex, i), micro);
        lossSum = accumulate(lossSum, value);
        for (const [varName, grad] of Object.entries(g)) {
          if (!grad) continue;
          const name = this.byVarName.get(varName)!;
          grads.set(name, accumulate(grads.get(name), grad));
        }
      }
      const norm = globalNorm(grads.values());
      const readback = tf.stack([lossSum!, norm]);
      norm.dispose();
      lossSum!.dispose();
      lossSum = undefined;
      return {
        started,
        stepIndex,
        lr: learningRateAt(stepIndex, o),
        grads,
        readback,
        tokens,
        dispose: () => {
          readback.dispose();
          dispose();
        },
      };
    } catch (error) {
      dispose();
      throw error;
    }
  }

  /** Clipping and AdamW (or the skip of a non-finite step), then the step event. */
  private finishStep(pending: PendingStep, loss: number, gradNorm: number): StepEvent {
    const o = this.options;
    const { grads, lr, stepIndex } = pending;
    try {
      this.state.tokensSeen += pending.tokens;
      const finite = Number.isFinite(loss) && Number.isFinite(gradNorm);
      if (!finite && !o.skipNonfinite) throw new NonFiniteError(stepIndex + 1, loss, gradNorm);
      if (finite) {
        scaleGradients(grads, clipCoefficient(gradNorm, o.gradClip));
        this.optimizer.apply(grads, lr);
      } else {
        this.state.skippedSteps += 1;
      }
      this.state.step += 1;
      const ms = performance.now() - pending.started;
      return {
        type: 'step',
        step: this.state.step,
        loss,
        lr,
        gradNorm,
        tokens: pending.tokens,
        tokensPerSec: (pending.tokens * 1000) / ms,
        msPerStep: ms,
        skipped: !finite,
      };
    } finally {
      pending.dispose();
    }
  }

  /** nanoGPT's `estimate_loss`: mean loss over `evalIters` random batches of each split, without dropout. */
  evaluate(): EvalEvent {
    if (this.pending) {
      throw usageError('a trainStepAsync() is still running: await it before the next step or evaluation');
    }
    const started = performance.now();
    const trainLoss = this.meanLoss('train');
    const valLoss = this.meanLoss('val');
    const step = this.state.step;
    const best = Number.isFinite(valLoss) && (this.state.bestValLoss === null || valLoss < this.state.bestValLoss);
    if (best) {
      this.state.bestValLoss = valLoss;
      this.state.bestValStep = step;
    }
    return { type: 'eval', step, trainLoss, valLoss, best, msPerEval: performance.now() - started };
  }

  /** Mean loss of a split over `evalIters` batches drawn from a stream seeded by the step (the training stream and
   *  every other random choice are left untouched, so evaluating never changes the run). */
  meanLoss(split: Split, batches = this.options.evalIters): number {
    const stream = this.data.stream(split, evalSeed(this.options.seed, split, this.state.step));
    let sum = 0;
    for (let i = 0; i < batches; i++) sum += batchLoss(this.model, stream.next());
    return sum / batches;
  }

  /** Frees the optimizer state (the model belongs to the caller). */
  dispose(): void {
    this.optimizer.dispose();
  }

  private backward(batch: Batch, seed: number, micro: number) {
    const { inputs, labels, mask } = batchTensors(batch);
    try {
      return tf.variableGrads(() => {
        const loss = this.model.loss(inputs, labels, { training: true, dropoutSeed: seed, attentionMask: mask });
        return micro === 1 ? loss : tf.div(loss, micro);
      }, this.vars);
    } finally {
      tf.dispose([inputs, labels, ...(mask ? [mask] : [])]);
    }
  }
}

/** The loss of one batch, forward only. */
export function batchLoss(model: LanguageModel, batch: Batch): number {
  return evalRead(batch, (inputs, labels, options) => model.loss(inputs, labels, options))[0];
}

/** The loss at each labelled position of a batch (row-major order), at evaluation (no dropout). */
export function batchLabelLosses(model: LanguageModel, batch: Batch): Float32Array {
  return evalRead(batch, (inputs, labels, options) => model.labelLosses(inputs, labels, options));
}

/** Runs `f` on a batch's tensors at evaluation (no dropout) and reads its result back. */
function evalRead(
  batch: Batch,
  f: (inputs: tf.Tensor2D, labels: tf.Tensor2D, options: ForwardOptions) => tf.Tensor,
): Float32Array {
  const { inputs, labels, mask } = batchTensors(batch);
  try {
    const result = f(inputs, labels, { training: false, attentionMask: mask });
    const values = result.dataSync() as Float32Array;
    result.dispose();
    return values;
  } finally {
    tf.dispose([inputs, labels, ...(mask ? [mask] : [])]);
  }
}

/** The real tokens of a batch: the ones its attention mask marks, or every position. */
function batchTokens(batch: Batch): number {
  const mask = batch.attentionMask;
  if (!mask) return batch.batchSize * batch.blockSize;
  let n = 0;
  for (let i = 0; i < mask.length; i++) n += mask[i];
  return n;
}

function batchTensors(batch: Batch) {
  const shape: [number, number] = [batch.batchSize, batch.blockSize];
  return {
    inputs: tf.tensor2d(batch.inputs, shape, 'int32'),
    labels: tf.tensor2d(batch.labels, shape, 'int32'),
    mask: batch.attentionMask ? tf.tensor2d(batch.attentionMask, shape, 'int32') : undefined,
  };
}

function accumulate(sum: tf.Tensor | undefined, x: tf.Tensor): tf.Tensor {
  if (!sum) return x;
  const next = tf.add(sum, x);
  sum.dispose();
  x.dispose();
  return next;
}

/** The dropout seed of micro-batch `micro` of update `step`: a pure function, so resuming needs no saved state. */
export function dropoutSeed(seed: number, step: number, micro: number): number {
  return new Rng(`${seed}:dropout:${step}:${micro}`).nextUint32();
}

export function evalSeed(seed: number, split: Split, step: number): number {
  return new Rng(`${seed}:eval:${split}:${step}`).nextUint32();
}
