/**
 * The two checkpoint files this package owns: `trainer_state.json` (where the loop is: step, best val loss, schedule,
 * data position, every option) and `optimizer.safetensors` (AdamW's moments, `<param>.exp_avg` / `.exp_avg_sq`,
 * with the step count in the metadata).
 */
import { isAbsolute, normalize } from 'node:path';
import {
  decodeSafetensors,
  decodeUtf8,
  encodeSafetensors,
  inputError,
  parseJson,
  quoteJson,
  type SafetensorsTensor,
  toFloat32,
} from '@selfsup/core';
import type { AdamWState } from './adamw.js';
import { OPTION_NAMES, validateOptions } from './options.js';
import type { TrainingOptions } from './presets.js';
import type { TrainerState } from './trainer.js';

export const TRAINER_STATE_FORMAT = 'selfsup.trainer_state/1';
const OPTIMIZER_FORMAT = 'selfsup.adamw/1';

export interface RunDataInfo {
  /** The prepared-data folder: relative to the run folder when the trainer prepared it there (`data`). */
  dir: string;
  /** The `--data` value the run started from (`brown`, a file, a folder). */
  source: string;
  /** True when the trainer prepared raw text into `RUN/data`. */
  preparedHere: boolean;
}

export interface SavedTrainerState extends TrainerState {
  format: typeof TRAINER_STATE_FORMAT;
  maxIters: number;
  /** Learning rate of the next update, and the schedule that gives it (`options` hold its parameters). */
  schedule: { kind: string; nextLr: number };
  lastEval: { step: number; trainLoss: number; valLoss: number } | null;
  /** Seconds spent training in all sessions so far. */
  elapsedSeconds: number;
  /** Every random choice derives from `seed` and the step, except the training data stream, whose state is `data`. */
  rng: { seed: number };
  options: TrainingOptions;
  preset: string;
  dataInfo: RunDataInfo;
  backend: string;
  /** Checkpoints kept (`--keep-last`); absent in runs saved before the option existed (1). */
  keepLast?: number;
  savedAt: string;
}

export function encodeTrainerState(state: SavedTrainerState): string {
  return `${JSON.stringify(state, null, 2)}\n`;
}

/** Reads and checks `trainer_state.json` (a file from anywhere: every field used later is checked here). */
export function decodeTrainerState(bytes: Uint8Array, what: string): SavedTrainerState {
  const value = parseJson(decodeUtf8(bytes, what), what) as Partial<SavedTrainerState>;
  if (value?.format !== TRAINER_STATE_FORMAT)
    throw inputError(`${what}: not a selfsup trainer state (format is not "${TRAINER_STATE_FORMAT}")`);
  const count = (field: keyof SavedTrainerState) => {
    const v = value[field];
    if (!Number.isSafeInteger(v) || (v as number) < 0)
      throw inputError(`${what}: "${field}" must be a non-negative integer, got ${quoteJson(v)}`);
  };
  const finiteOrNull = (v: unknown, field: string) => {
    if (v !== null && (typeof v !== 'number' || !Number.isFinite(v)))
      throw inputError(`${what}: "${field}" must be a finite number or null, got ${quoteJson(v)}`);
  };
  count('step');
  count('tokensSeen');
  count('skippedSteps');
  finiteOrNull(value.bestValLoss, 'bestValLoss');
  if (value.bestValStep !== null && (!Number.isSafeInteger(value.bestValStep) || (value.bestValStep as number) < 0))
    throw inputError(`${what}: "bestValStep" must be a non-negative integer or null`);
  if (
    typeof value.elapsedSeconds !== 'number' ||
    !(value.elapsedSeconds >= 0) ||
    !Number.isFinite(value.elapsedSeconds)
  )
    throw inputError(`${what}: "elapsedSeconds" must be a finite number ≥ 0, got ${quoteJson(value.elapsedSeconds)}`);
  const last = value.lastEval;
  if (last !== null && last !== undefined) {
    if (typeof last !== 'object' || !Number.isSafeInteger(last.step) || last.step < 0)
      throw inputError(`${what}: "lastEval" must be null or {step, trainLoss, valLoss}`);
    finiteOrNull(last.trainLoss, 'lastEval.trainLoss');
    finiteOrNull(last.valLoss, 'lastEval.valLoss');
  }
  if (typeof value.preset !== 'string') throw inputError(`${what}: "preset" must be a string`);
  if (value.keepLast !== undefined && (!Number.isSafeInteger(value.keepLast) || value.keepLast < 1))
    throw inputError(`${what}: "keepLast" must be an integer ≥ 1, got ${quoteJson(value.keepLast)}`);
  const options = value.options as Partial<TrainingOptions> | undefined;
  // Runs saved before `mlmRowTokens` existed filled their MLM rows to the block.
  if (typeof options === 'object' && options !== null && options.mlmRowTokens === undefined) options.mlmRowTokens = 0;
  if (typeof options !== 'object' || options === null || OPTION_NAMES.some((k) => options[k] === undefined))
    throw inputError(`${what}: "options" is missing or incomplete`);
  try {
    validateOptions(options as TrainingOptions);
  } catch (err) {
    throw inputError(`${what}: "options": ${(err as Error).message}`, err);
  }
  const info = value.dataInfo;
  if (typeof info !== 'object' || info === null || typeof info.dir !== 'string' || typeof info.source !== 'string')
    throw inputError(`${what}: "dataInfo" must hold "dir" and "source" strings`);
  // The data folder: the run's own `data`, or an absolute path (a folder the user prepared); never `../` out of the run.
  if (!isAbsolute(info.dir) && normalize(info.dir).split(/[/\\]/)[0] === '..')
    throw inputError(`${what}: "dataInfo.dir" ${quoteJson(info.dir)} points outside the run folder`);
  return value as SavedTrainerState;
}

export function encodeOptimizerState(state: AdamWState): Uint8Array[] {
  const tensors = new Map<string, SafetensorsTensor>();
  for (const [name, t] of state.tensors) tensors.set(name, { dtype: 'F32', shape: t.shape, data: t.data });
  return encodeSafetensors(tensors, { format: OPTIMIZER_FORMAT, step: String(state.step) });
}

export function decodeOptimizerState(bytes: Uint8Array, what: string): AdamWState {
  const file = decodeSafetensors(bytes, what);
  if (file.metadata.format !== OPTIMIZER_FORMAT)
    throw inputError(`${what}: not a selfsup AdamW state (metadata format is not "${OPTIMIZER_FORMAT}")`);
  const step = Number(file.metadata.step);
  if (!Number.isInteger(step) || step < 0) throw inputError(`${what}: metadata "step" must be a non-negative integer`);
  const tensors = new Map<string, { shape: number[]; data: Float32Array }>();
  for (const [name, view] of file.tensors) {
    const data = Float32Array.from(toFloat32(view, `${what}: ${name}`));
    const squares = name.endsWith('.exp_avg_sq');
    for (let i = 0; i < data.length; i++) {
      if (!Number.isFinite(data[i]) || (squares && data[i] < 0)) {
        throw inputError(
          `${what}: ${quoteJson(name, 120)} holds ${data[i]} at index ${i}; moments must be finite${squares ? ' and ≥ 0' : ''}`,
        );
      }
    }
    tensors.set(name, { shape: view.shape, data });
  }
  return { step, tensors };
}
