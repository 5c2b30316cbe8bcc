import { createHash } from 'node:crypto';
import { existsSync, mkdtempSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import '@tensorflow/tfjs-backend-cpu';
import { runtimeError, SelfsupError } from '@selfsup/core';
import { prepareData } from '@selfsup/dataset';
import { loadModel } from '@selfsup/model';
import * as tf from '@tensorflow/tfjs-core';
import { beforeAll, describe, expect, it, vi } from 'vitest';
import { readMetrics } from './metrics.js';
import { evaluateRun, exportRun, loadRun } from './open-run.js';
import { resolveOptions } from './options.js';
import type { TrainingOptions } from './presets.js';
import { resume, train } from './session.js';
import { Trainer } from './trainer.js';
import type { TrainEvent } from './training-run.js';

const TEXT = Array.from(
  { length: 300 },
  (_, i) => `the quick brown fox ${['jumps over', 'runs past', 'sleeps by'][i % 3]} the lazy dog number ${i % 7}.\n`,
).join('');

let dataDir: string;

beforeAll(async () => {
  await tf.setBackend('cpu');
  const root = mkdtempSync(join(tmpdir(), 'selfsup-session-'));
  writeFileSync(join(root, 'corpus.txt'), TEXT);
  dataDir = join(root, 'prepared');
  await prepareData({ source: join(root, 'corpus.txt'), tokenizer: 'char', outDir: dataDir, valFraction: 0.1 });
});

function micro(extra: Partial<TrainingOptions> = {}): TrainingOptions {
  return resolveOptions({
    flags: {
      nLayer: 1,
      nHead: 2,
      nEmbd: 16,
      blockSize: 16,
      batchSize: 4,
      maxIters: 20,
      lrDecayIters: 200,
      warmupIters: 10,
      lr: 3e-3,
      evalInterval: 50,
      evalIters: 2,
      logInterval: 5,
      ...extra,
    },
  }).options;
}

const tmp = () => join(mkdtempSync(join(tmpdir(), 'selfsup-run-')), 'run');

async function collect(run: AsyncIterable<TrainEvent>, onEvent?: (e: TrainEvent) => void): Promise<TrainEvent[]> {
  const events: TrainEvent[] = [];
  for await (const e of run) {
    events.push(e);
    onEvent?.(e);
  }
  return events;
}

const sha = (path: string) => createHash('sha256').update(readFileSync(path)).digest('hex');

async function failure(p: Promise<unknown>): Promise<SelfsupError> {
  try {
    await p;
  } catch (err) {
    expect(err).toBeInstanceOf(SelfsupError);
    return err as SelfsupError;
  }
  throw new Error('expected a failure');
}

describe('train / resume on a run folder', () => {
  it('trains, evaluates at 0 and at the end, writes the run folder, metrics and a sample', async () => {
    const out = tmp();
    const events = await collect(train({ out, data: dataDir, options: micro(), preset: 'custom', sampleTokens: 20 }));
    const types = events.map((e) => e.type);
    expect(types[0]).toBe('start');
    expect(types[1]).toBe('eval');
    expect(types.filter((t) => t === 'step')).toHaveLength(20);
    expect(types.slice(-5)).toEqual(['step', 'eval', 'checkpoint', 'sample', 'done']);
    const done = events.at(-1) as Extract<TrainEvent, { type: 'done' }>;
    expect(done.summary).toMatchObject({
      step: 20,
      finished: true,
      interrupted: null,
      evalStep: 20,
      objective: 'clm',
      backend: 'cpu',
    });
    expect(done.summary.perplexity).toBeCloseTo(Math.exp(done.summary.valLoss!), 10);
    expect(done.summary.sample!.length).toBeGreaterThan(10);
    expect(readdirSync(out).sort()).toEqual([
      'checkpoint.json',
      'config.json',
      'metrics.jsonl',
      'model.safetensors',
      'optimizer.safetensors',
      'tokenizer.json',
      'trainer_state.json',
    ]);
    const state = JSON.parse(readFileSync(join(out, 'trainer_state.json'), 'utf8'));
    expect(state).toMatchObject({ step: 20, options: { nEmbd: 16, maxIters: 20 }, dataInfo: { preparedHere: false } });
    expect(state.data.kind).toBe('clm');
    const metrics = readMetrics(join(out, 'metrics.jsonl'));
    expect(metrics.filter((m) => m.type === 'train').map((m) => m.step)).toEqual([1, 5, 10, 15, 20]);
    expect(metrics.filter((m) => m.type === 'eval').map((m) => m.step)).toEqual([0, 20]);
    expect(existsSync(join(out, '.lock'))).toBe(false);
  });

  it('200 steps equal 100 steps + resume + 100 steps to the last bit, dropout included', async () => {
    const options = micro({ maxIters: 200, dropout: 0.1, evalInterval: 60 });
    const a = tmp();
    const lossesA: number[] = [];
    await collect(train({ out: a, data: dataDir, options, sampleTokens: 0 }), (e) => {
      if (e.type === 'step') lossesA.push(e.loss);
    });
    const b = tmp();
    const controller = new AbortController();
    const lossesB: number[] = [];
    const first = await collect(
      train({ out: b, data: dataDir, options, sampleTokens: 0, signal: controller.signal }),
      (e) => {
        if (e.type === 'step') {
          lossesB.push(e.loss);
          if (e.step === 100) controller.abort('SIGINT');
        }
      },
    );
    const stopped = first.at(-1) as Extract<TrainEvent, { type: 'done' }>;
    expect(stopped.summary).toMatchObject({ step: 100, finished: false, interrupted: 'SIGINT' });
    expect(first.at(-2)).toMatchObject({ type: 'checkpoint', step: 100 });
    const second = await collect(resume(b, { sampleTokens: 0 }), (e) => {
      if (e.type === 'step') lossesB.push(e.loss);
    });
    expect(second[0]).toMatchObject({ type: 'start', step: 100, resumed: true });
    expect(lossesB).toEqual(lossesA);
    for (const f of ['model.safetensors', 'optimizer.safetensors']) expect(sha(join(b, f))).toBe(sha(join(a, f)));
    const evalsA = readMetrics(join(a, 'metrics.jsonl')).filter((m) => m.type === 'eval');
    const evalsB = readMetrics(join(b, 'metrics.jsonl')).filter((m) => m.type === 'eval');
    // B has an extra evaluation? No: it saved at 100 without evaluating; both evaluate at 0, 60, 120, 180, 200.
    expect(evalsB).toEqual(evalsA.map((e, i) => ({ ...e, elapsed: evalsB[i].elapsed })));
  });

  it('MLM with one sentence per row: batches trimmed to the longest row, exact resume, real tokens counted', async () => {
    const root = mkdtempSync(join(tmpdir(), 'selfsup-session-mlm-'));
    const wordpiece = join(root, 'prepared');
    await prepareData({ source: join(dataDir, '..', 'corpus.txt'), tokenizer: 'wordpiece:120', outDir: wordpiece });
    const options = micro({
      objective: 'mlm',
      mlmRowTokens: 3,
      blockSize: 32,
      batchSize: 8,
      maxIters: 30,
      dropout: 0.1,
      evalInterval: 20,
    });
    const a = join(root, 'a');
    const stepsA: Extract<TrainEvent, { type: 'step' }>[] = [];
    await collect(train({ out: a, data: wordpiece, options, sampleTokens: 0 }), (e) => {
      if (e.type === 'step') stepsA.push(e);
    });
    // one sentence of the corpus is 12-16 tokens: far fewer than 8 × 32 positions per micro-batch; two micro-batches
    // a step (bert-tiny's gradAccum, which an mlm run starts from)
    expect(options.gradAccum).toBe(2);
    for (const e of stepsA) {
      expect(e.tokens).toBeGreaterThanOrEqual(2 * 8 * 3);
      expect(e.tokens).toBeLessThan(2 * 8 * 20);
    }
    const state = JSON.parse(readFileSync(join(a, 'trainer_state.json'), 'utf8'));
    expect(state.options.mlmRowTokens).toBe(3);
    expect(state.data).toMatchObject({ kind: 'mlm', groupByLength: true });
    expect(state.tokensSeen).toBe(stepsA.reduce((sum, e) => sum + e.tokens, 0));
    const b = join(root, 'b');
    const controller = new AbortController();
    const lossesB: number[] = [];
    await collect(train({ out: b, data: wordpiece, options, sampleTokens: 0, signal: controller.signal }), (e) => {
      if (e.type === 'step') {
        lossesB.push(e.loss);
        if (e.step === 15) controller.abort('SIGINT');
      }
    });
    await collect(resume(b, { sampleTokens: 0 }), (e) => {
      if (e.type === 'step') lossesB.push(e.loss);
    });
    expect(lossesB).toEqual(stepsA.map((e) => e.loss));
    for (const f of ['model.safetensors', 'optimizer.safetensors']) expect(sha(join(b, f))).toBe(sha(join(a, f)));
    const ev = evaluateRun(a);
    expect(ev.mlm!.masked.tokens + ev.mlm!.random.tokens + ev.mlm!.unchanged.tokens).toBe(ev.tokens);
  });

  it('refuses bad input before writing anything', async () => {
    const out = tmp();
    expect(
      (await failure(train({ out, data: dataDir, options: micro({ blockSize: 4096 }) }).finished())).message,
    ).toMatch(/^--block-size 4096 is larger than the data: the val split has \d+ tokens and needs at least 4097/);
    expect(existsSync(out)).toBe(false);
    const noFiles = mkdtempSync(join(tmpdir(), 'selfsup-partial-'));
    writeFileSync(join(noFiles, 'train.bin'), '');
    expect((await failure(train({ out, data: noFiles, options: micro() }).finished())).message).toMatch(
      /missing tokenizer\.json, val\.bin, meta\.json/,
    );
    expect((await failure(resume(out).finished())).message).toMatch(/^--resume: .* not found/);
    await train({ out, data: dataDir, options: micro({ maxIters: 2 }), sampleTokens: 0 }).finished();
    const again = await failure(train({ out, data: dataDir, options: micro() }).finished());
    expect(again.message).toMatch(/already holds a run .*--resume/);
    const conflict = await failure(resume(out, { options: { lr: 0.5, nLayer: 1, maxIters: 10 } }).finished());
    expect(conflict.message).toMatch(/^--resume: --lr 0\.5 \(the run has 0\.003\) differs from the run in/);
    expect(conflict.exitCode).toBe(2);
    const empty = mkdtempSync(join(tmpdir(), 'selfsup-empty-'));
    expect((await failure(resume(empty).finished())).message).toMatch(/has no checkpoint/);
    expect(readdirSync(empty)).toEqual([]);
  });

  it('stops on a non-finite loss naming the step and keeps the last checkpoint, or skips with skipNonfinite', async () => {
    const out = tmp();
    const options = micro({ lr: 1e30, warmupIters: 0, gradClip: 0, evalInterval: 1, maxIters: 6 });
    const err = await failure(train({ out, data: dataDir, options, sampleTokens: 0 }).finished());
    expect(err.exitCode).toBe(1);
    const m =
      /^non-finite (?:loss|gradient norm) \S+ at step (\d+): training stopped, the last good checkpoint \(step (\d+)\) is kept/.exec(
        err.message,
      );
    expect(m).not.toBeNull();
    expect(Number(m![2])).toBe(Number(m![1]) - 1);
    expect(JSON.parse(readFileSync(join(out, 'trainer_state.json'), 'utf8')).step).toBe(Number(m![2]));
    const skip = await train({
      out: tmp(),
      data: dataDir,
      options: { ...options, skipNonfinite: true },
      sampleTokens: 0,
    }).finished();
    expect(skip.step).toBe(6);
    expect(skip.skippedSteps).toBeGreaterThan(0);
  });

  it('stops on any other error in a step saying what is kept (e.g. a full wasm heap), not as a non-finite loss', async () => {
    const out = tmp();
    const realStep = Trainer.prototype.trainStep;
    let calls = 0;
    const spy = vi.spyOn(Trainer.prototype, 'trainStep').mockImplementation(function (this: Trainer) {
      calls++;
      if (calls === 4) throw runtimeError('the wasm backend is out of memory: it could not allocate 100 MiB more');
      return realStep.call(this);
    });
    try {
      const options = micro({ evalInterval: 2, maxIters: 6 });
      const err = await failure(train({ out, data: dataDir, options, sampleTokens: 0 }).finished());
      expect(err.exitCode).toBe(1);
      expect(err.message).toMatch(
        /^the wasm backend is out of memory: it could not allocate 100 MiB more; training stopped at step 4, the last good checkpoint \(step 2\) is kept in /,
      );
      expect(err.message).not.toMatch(/skip-nonfinite/);
      expect(JSON.parse(readFileSync(join(out, 'trainer_state.json'), 'utf8')).step).toBe(2);
    } finally {
      spy.mockRestore();
    }
  });

  it('loads, evaluates and exports a run; the export loads in the model package', async () => {
    const out = tmp();
    const summary = await train({ out, data: dataDir, options: micro({ maxIters: 30 }), sampleTokens: 0 }).finished();
    const loaded = loadRun(out);
    expect(loaded.step).toBe(30);
    expect(loaded.model.config).toMatchObject({ nEmbd: 16, objective: 'clm' });
    loaded.dispose();
    const ev = evaluateRun(out);
    expect(ev.split).toBe('val');
    expect(ev.tokens).toBe(1599); // every val token but the first is predicted once
    expect(Math.abs(ev.loss - summary.valLoss!)).toBeLessThan(0.3);
    expect(ev.perplexity).toBeCloseTo(Math.exp(ev.loss), 10);
    const hf = join(out, '..', 'hf');
    const exported = exportRun(out, hf);
    expect(exported.modelType).toBe('gpt2');
    expect(readdirSync(hf).sort()).toEqual([
      'config.json',
      'model.safetensors',
      'tokenizer.json',
      'tokenizer_config.json',
    ]);
    const model = await loadModel(hf);
    expect([...model.params.keys()][0]).toBe('transformer.wte.weight');
    model.dispose();
    exportRun(out, hf); // an earlier export may be replaced
    expect(() => exportRun(out, join(out))).toThrow(/not an earlier export/);
  });
});
