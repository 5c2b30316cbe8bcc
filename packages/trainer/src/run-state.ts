/**
 * The two checkpoint files this package owns: `trainer_state.json` (where the loop is: step, best val loss, schedule,
 * data position, every option) and `optimizer.safetensors` (AdamW's moments, `<param>.exp_avg` / `.exp_avg_sq`,
 * with the step count in the metadata).
 */
import {
  decodeSafetensors,
  encodeSafetensors,
  inputError,
  parseJson,
  type SafetensorsTensor,
  toFloat32,
} from '@selfsup/core';
import type { AdamWState } from './adamw.js';
import { OPTION_NAMES } from './options.js';
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
  savedAt: string;
}

export function encodeTrainerState(state: SavedTrainerState): string {
  return `${JSON.stringify(state, null, 2)}\n`;
}

export function decodeTrainerState(bytes: Uint8Array, what: string): SavedTrainerState {
  const value = parseJson(Buffer.from(bytes).toString('utf8'), what) as Partial<SavedTrainerState>;
  if (value?.format !== TRAINER_STATE_FORMAT)
    throw inputError(`${what}: not a selfsup trainer state (format is not "${TRAINER_STATE_FORMAT}")`);
  if (!Number.isInteger(value.step) || (value.step as number) < 0)
    throw inputError(`${what}: "step" must be a non-negative integer`);
  const options = value.options as Partial<TrainingOptions> | undefined;
  if (!options || OPTION_NAMES.some((k) => options[k] === undefined))
    throw inputError(`${what}: "options" is missing or incomplete`);
  if (!value.dataInfo || typeof value.dataInfo.dir !== 'string') throw inputError(`${what}: "dataInfo" is missing`);
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
    tensors.set(name, { shape: view.shape, data: Float32Array.from(toFloat32(view, `${what}: ${name}`)) });
  }
  return { step, tensors };
}
