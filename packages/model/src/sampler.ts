/**
 * Our own seeded sampler over next-token probabilities (not tf.multinomial, which has backend bugs: tfjs#8057).
 * Temperature, then top-k, then top-p (nucleus), like Hugging Face's logits processors; temperature 0 is greedy.
 */
import { type Rng, usageError } from '@selfsup/core';

export interface SamplingOptions {
  /** Divides the logits; 0 = greedy (argmax). Default 1. */
  temperature?: number;
  /** Keep only the k most likely tokens (0 or undefined = all). */
  topK?: number;
  /** Keep the smallest set of most likely tokens whose probability reaches p (1 or undefined = all). */
  topP?: number;
}

export function checkSamplingOptions(options: SamplingOptions): void {
  const { temperature = 1, topK = 0, topP = 1 } = options;
  if (!(temperature >= 0) || !Number.isFinite(temperature)) {
    throw usageError(`temperature must be a number ≥ 0, got ${temperature}`);
  }
  if (!Number.isSafeInteger(topK) || topK < 0) throw usageError(`topK must be a non-negative integer, got ${topK}`);
  if (!(topP > 0 && topP <= 1)) throw usageError(`topP must be in (0, 1], got ${topP}`);
}

/** Draws a token id from `logits` (one row of the vocabulary). */
export function sampleToken(logits: ArrayLike<number>, options: SamplingOptions, rng: Rng): number {
  const { temperature = 1, topK = 0, topP = 1 } = options;
  const n = logits.length;
  if (temperature === 0) return argmax(logits);
  // Candidate ids, most likely first when a cut is needed (ties broken by id, so the order is deterministic).
  let ids: number[] | Int32Array = Int32Array.from({ length: n }, (_, i) => i);
  if ((topK > 0 && topK < n) || topP < 1) {
    ids = Array.from(ids).sort((a, b) => logits[b] - logits[a] || a - b);
    if (topK > 0 && topK < n) ids = ids.slice(0, topK);
  }
  let max = Number.NEGATIVE_INFINITY;
  for (const id of ids) max = Math.max(max, logits[id]);
  const probs = new Float64Array(ids.length);
  let total = 0;
  for (let i = 0; i < ids.length; i++) {
    probs[i] = Math.exp((logits[ids[i]] - max) / temperature);
    total += probs[i];
  }
  let count = ids.length;
  if (topP < 1) {
    let cumulative = 0;
    for (let i = 0; i < ids.length; i++) {
      cumulative += probs[i] / total;
      if (cumulative >= topP) {
        count = i + 1;
        break;
      }
    }
    total = 0;
    for (let i = 0; i < count; i++) total += probs[i];
  }
  let u = rng.next() * total;
  for (let i = 0; i < count; i++) {
    u -= probs[i];
    if (u < 0) return ids[i];
  }
  return ids[count - 1];
}

export function argmax(values: ArrayLike<number>): number {
  let best = 0;
  for (let i = 1; i < values.length; i++) if (values[i] > values[best]) best = i;
  return best;
}
