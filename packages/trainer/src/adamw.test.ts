import { readFileSync } from 'node:fs';
import '@tensorflow/tfjs-backend-cpu';
import { registerCpuKernels } from '@selfsup/backends';
import * as tf from '@tensorflow/tfjs-core';
import { beforeAll, describe, expect, it } from 'vitest';
import { AdamW } from './adamw.js';

interface Fixture {
  beta1: number;
  beta2: number;
  eps: number;
  weightDecay: number;
  init: { w: number[][]; b: number[] };
  steps: {
    lr: number;
    grads: { w: number[][]; b: number[] };
    params: { w: number[][]; b: number[] };
    exp_avg: { w: number[][]; b: number[] };
    exp_avg_sq: { w: number[][]; b: number[] };
  }[];
}

const fixture = JSON.parse(readFileSync(new URL('./fixtures/adamw-torch.json', import.meta.url), 'utf8')) as Fixture;

function expectClose(actual: ArrayLike<number>, expected: number[], rel: number) {
  expect(actual.length).toBe(expected.length);
  for (let i = 0; i < expected.length; i++) {
    const tol = rel * Math.max(1, Math.abs(expected[i]));
    expect(Math.abs(actual[i] - expected[i]), `element ${i}: ${actual[i]} vs ${expected[i]}`).toBeLessThanOrEqual(tol);
  }
}

beforeAll(async () => {
  await tf.setBackend('cpu');
});

describe('AdamW', () => {
  it('does one step exactly as computed by hand', () => {
    // p = 1, g = 0.5, lr = 0.1, β1 = 0.9, β2 = 0.99, ε = 0, λ = 0.1, first step:
    // m = 0.05, v = 0.0025, m̂ = 0.5, v̂ = 0.25, m̂/√v̂ = 1; p' = 1 − 0.1·(1 + 0.1·1) = 0.89.
    const p = tf.variable(tf.tensor1d([1, -2]));
    const q = tf.variable(tf.tensor1d([1]));
    const opt = new AdamW(
      new Map<string, tf.Variable>([
        ['p', p],
        ['q', q],
      ]),
      { decay: ['p'], noDecay: ['q'] },
      { beta1: 0.9, beta2: 0.99, eps: 0, weightDecay: 0.1 },
    );
    const grads = new Map<string, tf.Tensor>([
      ['p', tf.tensor1d([0.5, 0.5])],
      ['q', tf.tensor1d([0.5])],
    ]);
    opt.apply(grads, 0.1);
    // second element: p = −2, update = 1 + 0.1·(−2) = 0.8 → −2 − 0.08 = −2.08; q is not decayed: 1 − 0.1 = 0.9.
    expectClose(p.dataSync(), [0.89, -2.08], 1e-7);
    expectClose(q.dataSync(), [0.9], 1e-7);
    const state = opt.getState();
    expect(state.step).toBe(1);
    expectClose(state.tensors.get('p.exp_avg')!.data, [0.05, 0.05], 1e-7);
    expectClose(state.tensors.get('p.exp_avg_sq')!.data, [0.0025, 0.0025], 1e-7);
    opt.dispose();
    tf.dispose([p, q, ...grads.values()]);
  });

  for (const fused of [false, true]) {
    it(`matches PyTorch's AdamW over four steps with a changing learning rate (${fused ? 'fused SelfsupAdamW kernel' : 'tfjs ops'})`, () => {
      registerCpuKernels({ fused });
      try {
        checkAgainstTorch(fused);
      } finally {
        registerCpuKernels({ fused: false });
      }
    });
  }

  function checkAgainstTorch(fused: boolean) {
    const w = tf.variable(tf.tensor2d(fixture.init.w));
    const b = tf.variable(tf.tensor1d(fixture.init.b));
    const opt = new AdamW(
      new Map<string, tf.Variable>([
        ['w', w],
        ['b', b],
      ]),
      { decay: ['w'], noDecay: ['b'] },
      { beta1: fixture.beta1, beta2: fixture.beta2, eps: fixture.eps, weightDecay: fixture.weightDecay },
    );
    expect(opt.fused).toBe(fused);
    for (const step of fixture.steps) {
      const grads = new Map<string, tf.Tensor>([
        ['w', tf.tensor2d(step.grads.w)],
        ['b', tf.tensor1d(step.grads.b)],
      ]);
      opt.apply(grads, step.lr);
      tf.dispose([...grads.values()]);
      expectClose(w.dataSync(), step.params.w.flat(), 2e-6);
      expectClose(b.dataSync(), step.params.b, 2e-6);
      const state = opt.getState();
      expectClose(state.tensors.get('w.exp_avg')!.data, step.exp_avg.w.flat(), 1e-6);
      expectClose(state.tensors.get('w.exp_avg_sq')!.data, step.exp_avg_sq.w.flat(), 1e-6);
      expectClose(state.tensors.get('b.exp_avg')!.data, step.exp_avg.b, 1e-6);
    }
    opt.dispose();
    tf.dispose([w, b]);
  }

  it('restores its state exactly and continues bit for bit', () => {
    const make = () => tf.variable(tf.tensor2d(fixture.init.w));
    const gradsAt = (i: number) => new Map<string, tf.Tensor>([['w', tf.tensor2d(fixture.steps[i].grads.w)]]);
    const opts = { beta1: 0.9, beta2: 0.99, eps: 1e-8, weightDecay: 0.1 };
    const a = make();
    const optA = new AdamW(new Map([['w', a]]), { decay: ['w'], noDecay: [] }, opts);
    for (let i = 0; i < 4; i++) {
      const g = gradsAt(i);
      optA.apply(g, 1e-3);
      tf.dispose([...g.values()]);
    }
    const b = make();
    const optB = new AdamW(new Map([['w', b]]), { decay: ['w'], noDecay: [] }, opts);
    for (let i = 0; i < 2; i++) {
      const g = gradsAt(i);
      optB.apply(g, 1e-3);
      tf.dispose([...g.values()]);
    }
    const saved = optB.getState();
    const weights = b.dataSync().slice();
    optB.dispose();
    const c = tf.variable(tf.tensor2d(weights, [3, 4]));
    const optC = new AdamW(new Map([['w', c]]), { decay: ['w'], noDecay: [] }, opts);
    optC.setState(saved);
    for (let i = 2; i < 4; i++) {
      const g = gradsAt(i);
      optC.apply(g, 1e-3);
      tf.dispose([...g.values()]);
    }
    expect(Array.from(c.dataSync())).toEqual(Array.from(a.dataSync()));
    expect(() => optC.setState({ step: 1, tensors: new Map() })).toThrow(/missing w\.exp_avg/);
    optA.dispose();
    optC.dispose();
    tf.dispose([a, b, c]);
  });

  it('allocates no tensors per step', () => {
    const p = tf.variable(tf.randomNormal([8, 8], 0, 1, 'float32', 1));
    const opt = new AdamW(
      new Map([['p', p]]),
      { decay: ['p'], noDecay: [] },
      { beta1: 0.9, beta2: 0.95, eps: 1e-8, weightDecay: 0.1 },
    );
    const g = new Map<string, tf.Tensor>([['p', tf.onesLike(p)]]);
    opt.apply(g, 1e-3);
    const before = tf.memory().numTensors;
    for (let i = 0; i < 20; i++) opt.apply(g, 1e-3);
    expect(tf.memory().numTensors).toBe(before);
    opt.dispose();
    tf.dispose([p, ...g.values()]);
  });
});
