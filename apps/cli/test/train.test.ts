import { createHash } from 'node:crypto';
import { existsSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { readCheckpoint } from '@selfsup/trainer';
import { describe, expect, it } from 'vitest';
import { cliBuilt, microFlags, runCli, startCli } from './run-cli.js';

const TEXT = Array.from(
  { length: 400 },
  (_, i) => `the ${['cat', 'dog', 'bird'][i % 3]} sat on the ${['mat', 'log', 'hat'][(i % 5) % 3]} number ${i % 9}.\n`,
).join('');
const MICRO = microFlags({ 'eval-iters': '2' });

function setup() {
  const root = mkdtempSync(join(tmpdir(), 'selfsup-cli-train-'));
  writeFileSync(join(root, 'corpus.txt'), TEXT);
  return { root, corpus: join(root, 'corpus.txt'), run: join(root, 'run') };
}

const sha = (path: string) => createHash('sha256').update(readFileSync(path)).digest('hex');

function trainLosses(run: string): number[] {
  return readFileSync(join(run, 'metrics.jsonl'), 'utf8')
    .trim()
    .split('\n')
    .map((l) => JSON.parse(l))
    .filter((r) => r.type === 'train')
    .map((r) => r.loss);
}

/** Resolves with the exit code once `text` appeared on stderr and `signal` was sent. */
function interruptAfter(
  args: string[],
  text: RegExp,
  signal: NodeJS.Signals,
): Promise<{ code: number | null; stderr: string; stdout: string }> {
  return new Promise((resolve) => {
    const child = startCli(args);
    let stderr = '';
    let stdout = '';
    let sent = false;
    child.stdout.on('data', (d) => {
      stdout += d;
    });
    child.stderr.on('data', (d) => {
      stderr += d;
      if (!sent && text.test(stderr)) {
        sent = true;
        child.kill(signal);
      }
    });
    child.on('close', (code) => resolve({ code, stderr, stdout }));
  });
}

describe.runIf(cliBuilt())('selfsup train', () => {
  it('prepares raw text into the run, logs a line per log interval off a TTY, and prints a JSON summary', () => {
    const { corpus, run } = setup();
    const r = runCli([
      'train',
      '--out',
      run,
      '--data',
      corpus,
      ...MICRO,
      '--max-iters',
      '12',
      '--eval-interval',
      '6',
      '--log-interval',
      '4',
      '--json',
    ]);
    expect(r.code).toBe(0);
    const summary = JSON.parse(r.stdout);
    expect(summary).toMatchObject({
      step: 12,
      maxIters: 12,
      finished: true,
      objective: 'clm',
      backend: 'cpu',
      evalStep: 12,
    });
    expect(summary.perplexity).toBeCloseTo(Math.exp(summary.valLoss), 8);
    expect(r.stderr).toMatch(/preparing .*corpus\.txt with the char tokenizer/);
    expect(r.stderr.match(/^step \d+\/12: loss /gm)).toHaveLength(3);
    expect(r.stderr).toMatch(/^step 6: train loss \d\.\d{4}, val loss \d\.\d{4}/m);
    expect(r.stderr).not.toContain('\r');
    expect(readdirSync(run).sort()).toEqual([
      'checkpoint.json',
      'config.json',
      'data',
      'metrics.jsonl',
      'model.safetensors',
      'optimizer.safetensors',
      'tokenizer.json',
      'trainer_state.json',
    ]);
    expect(readdirSync(join(run, 'data')).sort()).toEqual(['meta.json', 'tokenizer.json', 'train.bin', 'val.bin']);
  });

  it('prints a text summary with the losses, perplexity, speed and a sample', () => {
    const { corpus, run } = setup();
    const r = runCli([
      'train',
      '--out',
      run,
      '--data',
      corpus,
      ...MICRO,
      '--max-iters',
      '4',
      '--eval-interval',
      '4',
      '--sample-tokens',
      '30',
    ]);
    expect(r.code).toBe(0);
    expect(r.stdout).toMatch(/^done: 4\/4 steps in \d+:\d\d \(clm, [\d.]+k? parameters, cpu\)$/m);
    expect(r.stdout).toMatch(/^final \(step 4\): train loss \d\.\d{4}, val loss \d\.\d{4}, perplexity [\d.]+/m);
    expect(r.stdout).toMatch(/^speed: [\d.]+ ms\/step \(median\), [\d,]+ tokens\/s/m);
    expect(r.stdout).toContain('--- sample ---');
  });

  it('200 steps equal 100 + resume + 100 to the last bit on the cpu backend', () => {
    const a = setup();
    const b = setup();
    const common = [
      ...MICRO,
      '--lr',
      '3e-3',
      '--warmup-iters',
      '10',
      '--lr-decay-iters',
      '200',
      '--eval-interval',
      '50',
      '--log-interval',
      '1',
      '--dropout',
      '0.1',
    ];
    expect(runCli(['train', '--out', a.run, '--data', a.corpus, ...common, '--max-iters', '200']).code).toBe(0);
    expect(runCli(['train', '--out', b.run, '--data', a.corpus, ...common, '--max-iters', '100']).code).toBe(0);
    const resumed = runCli([
      'train',
      '--out',
      b.run,
      '--resume',
      '--max-iters',
      '200',
      '--backend',
      'cpu',
      '--sample-tokens',
      '0',
    ]);
    expect(resumed.code).toBe(0);
    expect(resumed.stderr).toMatch(/resuming .* at step 100/);
    const la = trainLosses(a.run);
    expect(la).toHaveLength(200);
    expect(trainLosses(b.run)).toEqual(la);
    expect(sha(join(b.run, 'model.safetensors'))).toBe(sha(join(a.run, 'model.safetensors')));
    expect(sha(join(b.run, 'optimizer.safetensors'))).toBe(sha(join(a.run, 'optimizer.safetensors')));
  });

  for (const [signal, code] of [
    ['SIGINT', 130],
    ['SIGTERM', 143],
  ] as const) {
    it(`${signal} finishes the step, saves a checkpoint and exits ${code}; --resume continues`, async () => {
      const { corpus, run } = setup();
      const r = await interruptAfter(
        [
          'train',
          '--out',
          run,
          '--data',
          corpus,
          ...MICRO,
          '--max-iters',
          '100000',
          '--eval-interval',
          '100000',
          '--log-interval',
          '1',
        ],
        /^step 3\/100000/m,
        signal,
      );
      expect(r.code).toBe(code);
      expect(r.stderr).toContain(`${signal} received: finishing the current step`);
      const state = JSON.parse(readFileSync(join(run, 'trainer_state.json'), 'utf8'));
      expect(state.step).toBeGreaterThanOrEqual(3);
      expect(r.stdout).toContain(`stopped at step ${state.step} of 100000 (${signal})`);
      expect(existsSync(join(run, '.lock'))).toBe(false);
      const more = runCli([
        'train',
        '--out',
        run,
        '--resume',
        '--max-iters',
        String(state.step + 2),
        '--backend',
        'cpu',
        '--json',
      ]);
      expect(more.code).toBe(0);
      expect(JSON.parse(more.stdout)).toMatchObject({ step: state.step + 2, finished: true });
    });
  }

  it('Ctrl-C while raw text is being prepared exits 130 and leaves no run folder behind', async () => {
    const { run } = setup();
    const r = await interruptAfter(
      ['train', '--out', run, '--data', 'brown', '--objective', 'mlm', '--backend', 'cpu'],
      /^preparing brown/m,
      'SIGINT',
    );
    expect(r.code).toBe(130);
    expect(r.stderr).toMatch(/SIGINT received before training started: nothing was saved/);
    expect(existsSync(run)).toBe(false);
  });

  it('keeps a second trainer out of a run folder, and takes over the lock of a trainer killed with -9', async () => {
    const { corpus, run } = setup();
    const args = [
      'train',
      '--out',
      run,
      '--data',
      corpus,
      ...MICRO,
      '--max-iters',
      '100000',
      '--eval-interval',
      '5',
      '--log-interval',
      '1',
    ];
    const first = startCli(args);
    let stderr = '';
    await new Promise<void>((resolve) => {
      first.stderr.on('data', (d) => {
        stderr += d;
        if (/saved checkpoint/.test(stderr)) resolve();
      });
    });
    const second = runCli(['train', '--out', run, '--resume', '--backend', 'cpu']);
    expect(second.code).toBe(2);
    expect(second.stderr).toMatch(new RegExp(`is in use by another trainer \\(pid ${first.pid};`));
    first.kill('SIGKILL');
    await new Promise((resolve) => first.on('close', resolve));
    expect(existsSync(join(run, '.lock'))).toBe(true); // left behind by the killed trainer
    // The kill may land between a checkpoint's commit point and its last rename into the folder: the committed set
    // (which resume recovers) is what `readCheckpoint` reads, not necessarily the `trainer_state.json` in the folder.
    const state = readCheckpoint(run).manifest;
    const third = runCli([
      'train',
      '--out',
      run,
      '--resume',
      '--max-iters',
      String(state.step + 1),
      '--backend',
      'cpu',
      '--json',
    ]);
    expect(third.code).toBe(0);
    expect(JSON.parse(third.stdout).step).toBe(state.step + 1);
  });

  it('refuses bad input with exit 2, one line on stderr, and nothing written', () => {
    const { root, corpus, run } = setup();
    const partial = join(root, 'partial');
    runCli(['prepare', '--data', corpus, '--out', partial]);
    writeFileSync(join(root, 'c.json'), JSON.stringify({ n_layers: 2 }));
    writeFileSync(join(root, 'c.yaml'), 'n_layer: 2');
    const cases: [string[], RegExp][] = [
      [['--preset', 'gpt-9'], /unknown preset 'gpt-9'/],
      [['--bogus'], /unknown flag --bogus/],
      [['--n-embd', '30', '--n-head', '4'], /--n-embd 30 is not divisible by --n-head 4/],
      [['--lr', '-0.1'], /--lr: expected a value ≥ 0, got -0\.1/],
      [['--block-size', '100000', '--data', corpus], /--block-size 100000 is larger than the data/],
      [['--config', join(root, 'c.json')], /c\.json: unknown option "n_layers"/],
      [['--config', join(root, 'c.yaml')], /--config .*c\.yaml: expected a \.json file/],
      [['--resume'], /--resume: .* not found/],
    ];
    for (const [args, message] of cases) {
      const r = runCli(['train', '--out', run, '--backend', 'cpu', ...args]);
      expect(r.code, args.join(' ')).toBe(2);
      // one error line, last (raw text is tokenized first, after a progress line, to learn its size)
      const lines = r.stderr.trim().split('\n');
      expect(lines.filter((l) => l.startsWith('selfsup:'))).toHaveLength(1);
      expect(lines.at(-1)).toMatch(message);
      expect(lines.at(-1)).toMatch(/^selfsup: /);
      expect(existsSync(run), args.join(' ')).toBe(false);
    }
    // a prepared folder with a file missing
    rmSync(join(partial, 'val.bin'));
    const missing = runCli(['train', '--out', run, '--data', partial, '--backend', 'cpu']);
    expect(missing.code).toBe(2);
    expect(missing.stderr).toMatch(/--data .*partial: missing val\.bin/);
    expect(existsSync(run)).toBe(false);
  });

  it('--resume refuses a folder without a checkpoint and options that differ from the run', () => {
    const { root, corpus, run } = setup();
    const empty = join(root, 'empty');
    mkdirSync(empty);
    const none = runCli(['train', '--out', empty, '--resume', '--backend', 'cpu']);
    expect(none.code).toBe(2);
    expect(none.stderr).toMatch(/--resume: .*empty has no checkpoint/);
    expect(readdirSync(empty)).toEqual([]);
    expect(runCli(['train', '--out', run, '--data', corpus, ...MICRO, '--max-iters', '2']).code).toBe(0);
    const before = sha(join(run, 'trainer_state.json'));
    const differ = runCli(['train', '--out', run, '--resume', '--n-embd', '32', '--lr', '0.5', '--backend', 'cpu']);
    expect(differ.code).toBe(2);
    expect(differ.stderr).toMatch(
      /--resume: --n-embd 32 \(the run has 16\), --lr 0\.5 \(the run has 0\.001\) differ from the run/,
    );
    expect(sha(join(run, 'trainer_state.json'))).toBe(before);
    const again = runCli(['train', '--out', run, '--data', corpus, ...MICRO, '--max-iters', '2']);
    expect(again.code).toBe(2);
    expect(again.stderr).toMatch(/already holds a run/);
  });

  it('takes options from --config (nanoGPT names) with flags winning', () => {
    const { root, corpus, run } = setup();
    writeFileSync(join(root, 'cfg.json'), JSON.stringify({ warmup_iters: 7, learning_rate: 0.002, batch_size: 3 }));
    const r = runCli([
      'train',
      '--out',
      run,
      '--data',
      corpus,
      ...MICRO,
      '--config',
      join(root, 'cfg.json'),
      '--max-iters',
      '2',
      '--json',
    ]);
    expect(r.code).toBe(0);
    const state = JSON.parse(readFileSync(join(run, 'trainer_state.json'), 'utf8'));
    expect(state.options).toMatchObject({ warmupIters: 7, lr: 0.002, batchSize: 4, lrDecayIters: 2 });
  });
});
