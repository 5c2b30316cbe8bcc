/**
 * Learning-rate schedules. `cosine` is nanoGPT's `get_lr`: linear warmup to `lr`, cosine decay to `minLr` at
 * `lrDecayIters`, then `minLr`. `linear` decays in a straight line over the same span; `constant` holds `lr` after the
 * warmup. `step` is the 0-based index of the update about to be made (nanoGPT's `iter_num`).
 */
import type { LrSchedule } from './presets.js';

export interface ScheduleOptions {
  lrSchedule: LrSchedule;
  lr: number;
  minLr: number;
  warmupIters: number;
  lrDecayIters: number;
}

export function learningRateAt(step: number, o: ScheduleOptions): number {
  if (step < o.warmupIters) return (o.lr * (step + 1)) / (o.warmupIters + 1);
  if (o.lrSchedule === 'constant') return o.lr;
  if (step > o.lrDecayIters) return o.minLr;
  const span = o.lrDecayIters - o.warmupIters;
  const ratio = span > 0 ? (step - o.warmupIters) / span : 1;
  const coeff = o.lrSchedule === 'cosine' ? 0.5 * (1 + Math.cos(Math.PI * ratio)) : 1 - ratio;
  return o.minLr + coeff * (o.lr - o.minLr);
}
