import * as tf from '@tensorflow/tfjs-core';
import { describe, expect, it } from 'vitest';
import { listBackends, selectBackend } from './index.js';

describe('selectBackend', () => {
  it('starts wasm with 2 threads from the threaded build and computes like cpu', async () => {
    const choice = await selectBackend('wasm', { threads: 2 });
    expect(choice).toMatchObject({ name: 'wasm', threads: 2, build: 'threaded-simd' });
    expect(tf.getBackend()).toBe('wasm');
    const a = tf.tensor2d([1, 2, 3, 4, 5, 6], [2, 3]);
    const b = tf.tensor2d([1, 0, 0, 1, 1, 1], [3, 2]);
    expect(Array.from(tf.matMul(a, b).dataSync())).toEqual([4, 5, 10, 11]);
    expect(choice.fusedKernels).toContain('SelfsupAttention');
  });

  it('starts wasm on one thread from the SIMD build', async () => {
    const choice = await selectBackend('wasm', { threads: 1 });
    expect(choice).toMatchObject({ name: 'wasm', threads: 1, build: 'simd' });
  });

  it('starts cpu', async () => {
    const choice = await selectBackend('cpu');
    expect(choice.name).toBe('cpu');
    expect(tf.getBackend()).toBe('cpu');
  });

  it('lists every backend with a reason', async () => {
    const list = await listBackends();
    expect(list.map((b) => b.name).sort()).toEqual(['cpu', 'tensorflow', 'wasm', 'webgl', 'webgpu']);
    for (const b of list) expect(b.reason.length).toBeGreaterThan(0);
  });
});
