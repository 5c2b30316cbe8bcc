/** Dropout with masks drawn from a seeded `Rng`, so a training step is reproducible on every backend. */
import type { Rng } from '@selfsup/core';
import * as tf from '@tensorflow/tfjs-core';

/** Zeroes each element with probability `rate` and scales the rest by 1 / (1 − rate); identity when `rng` is absent. */
export function dropout<T extends tf.Tensor>(x: T, rate: number, rng: Rng | undefined): T {
  if (!rng || rate <= 0) return x;
  const keep = 1 / (1 - rate);
  const mask = new Float32Array(x.size);
  for (let i = 0; i < mask.length; i++) mask[i] = rng.next() >= rate ? keep : 0;
  return tf.mul(x, tf.tensor(mask, x.shape, 'float32'));
}
