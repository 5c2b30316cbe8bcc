/** Shared checks for the batch iterators: option validation and restoring a saved iterator state. */
import { inputError, Rng, type RngState, usageError } from '@selfsup/core';

export function requirePositiveInt(name: string, value: unknown): number {
  if (typeof value !== 'number' || !Number.isInteger(value) || value < 1)
    throw usageError(`${name} must be a positive integer, got ${String(value)}`);
  return value;
}

export function requireProbability(name: string, value: unknown): number {
  if (typeof value !== 'number' || !(value >= 0 && value <= 1))
    throw usageError(`${name} must be a probability in [0, 1], got ${String(value)}`);
  return value;
}

/** The fields every saved iterator state carries besides its RNG: what it was made for, so a mismatch is caught. */
export interface SavedStateBase {
  version: 1;
  rng: RngState;
  /** Batches produced so far. */
  batches: number;
}

/**
 * Checks a saved state against what this iterator is being built for and returns its RNG. `expected` lists the
 * fields that must be equal (`{ kind: 'clm', mode: 'random', tokens: 1003854, blockSize: 64, batchSize: 12 }`).
 */
export function restoreState(state: unknown, expected: Record<string, string | number>): Rng {
  if (typeof state !== 'object' || state === null) throw inputError('saved data position: expected an object');
  const s = state as Record<string, unknown>;
  if (s.version !== 1) throw inputError(`saved data position: version ${String(s.version)} is not supported`);
  for (const [key, want] of Object.entries(expected)) {
    if (s[key] !== want) {
      throw inputError(`saved data position was made for ${key} ${String(s[key])}, but this run has ${key} ${want}`);
    }
  }
  if (typeof s.batches !== 'number' || !Number.isInteger(s.batches) || s.batches < 0) {
    throw inputError('saved data position: "batches" must be a non-negative integer');
  }
  try {
    return Rng.fromState(s.rng as number[]);
  } catch {
    throw inputError('saved data position: "rng" must be four unsigned 32-bit integers, not all zero');
  }
}

export function requireIndex(state: Record<string, unknown>, key: string, max: number): number {
  const v = state[key];
  if (typeof v !== 'number' || !Number.isInteger(v) || v < 0 || v > max) {
    throw inputError(`saved data position: "${key}" must be an integer in [0, ${max}], got ${String(v)}`);
  }
  return v;
}
