import { DEFAULT_OPTIONS, type TrainEvent, type TrainSummary } from '@selfsup/trainer';
import { describe, expect, it } from 'vitest';
import type { Output } from '../src/output.js';
import { formatSummary, TrainDisplay } from '../src/train-display.js';

function fakeOutput(isTTY: boolean) {
  const logs: string[] = [];
  const progress: string[] = [];
  const out: Output = {
    json: false,
    isTTY,
    result: () => {},
    log: (l) => logs.push(l),
    progress: (l) => progress.push(l),
    done: () => {},
  };
  return { out, logs, progress };
}

const options = { ...DEFAULT_OPTIONS, maxIters: 100, logInterval: 10 };
const start: TrainEvent = {
  type: 'start',
  run: 'runs/x',
  step: 0,
  maxIters: 100,
  resumed: false,
  options,
  preset: 'nanogpt-cpu',
  backend: 'wasm',
  numParams: 801_664,
  tokensPerStep: 768,
  data: { dir: 'data/x', source: 'x.txt', trainTokens: 1000, valTokens: 100, vocabSize: 65, tokenizer: 'char' },
};
const step = (n: number): TrainEvent => ({
  type: 'step',
  step: n,
  loss: 2.5,
  lr: 1e-3,
  gradNorm: 0.5,
  tokensPerSec: 12_345,
  msPerStep: 62.2,
  skipped: false,
});

describe('selfsup train display', () => {
  it('on a TTY: a progress line with step/total, loss, val loss, lr, tokens/s and ETA', () => {
    const { out, logs, progress } = fakeOutput(true);
    const d = new TrainDisplay(out, 'wasm (2 threads)');
    d.handle(start);
    d.handle({ type: 'eval', step: 0, trainLoss: 4.2, valLoss: 4.25, best: true, msPerEval: 5 });
    d.handle(step(1));
    expect(logs[0]).toBe(
      'training runs/x: clm, 801.7k parameters (nanogpt-cpu: 4 layers × 4 heads × 128 wide, block 64, batch 12 = 768 tokens/step) on wasm (2 threads)',
    );
    expect(progress.at(-1)).toMatch(
      /^step 1\/100 \[#?\.+\] +1% loss 2\.5000 val 4\.2500 lr 1\.00e-3 12\.3k tok\/s ETA \d+:\d\d$/,
    );
    expect(logs.some((l) => l.startsWith('step 1/'))).toBe(false);
  });

  it('off a TTY: one log line per log interval and no progress line', () => {
    const { out, logs, progress } = fakeOutput(false);
    const d = new TrainDisplay(out);
    d.handle(start);
    for (let i = 1; i <= 20; i++) d.handle(step(i));
    expect(progress).toEqual([]);
    expect(logs.filter((l) => l.startsWith('step '))).toEqual([
      'step 10/100: loss 2.5000, lr 1.00e-3, 62.2 ms/step, 12,345 tok/s',
      'step 20/100: loss 2.5000, lr 1.00e-3, 62.2 ms/step, 12,345 tok/s',
    ]);
  });

  it('summarises a run, an interrupted one with how to resume, and an MLM baseline', () => {
    const s: TrainSummary = {
      run: 'runs/x',
      objective: 'mlm',
      step: 40,
      maxIters: 100,
      finished: false,
      interrupted: 'SIGINT',
      trainLoss: 3.1,
      valLoss: 3.2,
      evalStep: 40,
      perplexity: Math.exp(3.2),
      bestValLoss: 3.2,
      bestValStep: 40,
      unigramBaseline: 6.5,
      sessionSteps: 40,
      wallSeconds: 75,
      trainSeconds: 60,
      msPerStep: 1500,
      tokensPerSec: 2730.6,
      gflops: 1.234,
      totalSeconds: 75,
      tokensSeen: 163840,
      skippedSteps: 0,
      numParams: 1_234_567,
      backend: 'wasm',
      sample: null,
    };
    const text = formatSummary(s);
    expect(text).toContain(
      'stopped at step 40 of 100 (SIGINT); the checkpoint is saved — continue with: selfsup train --out runs/x --resume',
    );
    expect(text).toContain(
      'final (step 40): train loss 3.1000, val loss 3.2000, perplexity 24.53 (best val 3.2000 at step 40)',
    );
    expect(text).toContain(
      'unigram baseline (guessing masked tokens by their frequency): 6.5000; val loss is 3.300 below it',
    );
    expect(text).toContain('speed: 1500.0 ms/step (median), 2,731 tokens/s, 1.23 GFLOP/s over 40 steps');
  });
});
