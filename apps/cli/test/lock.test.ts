/**
 * One trainer per run folder, with real processes: two `selfsup train` started together on one folder (exactly one
 * trains), a second trainer refused while the first runs (readers are not), and stale locks — from a dead pid, a
 * recycled pid, an unreadable lock file — taken over, while a live owner's lock is respected.
 */
import { spawn } from 'node:child_process';
import { createHash } from 'node:crypto';
import { existsSync, mkdtempSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { hostname, tmpdir } from 'node:os';
import { join } from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import { cliBuilt, microFlags, runCli, startCli } from './run-cli.js';

const MICRO = microFlags({ 'eval-iters': '2' });
const root = mkdtempSync(join(tmpdir(), 'selfsup-lock-'));
const data = join(root, 'prepared');
let n = 0;

/** A run folder with a finished 4-step run in it. */
function finishedRun(): string {
  const run = join(root, `run-${n++}`);
  const r = runCli(['train', '--out', run, '--data', data, ...MICRO, '--max-iters', '4']);
  expect(r.code, r.stderr).toBe(0);
  return run;
}

const resumeArgs = (run: string, maxIters = 6) => [
  'train',
  '--out',
  run,
  '--resume',
  '--max-iters',
  String(maxIters),
  '--backend',
  'cpu',
  '--sample-tokens',
  '0',
  '--json',
];

function processStart(pid: number): string | null {
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
    return stat.slice(stat.lastIndexOf(')') + 2).split(' ')[19] ?? null;
  } catch {
    return null;
  }
}

function writeLock(run: string, info: Record<string, unknown> | string): void {
  writeFileSync(join(run, '.lock'), typeof info === 'string' ? info : `${JSON.stringify(info)}\n`);
}

/** The pid of a process that has exited. */
async function deadPid(): Promise<number> {
  const child = spawn(process.execPath, ['-e', '0']);
  await new Promise((r) => child.on('close', r));
  return child.pid!;
}

const snapshot = (dir: string) =>
  readdirSync(dir, { recursive: true, withFileTypes: true })
    .filter((e) => e.isFile())
    .map((e) => {
      const path = join(e.parentPath, e.name);
      return `${path} ${createHash('sha256').update(readFileSync(path)).digest('hex')}`;
    })
    .sort();

describe.runIf(cliBuilt())('the run lock', () => {
  beforeAll(() => {
    const text = Array.from({ length: 200 }, (_, i) => `a lock keeps trainer ${i % 5} out.\n`).join('');
    writeFileSync(join(root, 'corpus.txt'), text);
    expect(runCli(['prepare', '--data', join(root, 'corpus.txt'), '--tokenizer', 'char', '--out', data]).code).toBe(0);
  });

  it('two trainers started together on one new folder: exactly one trains, the other is refused with exit 2', async () => {
    const run = join(root, 'race');
    const args = ['train', '--out', run, '--data', data, ...MICRO, '--max-iters', '100000', '--eval-interval', '5'];
    const a = startCli(args);
    const b = startCli(args);
    const outcomes = [a, b].map(
      (child) =>
        new Promise<{ code: number | null; stderr: string }>((resolve) => {
          let stderr = '';
          child.stderr.on('data', (d) => {
            stderr += d;
          });
          child.stdout.resume();
          child.on('close', (code) => resolve({ code, stderr }));
        }),
    );
    // Exactly one of them exits (refused) while the other trains on; then stop the trainer.
    const first = await Promise.race(outcomes.map((p, i) => p.then((r) => ({ ...r, i }))));
    const trainer = first.i === 0 ? b : a;
    expect(first.code, first.stderr).toBe(2);
    const lines = first.stderr.trim().split('\n');
    expect(lines.at(-1)).toMatch(
      new RegExp(
        `^selfsup: .*race (is in use by another trainer \\(pid ${trainer.pid}; lock file .*\\.lock\\)|already holds a run)`,
      ),
    );
    expect(trainer.exitCode).toBeNull();
    trainer.kill('SIGTERM');
    const second = await outcomes[first.i === 0 ? 1 : 0];
    expect(second.code).toBe(143);
    expect(existsSync(join(run, '.lock'))).toBe(false);
  }, 60_000);

  it('while a trainer runs, a second is refused and changes nothing; readers still read its checkpoint', async () => {
    const run = finishedRun();
    const trainer = startCli([...resumeArgs(run, 100_000), '--eval-interval', '2']);
    trainer.stdout.resume();
    await new Promise<void>((resolve) => {
      let stderr = '';
      trainer.stderr.on('data', (d) => {
        stderr += d;
        if (/^step 6: saved checkpoint/m.test(stderr)) resolve();
      });
    });
    const refused = runCli(resumeArgs(run, 100_000));
    expect(refused.code).toBe(2);
    expect(refused.stderr).toMatch(new RegExp(`^selfsup: .* is in use by another trainer \\(pid ${trainer.pid};`, 'm'));
    expect(refused.stderr).not.toMatch(/\n\s+at /);
    const evaluated = runCli(['eval', '--run', run, '--json']);
    expect(evaluated.code, evaluated.stderr).toBe(0);
    expect(JSON.parse(evaluated.stdout).step).toBeGreaterThanOrEqual(6);
    trainer.kill('SIGINT');
    await new Promise((r) => trainer.on('close', r));
    expect(existsSync(join(run, '.lock'))).toBe(false);
  }, 60_000);

  const stale: [string, () => Promise<Record<string, unknown> | string>][] = [
    ['a dead pid', async () => ({ pid: await deadPid(), host: hostname(), start: null, since: '2020-01-01' })],
    [
      'a recycled pid (alive, but started at another time)',
      async () => ({ pid: process.pid, host: hostname(), start: '1', since: '2020-01-01' }),
    ],
    ['an unreadable lock file', async () => 'not json \u0000'],
    ['a lock without a pid', async () => ({ host: hostname() })],
  ];
  let staleRun: string | undefined;
  let staleSteps = 4;
  for (const [what, lock] of stale) {
    it(`takes over the stale lock of ${what}`, async () => {
      staleRun ??= finishedRun(); // one run, two steps further each time
      staleSteps += 2;
      writeLock(staleRun, await lock());
      const r = runCli(resumeArgs(staleRun, staleSteps));
      expect(r.code, r.stderr).toBe(0);
      expect(JSON.parse(r.stdout)).toMatchObject({ step: staleSteps, finished: true });
      expect(readdirSync(staleRun).filter((f) => f.startsWith('.'))).toEqual([]);
    });
  }

  it("respects a live owner's lock (pid and start time match) and one from another machine", async () => {
    const run = finishedRun();
    const owner = spawn('sleep', ['30']);
    try {
      const before = snapshot(run);
      for (const info of [
        { pid: owner.pid, host: hostname(), start: processStart(owner.pid!), since: new Date().toISOString() },
        { pid: 12345, host: 'another-machine.example', start: null, since: new Date().toISOString() },
      ]) {
        writeLock(run, info);
        const lockBefore = readFileSync(join(run, '.lock'), 'utf8');
        const r = runCli(resumeArgs(run));
        expect(r.code).toBe(2);
        expect(r.stderr.trim().split('\n')).toHaveLength(1);
        expect(r.stderr).toMatch(new RegExp(`is in use by another trainer \\(pid ${info.pid};`));
        expect(readFileSync(join(run, '.lock'), 'utf8')).toBe(lockBefore);
        expect(snapshot(run)).toEqual(
          [...before, `${join(run, '.lock')} ${createHash('sha256').update(lockBefore).digest('hex')}`].sort(),
        );
      }
    } finally {
      owner.kill('SIGKILL');
    }
  });
});
