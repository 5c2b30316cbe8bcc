/**
 * One trainer per run folder: `.lock` holds the owner's pid (and, on Linux, its start time, so a recycled pid is not
 * mistaken for the owner). A lock whose process is gone is stale and is taken over.
 */

import { linkSync, readFileSync, renameSync, rmSync, writeFileSync } from 'node:fs';
import { hostname } from 'node:os';
import { join } from 'node:path';
import { describeFsError, inputError, runtimeError, tempPathFor } from '@selfsup/core';
import { RunFiles } from './run-folder.js';

interface LockInfo {
  pid: number;
  host: string;
  /** Process start time in clock ticks since boot (Linux), to tell a recycled pid apart. */
  start: string | null;
  since: string;
}

/** Locks held by this process, so a second trainer in the same process is refused too. */
const heldHere = new Set<string>();

export class RunLock {
  private released = false;
  private constructor(readonly path: string) {}

  /** Takes the lock of `runDir` (which must exist); throws an input error naming the owner when it is held. */
  static acquire(runDir: string): RunLock {
    const path = join(runDir, RunFiles.lock);
    if (heldHere.has(path)) throw inputError(`${runDir} is in use by another trainer in this process`);
    const mine: LockInfo = {
      pid: process.pid,
      host: hostname(),
      start: processStart(process.pid),
      since: new Date().toISOString(),
    };
    const tmp = tempPathFor(path);
    try {
      writeFileSync(tmp, `${JSON.stringify(mine)}\n`, { flag: 'wx' });
    } catch (err) {
      throw runtimeError(`cannot write ${path}: ${describeFsError(err)}`, err);
    }
    try {
      for (let attempt = 0; attempt < 5; attempt++) {
        try {
          linkSync(tmp, path); // fails if a lock exists: atomic create-if-absent with full content
          heldHere.add(path);
          return new RunLock(path);
        } catch (err) {
          if ((err as NodeJS.ErrnoException).code !== 'EEXIST') {
            throw runtimeError(`cannot create ${path}: ${describeFsError(err)}`, err);
          }
        }
        const owner = readLock(path);
        if (owner && isAlive(owner)) {
          throw inputError(`${runDir} is in use by another trainer (pid ${owner.pid}; lock file ${path})`);
        }
        // Stale: move it aside (only one taker succeeds per lock file), check it is the stale one, then retry.
        const aside = `${path}.stale-${process.pid}`;
        try {
          renameSync(path, aside);
        } catch {
          continue;
        }
        const moved = readLock(aside);
        if (moved && isAlive(moved)) {
          // We moved a live owner's fresh lock: put it back if nothing replaced it, and give up.
          try {
            linkSync(aside, path);
          } catch {}
          rmSync(aside, { force: true });
          throw inputError(`${runDir} is in use by another trainer (pid ${moved.pid}; lock file ${path})`);
        }
        rmSync(aside, { force: true });
      }
      throw runtimeError(`cannot take the lock ${path}: it keeps changing`);
    } finally {
      rmSync(tmp, { force: true });
    }
  }

  release(): void {
    if (this.released) return;
    this.released = true;
    heldHere.delete(this.path);
    const owner = readLock(this.path);
    if (owner?.pid !== process.pid) return;
    try {
      rmSync(this.path, { force: true });
    } catch {
      // A read-only or vanished disk: the lock stays, and is stale (taken over) once this process has exited.
      // Releasing runs in `finally` blocks, so throwing here would hide the error that ended the session.
    }
  }
}

function readLock(path: string): LockInfo | undefined {
  try {
    const value = JSON.parse(readFileSync(path, 'utf8')) as LockInfo;
    return Number.isInteger(value.pid) ? value : { pid: -1, host: '', start: null, since: '' };
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'ENOENT') return undefined;
    return { pid: -1, host: '', start: null, since: '' }; // unreadable: treat as stale
  }
}

function isAlive(info: LockInfo): boolean {
  if (info.pid <= 0) return false;
  if (info.host && info.host !== hostname()) return true; // another machine (shared disk): assume it is running
  // Our own pid but not in `heldHere` (checked first): left by an earlier trainer of this process that crashed.
  if (info.pid === process.pid) return false;
  try {
    process.kill(info.pid, 0);
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'ESRCH') return false;
  }
  const start = processStart(info.pid);
  return !(info.start && start && start !== info.start);
}

/** Field 22 of /proc/PID/stat (start time in clock ticks), or null where there is no /proc. */
function processStart(pid: number): string | null {
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
    const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
    return fields[19] ?? null;
  } catch {
    return null;
  }
}
