/** Dropout with masks drawn from a seeded `Rng`, so a training step is reproducible on every backend. */
import type { Rng } from '@selfsup/core';
import * as tf from '@tensorflow/tfjs-core';

/** `size` dropout multipliers in order from `rng`: 0 with probability `rate`, else 1 / (1 − rate). */
export function dropoutMask(size: number, rate: number, rng: Rng): Float32Array {
  const keep = 1 / (1 - rate);
  const mask = new Float32Array(size);
  for (let i = 0; i < mask.length; i++) mask[i] = rng.next() >= rate ? keep : 0;
  return mask;
}

/** Zeroes each element with probability `rate` and scales the rest by 1 / (1 − rate); identity when `rng` is absent. */
export function dropout<T extends tf.Tensor>(x: T, rate: number, rng: Rng | undefined): T {
  if (!rng || rate <= 0) return x;
  return tf.mul(x, tf.tensor(dropoutMask(x.size, rate, rng), x.shape, 'float32'));
}
