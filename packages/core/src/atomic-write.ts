/**
 * Atomic file writes: data goes to a temporary file in the same folder, is flushed to disk, then renamed over the
 * target. A crash at any moment leaves either the old file or the new one, never half of one.
 */
import { closeSync, fsyncSync, mkdirSync, openSync, renameSync, rmSync, writeSync } from 'node:fs';
import { basename, dirname, join } from 'node:path';
import { describeFsError, runtimeError } from './errors.js';

let counter = 0;

export type FileData = string | Uint8Array | readonly Uint8Array[];

export interface AtomicWriteOptions {
  /** Flush file data to disk before the rename (default true). */
  fsync?: boolean;
  /** Create the parent folder when it is missing (default false). */
  mkdir?: boolean;
}

/** The temporary name a write to `path` uses; other tools can recognise and ignore such files. */
export function tempPathFor(path: string): string {
  counter = (counter + 1) % 1_000_000;
  return join(dirname(path), `.${basename(path)}.tmp-${process.pid}-${counter}`);
}

export function isTempPath(name: string): boolean {
  return /^\..+\.tmp-\d+-\d+$/.test(basename(name));
}

/** Test hook (crash-safety tests): milliseconds to pause after each chunk, to widen the write window. */
function slowWriteMs(): number {
  const v = Number(process.env.SELFSUP_TEST_SLOW_WRITE_MS ?? 0);
  return Number.isFinite(v) && v > 0 ? v : 0;
}

/** Test hook: pauses for SELFSUP_TEST_SLOW_WRITE_MS (when set) between the steps of a multi-file commit. */
export function slowWritePause(): void {
  const pause = slowWriteMs();
  if (pause) sleepSync(pause);
}

function sleepSync(ms: number): void {
  Atomics.wait(new Int32Array(new SharedArrayBuffer(4)), 0, 0, ms);
}

export function writeFileAtomicSync(path: string, data: FileData, options: AtomicWriteOptions = {}): void {
  const { fsync = true, mkdir = false } = options;
  if (mkdir) {
    try {
      mkdirSync(dirname(path), { recursive: true });
    } catch (err) {
      throw runtimeError(`cannot create folder ${dirname(path)}: ${describeFsError(err)}`, err);
    }
  }
  const tmp = tempPathFor(path);
  const chunks: readonly (string | Uint8Array)[] =
    typeof data === 'string' || data instanceof Uint8Array ? [data] : data;
  const pause = slowWriteMs();
  let fd: number | undefined;
  try {
    fd = openSync(tmp, 'wx', 0o644);
    for (const chunk of chunks) {
      const bytes = typeof chunk === 'string' ? Buffer.from(chunk, 'utf8') : chunk;
      let offset = 0;
      while (offset < bytes.byteLength) {
        const n = Math.min(bytes.byteLength - offset, 1 << 24);
        offset += writeSync(fd, bytes, offset, n);
        if (pause) sleepSync(pause);
      }
    }
    if (fsync) fsyncSync(fd);
    closeSync(fd);
    fd = undefined;
    renameSync(tmp, path);
  } catch (err) {
    if (fd !== undefined) {
      try {
        closeSync(fd);
      } catch {}
    }
    rmSync(tmp, { force: true });
    throw runtimeError(`cannot write ${path}: ${describeFsError(err)}`, err);
  }
  if (fsync) syncDir(dirname(path));
}

/** Flushes a folder entry (the rename) to disk; not supported everywhere, so failures are ignored. */
export function syncDir(dir: string): void {
  try {
    const fd = openSync(dir, 'r');
    try {
      fsyncSync(fd);
    } finally {
      closeSync(fd);
    }
  } catch {}
}
