/**
 * Checkpoints as an atomic set of files in the run folder.
 *
 * Writing (the trainer, holding the run lock):
 *   1. every file goes into `.checkpoint-staging/`, flushed to disk, and last the manifest `checkpoint.json` (each
 *      file's name, size and SHA-256, and the step);
 *   2. `.checkpoint-staging/` is renamed to `.checkpoint-ready/` — the commit point;
 *   3. each file is renamed from `.checkpoint-ready/` into the run folder, the manifest last; the folder is removed.
 * A crash before 2 leaves the previous set untouched (the staging folder is deleted on recovery); a crash after 2
 * leaves a complete new set, and recovery finishes the moves. Renames within one folder are atomic, so no file is
 * ever seen half-written.
 *
 * Reading (anyone, no lock): the manifest in `.checkpoint-ready/` wins when that folder exists, and each file is taken
 * from there when still present, else from the run folder; every file is checked against the manifest's size and
 * hash, and a mismatch (a checkpoint being committed while we read) is retried. So a reader always gets one whole set.
 */
import { createHash } from 'node:crypto';
import {
  closeSync,
  copyFileSync,
  existsSync,
  fsyncSync,
  linkSync,
  mkdirSync,
  openSync,
  readdirSync,
  readFileSync,
  renameSync,
  rmSync,
} from 'node:fs';
import { join } from 'node:path';
import {
  describeFsError,
  inputError,
  isInputFsError,
  isPlainFileName,
  parseJson,
  quoteJson,
  runtimeError,
  slowWritePause,
  syncDir,
  writeFileAtomicSync,
} from '@selfsup/core';
import { RunFiles } from './run-folder.js';

export interface ManifestEntry {
  name: string;
  bytes: number;
  sha256: string;
}

export interface CheckpointManifest {
  format: 'selfsup.checkpoint/1';
  step: number;
  savedAt: string;
  files: ManifestEntry[];
}

/** Points in a checkpoint write, for crash-safety tests (`onPhase` throws to simulate a crash there). */
export type CheckpointPhase = 'staged' | 'committed' | `moved:${string}` | 'done';

export interface CommitOptions {
  step: number;
  /**
   * How many checkpoints to keep (default 1): the new set in the run folder, and up to `keepLast - 1` earlier ones
   * in `checkpoints/step-NNNNNNNN/` (hard links of the files they had, so keeping one costs no copy). Older ones are
   * deleted after the new set is in place.
   */
  keepLast?: number;
  /** Test hook called at each phase. */
  onPhase?: (phase: CheckpointPhase) => void;
}

/**
 * Writes one checkpoint: `write(dir)` puts the set's files into the staging folder (with any writer: the model
 * package's `saveModel`, `writeFileAtomicSync`, ...). Returns the manifest.
 */
export async function commitCheckpoint(
  runDir: string,
  write: (dir: string) => void | Promise<void>,
  options: CommitOptions,
): Promise<CheckpointManifest> {
  const staging = join(runDir, RunFiles.staging);
  const ready = join(runDir, RunFiles.ready);
  const phase = options.onPhase ?? (() => {});
  // A leftover committed set must be in place before we start a new one (the caller normally recovers first).
  recoverRunFolder(runDir);
  rmSync(staging, { recursive: true, force: true });
  try {
    mkdirSync(staging, { recursive: true });
  } catch (err) {
    throw runtimeError(`cannot create ${staging}: ${describeFsError(err)}`, err);
  }
  await write(staging);
  const names = readdirSync(staging)
    .filter((n) => !n.startsWith('.') && n !== RunFiles.manifest)
    .sort(manifestOrder);
  const files = names.map((name) => {
    const path = join(staging, name);
    fsyncFile(path);
    const bytes = readFileSync(path);
    return { name, bytes: bytes.length, sha256: sha256(bytes) };
  });
  const manifest: CheckpointManifest = {
    format: 'selfsup.checkpoint/1',
    step: options.step,
    savedAt: new Date().toISOString(),
    files,
  };
  writeFileAtomicSync(join(staging, RunFiles.manifest), `${JSON.stringify(manifest, null, 2)}\n`);
  syncDir(staging);
  const keepLast = options.keepLast ?? 1;
  if (keepLast > 1) archiveCurrent(runDir); // before the new set replaces it
  phase('staged');
  try {
    renameSync(staging, ready);
  } catch (err) {
    throw runtimeError(`cannot commit checkpoint in ${runDir}: ${describeFsError(err)}`, err);
  }
  syncDir(runDir);
  phase('committed');
  finishMoves(runDir, phase);
  pruneArchive(runDir, keepLast - 1);
  phase('done');
  return manifest;
}

/** Earlier checkpoints kept in `checkpoints/`, oldest first. */
export function listArchivedCheckpoints(runDir: string): { step: number; dir: string }[] {
  const archive = join(runDir, RunFiles.archive);
  let names: string[];
  try {
    names = readdirSync(archive);
  } catch {
    return [];
  }
  return names
    .map((name) => ({ name, m: /^step-(\d{8,})$/.exec(name) }))
    .filter((e): e is { name: string; m: RegExpExecArray } => e.m !== null)
    .map((e) => ({ step: Number(e.m[1]), dir: join(archive, e.name) }))
    .sort((a, b) => a.step - b.step);
}

/**
 * Keeps the run folder's current set as `checkpoints/step-NNNNNNNN/`: its files hard-linked (copied where links are
 * not supported) into a temporary folder, flushed, then renamed into place, so an archived set is whole or absent.
 */
function archiveCurrent(runDir: string): void {
  const manifestPath = join(runDir, RunFiles.manifest);
  if (!existsSync(manifestPath)) return;
  const manifest = parseManifest(readFileSync(manifestPath, 'utf8'), manifestPath);
  const archive = join(runDir, RunFiles.archive);
  const target = join(archive, `step-${String(manifest.step).padStart(8, '0')}`);
  if (existsSync(target)) return; // archived before a crash
  const tmp = join(archive, `.tmp-${process.pid}`);
  try {
    mkdirSync(archive, { recursive: true });
    rmSync(tmp, { recursive: true, force: true });
    mkdirSync(tmp);
    for (const name of [...manifest.files.map((f) => f.name), RunFiles.manifest]) {
      try {
        linkSync(join(runDir, name), join(tmp, name));
      } catch {
        copyFileSync(join(runDir, name), join(tmp, name));
        fsyncFile(join(tmp, name));
      }
    }
    syncDir(tmp);
    renameSync(tmp, target);
    syncDir(archive);
  } catch (err) {
    rmSync(tmp, { recursive: true, force: true });
    throw runtimeError(
      `cannot keep the checkpoint of step ${manifest.step} in ${archive}: ${describeFsError(err)}`,
      err,
    );
  }
}

/** Deletes all but the newest `keep` archived checkpoints (and leftovers of an interrupted archive). */
function pruneArchive(runDir: string, keep: number): void {
  const archive = join(runDir, RunFiles.archive);
  if (!existsSync(archive)) return;
  const kept = listArchivedCheckpoints(runDir);
  for (const { dir } of kept.slice(0, Math.max(0, kept.length - keep))) rmSync(dir, { recursive: true, force: true });
  for (const name of readdirSync(archive))
    if (name.startsWith('.tmp-')) rmSync(join(archive, name), { recursive: true, force: true });
  if (keep === 0 && readdirSync(archive).length === 0) rmSync(archive, { recursive: true, force: true });
}

/**
 * Brings a run folder to a consistent state after a crash: a committed set is moved into place, an incomplete one is
 * deleted. Only the lock holder may call this. Returns what it did.
 */
export function recoverRunFolder(runDir: string): 'clean' | 'rolled-forward' | 'rolled-back' {
  const ready = join(runDir, RunFiles.ready);
  const staging = join(runDir, RunFiles.staging);
  let result: 'clean' | 'rolled-forward' | 'rolled-back' = 'clean';
  if (existsSync(ready)) {
    finishMoves(runDir, () => {});
    result = 'rolled-forward';
  }
  if (existsSync(staging)) {
    rmSync(staging, { recursive: true, force: true });
    if (result === 'clean') result = 'rolled-back';
  }
  return result;
}

function finishMoves(runDir: string, phase: (p: CheckpointPhase) => void): void {
  const ready = join(runDir, RunFiles.ready);
  const manifestPath = join(ready, RunFiles.manifest);
  // The manifest is moved last, so while the folder exists it is still inside.
  if (existsSync(manifestPath)) {
    const manifest = parseManifest(readFileSync(manifestPath, 'utf8'), manifestPath);
    for (const entry of manifest.files) {
      const from = join(ready, entry.name);
      if (!existsSync(from)) continue; // moved before a crash
      moveOrFail(from, join(runDir, entry.name));
      slowWritePause(); // crash-safety tests widen this window
      phase(`moved:${entry.name}`);
    }
    moveOrFail(manifestPath, join(runDir, RunFiles.manifest));
  }
  syncDir(runDir);
  rmSync(ready, { recursive: true, force: true });
}

function moveOrFail(from: string, to: string): void {
  try {
    renameSync(from, to);
  } catch (err) {
    throw runtimeError(`cannot move ${from} to ${to}: ${describeFsError(err)}`, err);
  }
}

/** Whether the folder holds a checkpoint (committed; possibly still being moved into place). */
export function hasCheckpoint(runDir: string): boolean {
  return existsSync(join(runDir, RunFiles.ready, RunFiles.manifest)) || existsSync(join(runDir, RunFiles.manifest));
}

export interface CheckpointFiles {
  /** null for a folder without a manifest (e.g. a Hugging Face folder): its files are read as they are. */
  manifest: CheckpointManifest | null;
  files: Map<string, Uint8Array>;
}

/**
 * Reads a whole, consistent checkpoint set (see the top of this file). `names` limits the files read (all files of
 * the manifest by default); for a folder without a manifest, `names` are read as they are.
 */
export function readCheckpoint(runDir: string, names?: readonly string[], attempts = 100): CheckpointFiles {
  let lastProblem = '';
  for (let attempt = 0; attempt < attempts; attempt++) {
    const ready = join(runDir, RunFiles.ready);
    const readyManifest = join(ready, RunFiles.manifest);
    const mainManifest = join(runDir, RunFiles.manifest);
    const fromReady = existsSync(readyManifest);
    let manifestText: string | undefined;
    try {
      manifestText = readFileSync(fromReady ? readyManifest : mainManifest, 'utf8');
    } catch (err) {
      if (fromReady) continue; // moved away as we looked: try again
      if (!isInputFsError(err)) throw runtimeError(`cannot read ${mainManifest}: ${describeFsError(err)}`, err);
    }
    if (manifestText === undefined) return { manifest: null, files: readPlain(runDir, names ?? []) };
    const manifest = parseManifest(manifestText, fromReady ? readyManifest : mainManifest);
    const wanted = names ? manifest.files.filter((f) => names.includes(f.name)) : manifest.files;
    for (const name of names ?? []) {
      if (!manifest.files.some((f) => f.name === name)) throw inputError(`${runDir}: the checkpoint has no ${name}`);
    }
    const files = new Map<string, Uint8Array>();
    let ok = true;
    for (const entry of wanted) {
      const bytes = readEither(join(ready, entry.name), join(runDir, entry.name));
      if (!bytes || bytes.length !== entry.bytes || sha256(bytes) !== entry.sha256) {
        ok = false;
        lastProblem = `${entry.name} does not match checkpoint.json`;
        break;
      }
      files.set(entry.name, bytes);
    }
    if (ok) return { manifest, files };
    sleepMs(Math.min(200, 5 * (attempt + 1)));
  }
  throw runtimeError(`${runDir}: the checkpoint is damaged or keeps changing (${lastProblem})`);
}

function readPlain(runDir: string, names: readonly string[]): Map<string, Uint8Array> {
  const files = new Map<string, Uint8Array>();
  for (const name of names) {
    const path = join(runDir, name);
    try {
      files.set(name, readFileSync(path));
    } catch (err) {
      if (isInputFsError(err)) throw inputError(`${path}: ${describeFsError(err)}`, err);
      throw runtimeError(`cannot read ${path}: ${describeFsError(err)}`, err);
    }
  }
  return files;
}

function readEither(first: string, second: string): Uint8Array | undefined {
  for (const path of [first, second]) {
    try {
      return readFileSync(path);
    } catch {}
  }
  return undefined;
}

export function parseManifest(text: string, what: string): CheckpointManifest {
  const value = parseJson(text, what) as Partial<CheckpointManifest>;
  if (value?.format !== 'selfsup.checkpoint/1' || !Array.isArray(value.files)) {
    throw inputError(`${what}: not a selfsup checkpoint manifest`);
  }
  if (!Number.isSafeInteger(value.step) || (value.step as number) < 0) {
    throw inputError(`${what}: "step" must be a non-negative integer`);
  }
  const seen = new Set<string>();
  for (const [i, f] of value.files.entries()) {
    // Names become paths in the run folder (and are renamed into it on recovery): plain names only, no `../`.
    const reserved = f?.name === RunFiles.manifest || f?.name === RunFiles.data;
    if (!isPlainFileName(f?.name) || f.name.startsWith('.') || reserved || seen.has(f.name)) {
      throw inputError(`${what}: files[${i}].name ${quoteJson(f?.name)} is not a plain file name of the run folder`);
    }
    seen.add(f.name);
    if (
      !Number.isSafeInteger(f.bytes) ||
      f.bytes < 0 ||
      typeof f.sha256 !== 'string' ||
      !/^[0-9a-f]{64}$/.test(f.sha256)
    ) {
      throw inputError(`${what}: files[${i}] (${f.name}) needs "bytes" (an integer ≥ 0) and "sha256" (64 hex digits)`);
    }
  }
  return value as CheckpointManifest;
}

/** Model and optimizer first, the trainer state last: the order files are moved into place. */
function manifestOrder(a: string, b: string): number {
  const rank = (n: string) => (n === RunFiles.state ? 1 : 0);
  return rank(a) - rank(b) || (a < b ? -1 : a > b ? 1 : 0);
}

export function sha256(bytes: Uint8Array): string {
  return createHash('sha256').update(bytes).digest('hex');
}

function fsyncFile(path: string): void {
  let fd: number | undefined;
  try {
    fd = openSync(path, 'r');
    fsyncSync(fd);
  } catch (err) {
    throw runtimeError(`cannot flush ${path}: ${describeFsError(err)}`, err);
  } finally {
    if (fd !== undefined) closeSync(fd);
  }
}

function sleepMs(ms: number): void {
  Atomics.wait(new Int32Array(new SharedArrayBuffer(4)), 0, 0, ms);
}
