/**
 * Crash safety with real processes: `selfsup train` on a micro model is killed with SIGKILL at seeded random moments
 * (during steps, evaluations, checkpoint writes — widened with SELFSUP_TEST_SLOW_WRITE_MS — and during start-up and
 * recovery), again and again on the same run folder. After every kill the folder must hold the last completed
 * checkpoint, whole and loadable; `--resume` must continue from it; and the run that finally finishes must be
 * bit-identical to one that was never interrupted. SIGTERM and SIGINT in the middle of a checkpoint write finish it,
 * exit 143/130 and leave a whole checkpoint too.
 *
 * SELFSUP_CRASH_SEED picks other moments; SELFSUP_CRASH_KILLS sets how many kills (default 24).
 */
import type { ChildProcess } from 'node:child_process';
import { createHash } from 'node:crypto';
import { existsSync, mkdtempSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { selectBackend } from '@selfsup/backends';
import { isTempPath, Rng } from '@selfsup/core';
import { hasCheckpoint, loadRun, RunFiles, readCheckpoint, readMetrics } from '@selfsup/trainer';
import { beforeAll, describe, expect, it } from 'vitest';
import { cliBuilt, runCli, startCli } from './run-cli.js';

const SEED = Number(process.env.SELFSUP_CRASH_SEED ?? 20240520);
const KILLS = Number(process.env.SELFSUP_CRASH_KILLS ?? 24);
const MAX_ITERS = 48;
const EVAL_INTERVAL = 4;
const TRAIN = [
  '--n-layer', '1', '--n-head', '2', '--n-embd', '16', '--block-size', '16', '--batch-size', '4',
  '--eval-iters', '2', '--eval-interval', String(EVAL_INTERVAL), '--log-interval', '1',
  '--lr', '3e-3', '--warmup-iters', '5', '--lr-decay-iters', String(MAX_ITERS), '--dropout', '0.1',
  '--backend', 'cpu', '--sample-tokens', '0',
]; // biome-ignore format: flag/value pairs

const root = mkdtempSync(join(tmpdir(), 'selfsup-crash-'));
const data = join(root, 'prepared');
const sha = (path: string) => createHash('sha256').update(readFileSync(path)).digest('hex');

interface Session {
  child: ChildProcess;
  stderr: () => string;
  /** Resolves with the exit code (null when killed) and signal. */
  closed: Promise<{ code: number | null; signal: NodeJS.Signals | null }>;
  /** Resolves when `pattern` has appeared on stderr (or the process ended first: false). */
  waitFor: (pattern: RegExp) => Promise<boolean>;
}

function start(args: string[], env: Record<string, string> = {}): Session {
  const child = startCli(args, { env });
  let err = '';
  const waiters: { pattern: RegExp; resolve: (v: boolean) => void }[] = [];
  child.stderr!.on('data', (d) => {
    err += d;
    for (const w of [...waiters]) {
      if (w.pattern.test(err)) {
        waiters.splice(waiters.indexOf(w), 1);
        w.resolve(true);
      }
    }
  });
  child.stdout!.resume();
  const closed = new Promise<{ code: number | null; signal: NodeJS.Signals | null }>((resolve) =>
    child.on('close', (code, signal) => {
      for (const w of waiters.splice(0)) w.resolve(false);
      resolve({ code, signal });
    }),
  );
  return {
    child,
    stderr: () => err,
    closed,
    waitFor: (pattern) =>
      pattern.test(err) ? Promise.resolve(true) : new Promise((resolve) => waiters.push({ pattern, resolve })),
  };
}

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

/** Steps of the checkpoints this session reported saving. */
function savedSteps(stderr: string): number[] {
  return [...stderr.matchAll(/^step (\d+): saved checkpoint/gm)].map((m) => Number(m[1]));
}

/** Leftovers that show a kill landed inside a checkpoint write (or its recovery). */
function inWriteWindow(run: string): boolean {
  const names = readdirSync(run);
  return names.includes(RunFiles.staging) || names.includes(RunFiles.ready) || names.some((n) => isTempPath(n));
}

/** The run folder holds one whole checkpoint of step `expected` (or of the step after it, when the kill came
 *  between the commit and its log line), loadable by a reader. Returns its step. */
function checkWhole(run: string, lastLogged: number, label: string): number {
  expect(hasCheckpoint(run), `${label}: no checkpoint`).toBe(true);
  const { manifest, files } = readCheckpoint(run); // hashes and sizes checked against checkpoint.json
  const step = manifest!.step;
  expect([lastLogged, lastLogged + EVAL_INTERVAL], `${label}: checkpoint step ${step}`).toContain(step);
  const state = JSON.parse(Buffer.from(files.get(RunFiles.state)!).toString('utf8'));
  expect(state.step, label).toBe(step);
  const loaded = loadRun(run); // config, tokenizer and weights decode and fit the model
  expect(loaded.step, label).toBe(step);
  loaded.dispose();
  return step;
}

describe.runIf(cliBuilt())('crash safety: kill -9 at random moments', () => {
  let reference: { model: string; optimizer: string; losses: number[] };

  beforeAll(async () => {
    await selectBackend('cpu');
    const text = Array.from({ length: 300 }, (_, i) => `the ${['cat', 'dog', 'owl'][i % 3]} sat on mat ${i % 7}.\n`);
    writeFileSync(join(root, 'corpus.txt'), text.join(''));
    expect(runCli(['prepare', '--data', join(root, 'corpus.txt'), '--tokenizer', 'char', '--out', data]).code).toBe(0);
    const run = join(root, 'reference');
    const r = runCli(['train', '--out', run, '--data', data, ...TRAIN, '--max-iters', String(MAX_ITERS)]);
    expect(r.code, r.stderr).toBe(0);
    reference = {
      model: sha(join(run, RunFiles.model)),
      optimizer: sha(join(run, RunFiles.optimizer)),
      losses: readMetrics(join(run, RunFiles.metrics)).flatMap((m) => (m.type === 'train' ? [m.loss] : [])),
    };
    expect(reference.losses).toHaveLength(MAX_ITERS);
  });

  it(`${KILLS} kills on one run: each leaves the last checkpoint whole, --resume continues, the end is bit-exact`, async () => {
    const rng = new Rng(SEED);
    let chain = 0;
    let kills = 0;
    let inWrite = 0;
    let beforeTraining = 0;
    while (kills < KILLS) {
      chain += 1;
      const run = join(root, `chain-${chain}`);
      let lastLogged = -1; // the last checkpoint any session of this chain reported
      let finished = false;
      while (!finished) {
        const resuming = hasCheckpoint(run);
        const slow = [0, 1, 2, 4][rng.int(4)];
        const args = resuming
          ? ['train', '--out', run, '--resume', '--backend', 'cpu', '--sample-tokens', '0']
          : ['train', '--out', run, '--data', data, ...TRAIN, '--max-iters', String(MAX_ITERS)];
        const s = start(args, { SELFSUP_TEST_SLOW_WRITE_MS: String(slow) });
        const label = `chain ${chain}, kill ${kills + 1} (seed ${SEED}, slow writes ${slow} ms)`;
        if (kills < KILLS && rng.next() < 0.15) {
          // A moment during start-up: loading, recovery of the folder, taking the lock, reading the checkpoint.
          await sleep(100 + rng.int(700));
        } else if (kills < KILLS) {
          await s.waitFor(/^step \d+\/\d+: loss/m);
          await sleep(rng.int(resuming ? 900 : 1200));
        }
        if (kills < KILLS && s.child.exitCode === null) {
          const training = /^step \d+\/\d+: loss/m.test(s.stderr());
          s.child.kill('SIGKILL');
          const { signal } = await s.closed;
          if (signal === 'SIGKILL') {
            kills += 1;
            if (!training) beforeTraining += 1;
            if (inWriteWindow(run)) inWrite += 1;
            lastLogged = Math.max(lastLogged, ...savedSteps(s.stderr()));
            if (lastLogged >= 0 || hasCheckpoint(run)) {
              // A kill after the commit but before the log line leaves the next checkpoint: count it as logged.
              lastLogged = checkWhole(run, lastLogged, label);
            } else {
              expect(existsSync(join(run, RunFiles.manifest)), label).toBe(false);
            }
            continue;
          }
        }
        const { code } = await s.closed;
        expect(code, `${label}: ${s.stderr()}`).toBe(0);
        finished = true;
      }
      // The finished run equals the run that was never interrupted, to the bit.
      expect(sha(join(run, RunFiles.model)), `chain ${chain}`).toBe(reference.model);
      expect(sha(join(run, RunFiles.optimizer)), `chain ${chain}`).toBe(reference.optimizer);
      const losses = readMetrics(join(run, RunFiles.metrics)).flatMap((m) => (m.type === 'train' ? [m.loss] : []));
      expect(losses, `chain ${chain}`).toEqual(reference.losses);
      expect(
        readdirSync(run).filter((n) => n.startsWith('.')),
        `chain ${chain}`,
      ).toEqual([]);
    }
    // The seeded moments must cover checkpoint writes and start-up, not only steps.
    expect(inWrite, 'kills inside a checkpoint write').toBeGreaterThanOrEqual(3);
    expect(beforeTraining, 'kills before training started').toBeGreaterThanOrEqual(1);
  }, 300_000);

  for (const [signal, code] of [
    ['SIGTERM', 143],
    ['SIGINT', 130],
  ] as const) {
    it(`${signal} in the middle of a checkpoint write finishes it, exits ${code}, and --resume finishes the run`, async () => {
      const run = join(root, `signal-${signal}`);
      const s = start(['train', '--out', run, '--data', data, ...TRAIN, '--max-iters', String(MAX_ITERS)], {
        SELFSUP_TEST_SLOW_WRITE_MS: '20',
      });
      // The first checkpoint write is under way once its evaluation line is out.
      expect(await s.waitFor(new RegExp(`^step ${EVAL_INTERVAL}: train loss`, 'm'))).toBe(true);
      await sleep(150);
      expect(existsSync(join(run, RunFiles.staging)) || existsSync(join(run, RunFiles.ready))).toBe(true);
      s.child.kill(signal);
      const closed = await s.closed;
      expect(closed.code, s.stderr()).toBe(code);
      expect(s.stderr()).toContain(`${signal} received: finishing the current step`);
      const saved = savedSteps(s.stderr());
      expect(saved.length).toBeGreaterThanOrEqual(1);
      expect(checkWhole(run, saved.at(-1)!, signal)).toBe(saved.at(-1));
      expect(readdirSync(run).filter((n) => n.startsWith('.'))).toEqual([]);
      const more = runCli(['train', '--out', run, '--resume', '--backend', 'cpu', '--sample-tokens', '0', '--json']);
      expect(more.code, more.stderr).toBe(0);
      expect(JSON.parse(more.stdout)).toMatchObject({ step: MAX_ITERS, finished: true });
      expect(sha(join(run, RunFiles.model))).toBe(reference.model);
    }, 60_000);
  }

  it('a second SIGINT quits at once, even mid-write; the folder still holds a whole checkpoint', async () => {
    const run = join(root, 'double-sigint');
    const s = start(['train', '--out', run, '--data', data, ...TRAIN, '--max-iters', String(MAX_ITERS)], {
      SELFSUP_TEST_SLOW_WRITE_MS: '20',
    });
    expect(await s.waitFor(new RegExp(`^step ${2 * EVAL_INTERVAL}: saved checkpoint`, 'm'))).toBe(true);
    expect(await s.waitFor(new RegExp(`^step ${3 * EVAL_INTERVAL}: train loss`, 'm'))).toBe(true);
    await sleep(100);
    s.child.kill('SIGINT');
    await sleep(100);
    s.child.kill('SIGINT');
    const closed = await s.closed;
    expect(closed.code).toBe(130);
    checkWhole(run, Math.max(...savedSteps(s.stderr())), 'double SIGINT');
  }, 60_000);
});
