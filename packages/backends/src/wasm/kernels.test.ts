/** Our wasm kernels (BatchMatMul fast paths, UnsortedSegmentSum, the SIMD GEMM) against tfjs-backend-cpu. */
import { Rng } from '@selfsup/core';
import * as tf from '@tensorflow/tfjs-core';
import { beforeAll, describe, expect, it } from 'vitest';
import { selectBackend } from '../select.js';

function data(rng: Rng, n: number): Float32Array {
  return Float32Array.from({ length: n }, () => rng.normal());
}

async function both(f: () => tf.Tensor): Promise<[Float32Array, Float32Array]> {
  const out: Float32Array[] = [];
  for (const b of ['cpu', 'wasm']) {
    await tf.setBackend(b);
    out.push(tf.tidy(() => Float32Array.from(f().dataSync())));
  }
  await tf.setBackend('wasm');
  return [out[0], out[1]];
}

function maxDiff(a: Float32Array, b: Float32Array): number {
  expect(a.length).toBe(b.length);
  let d = 0;
  for (let i = 0; i < a.length; i++) d = Math.max(d, Math.abs(a[i] - b[i]));
  return d;
}

describe('wasm kernels', () => {
  beforeAll(async () => {
    await selectBackend('cpu');
    await selectBackend('wasm', { threads: 2 });
  });

  const cases: [string, number[], number[], boolean, boolean][] = [
    ['plain', [37, 29], [29, 45], false, false],
    ['transposeA (weight gradient)', [29, 37], [29, 45], true, false],
    ['transposeB (input gradient)', [37, 29], [45, 29], false, true],
    ['both transposed', [29, 37], [45, 29], true, true],
    ['batched', [6, 13, 9], [6, 9, 17], false, false],
    ['batched, transposeB (q kᵀ)', [2, 3, 13, 8], [2, 3, 11, 8], false, true],
    ['batched, transposeA', [6, 9, 13], [6, 9, 17], true, false],
    ['batch broadcast', [1, 13, 9], [4, 9, 17], false, false],
  ];
  for (const [name, aShape, bShape, ta, tb] of cases) {
    it(`BatchMatMul: ${name}`, async () => {
      const rng = new Rng(name);
      const a = data(
        rng,
        aShape.reduce((x, y) => x * y),
      );
      const b = data(
        rng,
        bShape.reduce((x, y) => x * y),
      );
      const [want, got] = await both(() => tf.matMul(tf.tensor(a, aShape), tf.tensor(b, bShape), ta, tb));
      expect(maxDiff(got, want)).toBeLessThan(1e-4);
    });
  }

  it('BatchMatMul leaks no tensors or heap', async () => {
    const a = tf.randomNormal([64, 32]);
    const b = tf.randomNormal([48, 32]);
    tf.matMul(a, b, false, true).dispose();
    const before = tf.memory().numTensors;
    const bytes = tf.memory().numBytes;
    for (let i = 0; i < 5; i++) tf.matMul(a, b, false, true).dispose();
    expect(tf.memory().numTensors).toBe(before);
    expect(tf.memory().numBytes).toBe(bytes);
    tf.dispose([a, b]);
  });

  const perms: [number[], number[]][] = [
    [
      [2, 5, 3, 4],
      [0, 2, 1, 3],
    ], // head split / merge
    [
      [7, 9],
      [1, 0],
    ],
    [
      [3, 5, 7],
      [0, 2, 1],
    ],
    [
      [2, 3, 4, 5],
      [0, 1, 3, 2],
    ], // kᵀ
    [
      [2, 3, 4],
      [2, 0, 1],
    ], // falls back to tfjs's kernel
    [
      [4, 3, 2],
      [1, 2, 0],
    ],
  ];
  for (const [shape, perm] of perms) {
    it(`Transpose [${shape}] by [${perm}] matches cpu (float32 and int32)`, async () => {
      const n = shape.reduce((a, b) => a * b);
      const x = data(new Rng(n), n);
      const [want, got] = await both(() => tf.transpose(tf.tensor(x, shape), perm));
      expect(maxDiff(got, want)).toBe(0);
      const ints = Int32Array.from({ length: n }, (_, i) => i * 7 - 3);
      const [wantI, gotI] = await both(() => tf.cast(tf.transpose(tf.tensor(ints, shape, 'int32'), perm), 'float32'));
      expect(maxDiff(gotI, wantI)).toBe(0);
    });
  }

  const sums: [number[], number | number[], boolean][] = [
    [[37, 29], 0, false], // a bias gradient: the rows
    [[33, 12], 0, false], // rows of a multiple of 4: SIMD
    [[6, 5, 8], [0, 1], true],
    [[5, 7, 9], [0, 1], false],
    [[5, 7, 9], [1, 0], true],
    [[5, 7, 9], 0, true],
    [[5, 7, 9], -1, false], // the last axis: tfjs's kernel
    [[5, 7, 9], [0, 2], false], // not a leading run: tfjs's kernel
    [[4, 6], [0, 1], false], // every axis: tfjs's kernel
    [[0, 6], 0, false], // empty: zeros
    [[0, 6], 1, true],
    [[3, 0], [0, 1], false],
  ];
  for (const [shape, axis, keepDims] of sums) {
    it(`Sum [${shape}] over ${JSON.stringify(axis)}${keepDims ? ' (keepDims)' : ''} matches cpu`, async () => {
      const n = shape.reduce((a, b) => a * b, 1);
      const x = data(new Rng(n + 1), n);
      const [want, got] = await both(() => tf.sum(tf.tensor(x, shape), axis, keepDims));
      expect(maxDiff(got, want)).toBeLessThan(1e-5);
      const shapes: number[][] = [];
      for (const b of ['cpu', 'wasm']) {
        await tf.setBackend(b);
        shapes.push(tf.tidy(() => tf.sum(tf.tensor(x, shape), axis, keepDims).shape));
      }
      expect(shapes[1]).toEqual(shapes[0]);
      const ints = Int32Array.from({ length: n }, (_, i) => (i % 13) - 6);
      const [wantI, gotI] = await both(() =>
        tf.cast(tf.sum(tf.tensor(ints, shape, 'int32'), axis, keepDims), 'float32'),
      );
      expect(maxDiff(gotI, wantI)).toBe(0);
    });
  }

  for (const cols of [2, 8]) {
    it(`Sum over the rows of a bias gradient is added in float64 (no drift over 100k rows of ${cols})`, async () => {
      await tf.setBackend('wasm');
      const rows = 100_000;
      const x = new Float32Array(rows * cols).fill(0.1);
      const got = tf.tidy(() => Array.from(tf.sum(tf.tensor2d(x, [rows, cols]), 0).dataSync()));
      for (const v of got) expect(v).toBeCloseTo(Math.fround(0.1) * rows, 2);
    });
  }

  const gathers: [string, number[], number[], number, number][] = [
    ['an embedding lookup', [50, 8], [37], 0, 0],
    ['rows of rows, 2-D indices', [9, 4, 3], [5, 2], 0, 0],
    ['a vector', [11], [6], 0, 0],
    ['no indices', [7, 3], [0], 0, 0],
    ['along axis 1', [6, 10], [4], 1, 0],
    ['along the middle axis, 2-D indices', [3, 5, 4], [2, 3], 1, 0],
    ['with batch dimensions (wrong in tfjs-backend-wasm 4.22)', [3, 7, 2], [3, 4], 1, 1],
    ['with batch dimensions, last axis', [2, 3, 5], [2, 3, 4], 2, 2],
  ];
  for (const [label, shape, idShape, axis, batchDims] of gathers) {
    it(`GatherV2, ${label}, matches cpu (float32 and int32)`, async () => {
      const n = shape.reduce((a, b) => a * b, 1);
      const x = data(new Rng(n + 3), n);
      const count = idShape.reduce((a, b) => a * b, 1);
      const rng = new Rng(count + 5);
      const ids = Int32Array.from({ length: count }, () => rng.int(shape[axis]));
      const gather = (t: tf.Tensor) => tf.gather(t, tf.tensor(ids, idShape, 'int32'), axis, batchDims);
      const [want, got] = await both(() => gather(tf.tensor(x, shape)));
      expect(maxDiff(got, want)).toBe(0);
      const ints = Int32Array.from({ length: n }, (_, i) => i * 3 - 7);
      const [wantI, gotI] = await both(() => tf.cast(gather(tf.tensor(ints, shape, 'int32')), 'float32'));
      expect(maxDiff(gotI, wantI)).toBe(0);
      await tf.setBackend('wasm');
      expect(tf.tidy(() => gather(tf.tensor(x, shape)).shape)).toEqual([
        ...shape.slice(0, axis),
        ...idShape.slice(batchDims),
        ...shape.slice(axis + 1),
      ]);
    });
  }

  it('UnsortedSegmentSum (the gather gradient) matches cpu', async () => {
    const rng = new Rng(7);
    const x = data(rng, 50 * 8);
    const ids = Int32Array.from({ length: 50 }, () => rng.int(11));
    const [want, got] = await both(() => tf.unsortedSegmentSum(tf.tensor2d(x, [50, 8]), tf.tensor1d(ids, 'int32'), 11));
    expect(maxDiff(got, want)).toBeLessThan(1e-5);
  });

  it('Identity shares the data: a clone adds no data buffer and outlives its original', () => {
    const x = tf.tensor2d([1, 2, 3, 4, 5, 6], [2, 3]);
    const buffers = tf.memory().numDataBuffers;
    const y = tf.clone(x);
    expect(tf.memory().numDataBuffers).toBe(buffers);
    x.dispose();
    expect(tf.memory().numDataBuffers).toBe(buffers); // still held by the clone
    expect(Array.from(y.dataSync())).toEqual([1, 2, 3, 4, 5, 6]);
    expect(y.shape).toEqual([2, 3]);
    y.dispose();
    expect(tf.memory().numDataBuffers).toBe(buffers - 1);
  });

  it('a custom gradient that saves its input (cloned by tfjs) gives the same gradient as on cpu', async () => {
    // f(x) = sum(x²) with a hand-written gradient 2x that reads the saved (cloned) input.
    const square = tf.customGrad((...args: (tf.Tensor | tf.GradSaveFunc)[]) => {
      const [x, save] = args as [tf.Tensor, tf.GradSaveFunc];
      save([x]);
      return {
        value: tf.sum(tf.square(x)),
        gradFunc: (dy: tf.Tensor, [saved]: tf.Tensor[]) => tf.mul(dy, tf.mul(saved, 2)),
      };
    });
    const x = Float32Array.from({ length: 64 }, (_, i) => i / 8 - 4);
    const [want, got] = await both(() => tf.grad((t: tf.Tensor) => square(t) as tf.Tensor)(tf.tensor1d(x)));
    expect(maxDiff(got, want)).toBe(0);
    expect(Array.from(got.slice(0, 3))).toEqual([-8, -7.75, -7.5]);
  });
});
