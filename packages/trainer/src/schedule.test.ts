import { describe, expect, it } from 'vitest';
import { learningRateAt, type ScheduleOptions } from './schedule.js';

const nano: ScheduleOptions = { lrSchedule: 'cosine', lr: 1e-3, minLr: 1e-4, warmupIters: 100, lrDecayIters: 2000 };

describe('learningRateAt', () => {
  it("follows nanoGPT's get_lr (warmup, cosine, floor)", () => {
    // Values computed by hand from nanoGPT's formula.
    expect(learningRateAt(0, nano)).toBeCloseTo(1e-3 / 101, 15);
    expect(learningRateAt(99, nano)).toBeCloseTo((1e-3 * 100) / 101, 15);
    expect(learningRateAt(100, nano)).toBeCloseTo(1e-3, 15);
    // Halfway through the decay the cosine is 0: coeff 0.5 → 1e-4 + 0.5 · 9e-4.
    expect(learningRateAt(1050, nano)).toBeCloseTo(5.5e-4, 15);
    expect(learningRateAt(2000, nano)).toBeCloseTo(1e-4, 15);
    expect(learningRateAt(2001, nano)).toBe(1e-4);
    expect(learningRateAt(5000, nano)).toBe(1e-4);
  });

  it('decays monotonically after the warmup', () => {
    let prev = Number.POSITIVE_INFINITY;
    for (let s = 100; s <= 2100; s += 7) {
      const lr = learningRateAt(s, nano);
      expect(lr).toBeLessThanOrEqual(prev);
      prev = lr;
    }
  });

  it('supports linear and constant schedules', () => {
    const linear = { ...nano, lrSchedule: 'linear' as const };
    expect(learningRateAt(1050, linear)).toBeCloseTo(5.5e-4, 15);
    expect(learningRateAt(575, linear)).toBeCloseTo(1e-4 + 0.75 * 9e-4, 15);
    const constant = { ...nano, lrSchedule: 'constant' as const };
    expect(learningRateAt(50, constant)).toBeCloseTo((1e-3 * 51) / 101, 15);
    expect(learningRateAt(1500, constant)).toBe(1e-3);
    expect(learningRateAt(9999, constant)).toBe(1e-3);
  });

  it('handles no warmup and a decay span of zero', () => {
    const o = { ...nano, warmupIters: 0, lrDecayIters: 0 };
    expect(learningRateAt(0, o)).toBe(1e-4);
    expect(learningRateAt(0, { ...nano, warmupIters: 0 })).toBe(1e-3);
  });
});
