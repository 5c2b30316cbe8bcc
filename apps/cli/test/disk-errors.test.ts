/**
 * Disk errors with real processes: the run folder becomes read-only, or the disk fills up, while `selfsup train`
 * runs or resumes. Each must end with exit 1 and one clear line naming the file and the problem, the earlier
 * checkpoint whole, and a resume that finishes once the disk is writable again.
 *
 * How the faults are made, as root (CI runs as root, where chmod does not stop writes): a small tmpfs mounted for the
 * test and remounted read-only or filled up. Without `mount` (no CAP_SYS_ADMIN), the read-only case runs the trainer
 * as `nobody` (setpriv) over a chmod'ed folder, or uses chmod directly when the tests do not run as root; the
 * full-disk case is skipped with the reason in its title.
 */
import { spawnSync } from 'node:child_process';
import { createHash } from 'node:crypto';
import {
  chmodSync,
  closeSync,
  existsSync,
  mkdtempSync,
  openSync,
  readdirSync,
  rmSync,
  statSync,
  writeFileSync,
  writeSync,
} from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { selectBackend } from '@selfsup/backends';
import { readCheckpoint } from '@selfsup/trainer';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { CLI_BIN, type CliResult, cliBuilt, microFlags, runCli, startCli } from './run-cli.js';

const MICRO = microFlags({ 'eval-iters': '2', 'log-interval': '1' });
const root = mkdtempSync(join(tmpdir(), 'selfsup-disk-'));
const data = join(root, 'prepared');
const isRoot = process.getuid?.() === 0;

/** Mounts a tmpfs of `size` at a new folder, or returns why it cannot. */
function mountTmpfs(size: string): { dir: string } | { reason: string } {
  const dir = mkdtempSync(join(tmpdir(), 'selfsup-tmpfs-'));
  if (process.platform !== 'linux') return { reason: 'not Linux' };
  if (!isRoot) return { reason: 'not running as root (mount needs it)' };
  if (process.env.SELFSUP_TEST_NO_MOUNT) return { reason: 'SELFSUP_TEST_NO_MOUNT is set' };
  const r = spawnSync('mount', ['-t', 'tmpfs', '-o', `size=${size},mode=0755`, 'tmpfs', dir], { encoding: 'utf8' });
  if (r.error || r.status !== 0) {
    rmSync(dir, { recursive: true, force: true });
    return { reason: `mount -t tmpfs failed: ${(r.error?.message ?? r.stderr).trim() || `exit ${r.status}`}` };
  }
  return { dir };
}

function remount(dir: string, mode: 'ro' | 'rw'): void {
  const r = spawnSync('mount', ['-o', `remount,${mode}`, dir], { encoding: 'utf8' });
  if (r.status !== 0) throw new Error(`remount ${mode} ${dir}: ${r.stderr}`);
}

const mounts: string[] = [];
function unmountAll(): void {
  for (const dir of mounts.splice(0)) {
    spawnSync('umount', ['-l', dir]);
    rmSync(dir, { recursive: true, force: true });
  }
}

/** Whether `setpriv` can run node as nobody here (and nobody can read the CLI). */
function nobodyWorks(): boolean {
  if (!isRoot) return false;
  const r = spawnSync(
    'setpriv',
    ['--reuid=65534', '--regid=65534', '--clear-groups', process.execPath, CLI_BIN, '--version'],
    {
      encoding: 'utf8',
    },
  );
  return r.status === 0;
}

const probe = cliBuilt() ? mountTmpfs('4m') : { reason: 'the CLI is not built' };
if ('dir' in probe) mounts.push(probe.dir);
const canMount = 'dir' in probe;
const readOnlyHow = canMount ? 'a read-only tmpfs' : nobodyWorks() ? 'running as nobody' : isRoot ? '' : 'chmod';
const fullDiskSkip = canMount ? '' : ` (skipped: ${(probe as { reason: string }).reason})`;
const readOnlySkip = readOnlyHow
  ? ''
  : ` (skipped: ${(probe as { reason: string }).reason}; setpriv as nobody unavailable)`;
if (fullDiskSkip) console.warn(`disk-errors.test.ts: full-disk case skipped: ${(probe as { reason: string }).reason}`);

/** Hashes of the checkpoint's files, read as one consistent set. */
function checkpointHashes(run: string): Record<string, string> {
  const { manifest, files } = readCheckpoint(run);
  return {
    step: String(manifest!.step),
    ...Object.fromEntries([...files].map(([k, v]) => [k, createHash('sha256').update(v).digest('hex')])),
  };
}

/** One error line naming what failed, exit 1, no stack trace. */
function expectDiskError(r: CliResult, problem: RegExp): void {
  expect(r.code, r.stderr).toBe(1);
  const errors = r.stderr.split('\n').filter((l) => l.startsWith('selfsup:'));
  expect(errors, r.stderr).toHaveLength(1);
  expect(errors[0]).toMatch(problem);
  expect(r.stderr).not.toMatch(/internal error|\n\s+at /);
}

/** Trains a run in `dir` to step 4 (a checkpoint) and returns its folder. */
function trainedRun(dir: string, name = 'run'): string {
  const run = join(dir, name);
  const r = runCli(['train', '--out', run, '--data', data, ...MICRO, '--max-iters', '4', '--eval-interval', '4']);
  expect(r.code, r.stderr).toBe(0);
  return run;
}

const resume = (run: string, maxIters: number) =>
  runCli([
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
  ]);

/** Runs `train --resume` and, once checkpoint `step` is saved, calls `fault` (the trainer keeps going). */
async function faultWhileTraining(run: string, step: number, fault: () => void): Promise<CliResult> {
  const child = startCli([
    'train',
    '--out',
    run,
    '--resume',
    '--max-iters',
    '100000',
    '--eval-interval',
    '2',
    '--backend',
    'cpu',
    '--sample-tokens',
    '0',
  ]);
  let stderr = '';
  let stdout = '';
  let faulted = false;
  child.stdout.on('data', (d) => {
    stdout += d;
  });
  return new Promise((resolve) => {
    child.stderr.on('data', (d) => {
      stderr += d;
      if (!faulted && new RegExp(`^step ${step}: saved checkpoint`, 'm').test(stderr)) {
        faulted = true;
        fault();
      }
    });
    child.on('close', (code) => resolve({ code: code ?? 128, stdout, stderr }));
  });
}

describe.runIf(cliBuilt())('disk errors', () => {
  beforeAll(async () => {
    await selectBackend('cpu');
    writeFileSync(
      join(root, 'corpus.txt'),
      Array.from({ length: 200 }, (_, i) => `disks fill up ${i % 9}.\n`).join(''),
    );
    expect(runCli(['prepare', '--data', join(root, 'corpus.txt'), '--tokenizer', 'char', '--out', data]).code).toBe(0);
  });
  afterAll(unmountAll);

  it.skipIf(!readOnlyHow)(
    `a read-only run folder: resume fails with a clear error, the checkpoint intact${readOnlySkip}`,
    () => {
      let r: CliResult;
      let run: string;
      if (canMount) {
        const dir = (probe as { dir: string }).dir;
        run = trainedRun(dir, 'ro');
        const before = checkpointHashes(run);
        remount(dir, 'ro');
        try {
          r = resume(run, 8);
          expectDiskError(r, new RegExp(`^selfsup: cannot write ${run}/\\.lock: read-only file system$`));
          expect(checkpointHashes(run)).toEqual(before);
        } finally {
          remount(dir, 'rw');
        }
      } else {
        run = trainedRun(root, 'ro');
        const before = checkpointHashes(run);
        chmodSync(root, 0o755); // mkdtemp made it 0700: let nobody reach the run and the data
        chmodSync(run, 0o555);
        try {
          r =
            readOnlyHow === 'chmod'
              ? resume(run, 8)
              : (() => {
                  const p = spawnSync(
                    'setpriv',
                    [
                      '--reuid=65534',
                      '--regid=65534',
                      '--clear-groups',
                      process.execPath,
                      CLI_BIN,
                      'train',
                      '--out',
                      run,
                      '--resume',
                      '--max-iters',
                      '8',
                      '--backend',
                      'cpu',
                    ],
                    { encoding: 'utf8' },
                  );
                  return { code: p.status ?? 1, stdout: p.stdout, stderr: p.stderr };
                })();
          expectDiskError(r, new RegExp(`^selfsup: cannot write ${run}/\\.lock: permission denied$`));
          expect(checkpointHashes(run)).toEqual(before);
        } finally {
          chmodSync(run, 0o755);
        }
      }
      const ok = resume(run, 8);
      expect(ok.code, ok.stderr).toBe(0);
      expect(JSON.parse(ok.stdout)).toMatchObject({ step: 8, finished: true });
    },
  );

  it.skipIf(!canMount)(
    `the disk turns read-only while training: exit 1, the last checkpoint whole${fullDiskSkip}`,
    async () => {
      const dir = (probe as { dir: string }).dir;
      const run = trainedRun(dir, 'ro-live');
      let before: Record<string, string> = {};
      const r = await faultWhileTraining(run, 6, () => {
        before = checkpointHashes(run);
        remount(dir, 'ro');
      });
      try {
        expectDiskError(r, /^selfsup: cannot (write|create|flush|move) .*: read-only file system/);
        expect(checkpointHashes(run)).toEqual(before);
        expect(Number(before.step)).toBeGreaterThanOrEqual(6);
      } finally {
        remount(dir, 'rw');
      }
      const ok = resume(run, Number(before.step) + 2);
      expect(ok.code, ok.stderr).toBe(0);
      expect(readdirSync(run).filter((n) => n.startsWith('.'))).toEqual([]);
    },
    60_000,
  );

  it.skipIf(!canMount)(
    `a full disk while training: exit 1, the last checkpoint whole, resume after freeing space${fullDiskSkip}`,
    async () => {
      const small = mountTmpfs('1m');
      expect('dir' in small).toBe(true);
      const dir = (small as { dir: string }).dir;
      mounts.push(dir);
      const run = trainedRun(dir, 'full');
      const filler = join(dir, 'filler');
      let before: Record<string, string> = {};
      const r = await faultWhileTraining(run, 6, () => {
        before = checkpointHashes(run);
        fillDisk(filler);
      });
      expectDiskError(r, /^selfsup: cannot (write|create|flush|move) .*: no space left on device/);
      expect(checkpointHashes(run)).toEqual(before);
      rmSync(filler);
      const ok = resume(run, Number(before.step) + 2);
      expect(ok.code, ok.stderr).toBe(0);
      expect(JSON.parse(ok.stdout)).toMatchObject({ finished: true });
      expect(readdirSync(run).filter((n) => n.startsWith('.'))).toEqual([]);
    },
    60_000,
  );

  it.skipIf(!canMount)(`a full disk before a resume starts: exit 1, nothing lost${fullDiskSkip}`, () => {
    const small = mountTmpfs('1m');
    const dir = (small as { dir: string }).dir;
    mounts.push(dir);
    const run = trainedRun(dir, 'full-start');
    const before = checkpointHashes(run);
    const filler = join(dir, 'filler');
    fillDisk(filler);
    const r = resume(run, 8);
    expectDiskError(r, /no space left on device/);
    expect(checkpointHashes(run)).toEqual(before);
    rmSync(filler);
    expect(resume(run, 8).code).toBe(0);
  });

  it('an output folder that cannot be created names the folder (a file in the way)', () => {
    const blocker = join(root, 'blocker');
    writeFileSync(blocker, 'a file, not a folder');
    const out = join(blocker, 'run');
    const r = runCli(['train', '--out', out, '--data', data, ...MICRO, '--max-iters', '2']);
    expect(r.code).toBe(1);
    expect(r.stderr.trim()).toMatch(new RegExp(`^selfsup: cannot create ${out}: `));
    expect(statSync(blocker).isFile()).toBe(true);
    expect(existsSync(out)).toBe(false);
  });
});

/** Writes zeros to `path` until the file system is full. */
function fillDisk(path: string): void {
  const fd = openSync(path, 'w');
  const block = Buffer.alloc(4096);
  try {
    for (;;) writeSync(fd, block);
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code !== 'ENOSPC') throw err;
  } finally {
    closeSync(fd);
  }
}
