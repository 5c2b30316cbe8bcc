import { spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { RunLock } from './lock.js';

describe('RunLock', () => {
  it('holds the pid, refuses a second holder, and is gone after release', () => {
    const run = mkdtempSync(join(tmpdir(), 'selfsup-lock-'));
    const lock = RunLock.acquire(run);
    expect(JSON.parse(readFileSync(join(run, '.lock'), 'utf8')).pid).toBe(process.pid);
    expect(() => RunLock.acquire(run)).toThrow(/in use by another trainer in this process/);
    lock.release();
    expect(existsSync(join(run, '.lock'))).toBe(false);
    RunLock.acquire(run).release();
  });

  it('refuses a lock held by a live process and takes over one left by a dead process', () => {
    const run = mkdtempSync(join(tmpdir(), 'selfsup-lock-'));
    // pid 1 is alive on every Unix machine
    writeFileSync(join(run, '.lock'), JSON.stringify({ pid: 1, host: '', start: null, since: '' }));
    expect(() => RunLock.acquire(run)).toThrow(/in use by another trainer \(pid 1;/);
    const dead = spawnSync(process.execPath, ['-e', 'process.stdout.write(String(process.pid))'], { encoding: 'utf8' });
    writeFileSync(join(run, '.lock'), JSON.stringify({ pid: Number(dead.stdout), host: '', start: null, since: '' }));
    const lock = RunLock.acquire(run);
    expect(JSON.parse(readFileSync(join(run, '.lock'), 'utf8')).pid).toBe(process.pid);
    lock.release();
    writeFileSync(join(run, '.lock'), 'garbage');
    RunLock.acquire(run).release();
  });
});
