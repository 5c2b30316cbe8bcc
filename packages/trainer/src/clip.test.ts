import '@tensorflow/tfjs-backend-cpu';
import * as tf from '@tensorflow/tfjs-core';
import { beforeAll, describe, expect, it } from 'vitest';
import { clipCoefficient, globalNorm, scaleGradients } from './clip.js';

beforeAll(async () => {
  await tf.setBackend('cpu');
});

describe('global-norm clipping', () => {
  it('takes the norm over all gradients together', () => {
    // [3, 4] and [12]: √(9 + 16 + 144) = 13
    const a = tf.tensor1d([3, 4]);
    const b = tf.tensor2d([[12]]);
    const n = globalNorm([a, b]);
    expect(n.dataSync()[0]).toBeCloseTo(13, 5);
    tf.dispose([a, b, n]);
  });

  it('scales by maxNorm / (norm + 1e-6) only when the norm is above maxNorm', () => {
    expect(clipCoefficient(13, 1)).toBeCloseTo(1 / (13 + 1e-6), 12);
    expect(clipCoefficient(0.5, 1)).toBe(1);
    expect(clipCoefficient(100, 0)).toBe(1);
    const grads = new Map<string, tf.Tensor>([
      ['a', tf.tensor1d([3, 4])],
      ['b', tf.tensor2d([[12]])],
    ]);
    const before = tf.memory().numTensors;
    scaleGradients(grads, clipCoefficient(13, 1));
    expect(tf.memory().numTensors).toBe(before);
    const n = globalNorm(grads.values());
    expect(n.dataSync()[0]).toBeCloseTo(1, 5);
    expect(grads.get('a')!.dataSync()[1]).toBeCloseTo(4 / 13, 6);
    tf.dispose([...grads.values(), n]);
  });
});
