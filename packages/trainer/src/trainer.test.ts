import '@tensorflow/tfjs-backend-cpu';
import * as tf from '@tensorflow/tfjs-core';
import { beforeAll, describe, expect, it } from 'vitest';
import { DEFAULT_OPTIONS, type TrainingOptions } from './presets.js';
import { tinyData, tinyModel } from './test-support.js';
import { NonFiniteError, Trainer } from './trainer.js';

beforeAll(async () => {
  await tf.setBackend('cpu');
});

const base: TrainingOptions = {
  ...DEFAULT_OPTIONS,
  blockSize: 8,
  batchSize: 8,
  lr: 1e-2,
  minLr: 1e-3,
  warmupIters: 5,
  lrDecayIters: 100,
  maxIters: 100,
  evalIters: 4,
  seed: 7,
};

function snapshot(trainer: Trainer): Map<string, Float32Array> {
  return new Map([...trainer.model.params].map(([k, v]) => [k, v.dataSync().slice() as Float32Array]));
}

describe('Trainer', () => {
  it('learns: the loss of a learnable pattern falls well below its start', () => {
    const model = tinyModel();
    const trainer = new Trainer({ model, data: tinyData(8, 8), options: base });
    const first = trainer.evaluate();
    let last = 0;
    for (let i = 0; i < 60; i++) last = trainer.trainStep().loss;
    const after = trainer.evaluate();
    expect(first.trainLoss).toBeGreaterThan(2);
    expect(after.valLoss).toBeLessThan(first.valLoss - 0.8);
    expect(last).toBeLessThan(first.trainLoss - 0.8);
    expect(after.best).toBe(true);
    expect(trainer.getState().bestValStep).toBe(60);
    trainer.dispose();
    model.dispose();
  });

  it('reports step, loss, lr, tokens/s and ms/step, and follows the schedule', () => {
    const model = tinyModel();
    const trainer = new Trainer({ model, data: tinyData(8, 8), options: base });
    const e = trainer.trainStep();
    expect(e).toMatchObject({ type: 'step', step: 1, skipped: false });
    expect(e.lr).toBeCloseTo(1e-2 / 6, 12); // warmup: lr · (0 + 1) / (5 + 1)
    expect(e.loss).toBeGreaterThan(0);
    expect(e.gradNorm).toBeGreaterThan(0);
    expect(e.tokensPerSec).toBeGreaterThan(0);
    expect(e.msPerStep).toBeGreaterThan(0);
    expect(trainer.getState().tokensSeen).toBe(64);
    trainer.dispose();
    model.dispose();
  });

  it('accumulating 4 micro-batches of 2 gives the update of one batch of 8', () => {
    const run = (batchSize: number, gradAccum: number) => {
      const model = tinyModel();
      const trainer = new Trainer({ model, data: tinyData(batchSize, 8), options: { ...base, batchSize, gradAccum } });
      const losses = [trainer.trainStep().loss, trainer.trainStep().loss, trainer.trainStep().loss];
      const params = snapshot(trainer);
      trainer.dispose();
      model.dispose();
      return { losses, params };
    };
    const big = run(8, 1);
    const small = run(2, 4);
    for (let i = 0; i < 3; i++) expect(small.losses[i]).toBeCloseTo(big.losses[i], 5);
    for (const [name, p] of big.params) {
      const q = small.params.get(name)!;
      for (let i = 0; i < p.length; i++) expect(Math.abs(p[i] - q[i])).toBeLessThan(2e-6);
    }
  });

  it('continues bit for bit from a saved state (20 steps = 10 + restore + 10), evaluations included', () => {
    const options = { ...base, dropout: 0.1 };
    const full = tinyModel({ dropout: 0.1 });
    const a = new Trainer({ model: full, data: tinyData(4, 8), options });
    const lossesA: number[] = [];
    for (let i = 0; i < 20; i++) lossesA.push(a.trainStep().loss);

    const half = tinyModel({ dropout: 0.1 });
    const b = new Trainer({ model: half, data: tinyData(4, 8), options });
    const lossesB: number[] = [];
    for (let i = 0; i < 10; i++) lossesB.push(b.trainStep().loss);
    b.evaluate(); // evaluating must not change the run
    const saved = { state: b.getState(), optimizer: b.optimizer.getState(), weights: snapshot(b) };
    b.dispose();
    half.dispose();

    const resumed = tinyModel({ dropout: 0.1 }, 99); // different init, overwritten by the saved weights
    for (const [name, v] of resumed.params) v.assign(tf.tensor(saved.weights.get(name)!, v.shape));
    const c = new Trainer({
      model: resumed,
      data: tinyData(4, 8),
      options,
      state: JSON.parse(JSON.stringify(saved.state)),
      optimizerState: saved.optimizer,
    });
    expect(c.step).toBe(10);
    for (let i = 0; i < 10; i++) lossesB.push(c.trainStep().loss);
    expect(lossesB).toEqual(lossesA);
    const pa = snapshot(a);
    for (const [name, p] of snapshot(c)) expect(Array.from(p)).toEqual(Array.from(pa.get(name)!));
    for (const t of [a, c]) t.dispose();
    full.dispose();
    resumed.dispose();
  });

  it('trainStepAsync makes the same updates as trainStep, bit for bit, and leaks no tensors', async () => {
    const options = { ...base, dropout: 0.1, gradAccum: 2, batchSize: 4 };
    const syncModel = tinyModel({ dropout: 0.1 });
    const asyncModel = tinyModel({ dropout: 0.1 });
    const sync = new Trainer({ model: syncModel, data: tinyData(4, 8), options });
    const later = new Trainer({ model: asyncModel, data: tinyData(4, 8), options });
    const a: number[] = [];
    const b: number[] = [];
    for (let i = 0; i < 3; i++) b.push((await later.trainStepAsync()).loss);
    const before = tf.memory().numTensors;
    for (let i = 0; i < 12; i++) {
      a.push(sync.trainStep().loss);
      if (i < 9) {
        const e = await later.trainStepAsync();
        expect(e.step).toBe(i + 4);
        b.push(e.loss);
      }
    }
    expect(tf.memory().numTensors).toBe(before);
    expect(b).toEqual(a);
    const first = later.trainStepAsync();
    expect(() => later.trainStep()).toThrow(/trainStepAsync\(\) is still running/);
    expect(() => later.evaluate()).toThrow(/still running/);
    expect((await first).step).toBe(13);
    a.push(sync.trainStep().loss);
    const ps = snapshot(sync);
    for (const [name, p] of snapshot(later)) expect(Array.from(p)).toEqual(Array.from(ps.get(name)!));
    for (const t of [sync, later]) t.dispose();
    syncModel.dispose();
    asyncModel.dispose();
  });

  it('stops on a non-finite loss naming the step, or skips it with skipNonfinite', () => {
    const model = tinyModel();
    const trainer = new Trainer({ model, data: tinyData(4, 8), options: base });
    trainer.trainStep();
    const head = model.params.get('lm_head.bias')!;
    head.assign(tf.fill([11], Number.NaN));
    let err: unknown;
    try {
      trainer.trainStep();
    } catch (e) {
      err = e;
    }
    expect(err).toBeInstanceOf(NonFiniteError);
    expect((err as NonFiniteError).step).toBe(2);
    expect((err as Error).message).toBe('non-finite loss NaN at step 2');
    expect((err as NonFiniteError).exitCode).toBe(1);
    trainer.dispose();

    const skipping = new Trainer({ model, data: tinyData(4, 8), options: { ...base, skipNonfinite: true } });
    const wte = model.params.get('transformer.wte.weight')!.dataSync().slice();
    const e = skipping.trainStep();
    expect(e.skipped).toBe(true);
    expect(e.step).toBe(1);
    expect(Array.from(model.params.get('transformer.wte.weight')!.dataSync())).toEqual(Array.from(wte));
    expect(skipping.getState().skippedSteps).toBe(1);
    skipping.dispose();
    model.dispose();
  });

  it('leaks no tensors: the count after step 10 equals the count after step 1000', () => {
    const model = tinyModel({ dropout: 0.1 });
    const trainer = new Trainer({
      model,
      data: tinyData(2, 8),
      options: { ...base, batchSize: 2, gradAccum: 2, dropout: 0.1 },
    });
    for (let i = 0; i < 10; i++) trainer.trainStep();
    const at10 = tf.memory().numTensors;
    for (let i = 10; i < 1000; i++) {
      trainer.trainStep();
      if (i % 250 === 0) trainer.evaluate();
    }
    expect(trainer.step).toBe(1000);
    expect(tf.memory().numTensors).toBe(at10);
    trainer.dispose();
    model.dispose();
  });
});
