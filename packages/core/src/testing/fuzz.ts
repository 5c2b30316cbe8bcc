/**
 * Fuzz-test support shared by every package's `*.fuzz.test.ts` (imported as `@selfsup/core/testing`; not built,
 * not part of the public API).
 *
 * A parser fed untrusted bytes may end in exactly two ways: it returns, or it throws a `SelfsupError` with a
 * one-line message. `outcome()` runs one case and turns anything else — a TypeError, a RangeError from a giant
 * allocation or a deep recursion, a case that takes too long, a large jump in allocated memory — into a failure
 * that names the case. Runs are seeded (SELFSUP_FUZZ_SEED) and sized for CI; SELFSUP_FUZZ_RUNS=N multiplies the
 * work for a longer local hunt.
 */
import fc from 'fast-check';
import { SelfsupError } from '../errors.js';

/** The seed every fuzz property starts from (override with SELFSUP_FUZZ_SEED to explore further). */
export const FUZZ_SEED = envInt('SELFSUP_FUZZ_SEED', 20_240_520);

/** Cases per property: `ci` by default, SELFSUP_FUZZ_RUNS when set. */
export function fuzzRuns(ci = 2000): number {
  return envInt('SELFSUP_FUZZ_RUNS', ci);
}

/** fast-check parameters for one property: seeded, sized, and failing with the seed and path to replay it. */
export function fuzzParams(ci = 2000): fc.Parameters<unknown> {
  return { seed: FUZZ_SEED, numRuns: fuzzRuns(ci), endOnFailure: true };
}

/** How one case ended. */
export type Outcome<T> = { ok: true; value: T } | { ok: false; error: SelfsupError };

export interface OutcomeLimits {
  /** Longest a case may run (default 2 s: a bound for "does not hang", not a speed target). */
  maxMs?: number;
  /** Largest growth of ArrayBuffer memory a case may cause (default 256 MiB). */
  maxArrayBufferGrowth?: number;
}

/**
 * Runs `fn` (one fuzz case). Returns its value or its SelfsupError; throws an assertion error for anything else.
 * `label` describes the case in failures (e.g. "truncated at 1234").
 */
export function outcome<T>(label: string, fn: () => T, limits: OutcomeLimits = {}): Outcome<T> {
  const maxMs = limits.maxMs ?? 2000;
  const maxGrowth = limits.maxArrayBufferGrowth ?? 256 * 1024 * 1024;
  const before = process.memoryUsage().arrayBuffers;
  const start = performance.now();
  let result: Outcome<T>;
  try {
    result = { ok: true, value: fn() };
  } catch (err) {
    if (!(err instanceof SelfsupError)) {
      const detail = err instanceof Error ? (err.stack ?? err.message) : String(err);
      throw new Error(`${label}: threw something other than a SelfsupError: ${detail}`);
    }
    checkMessage(label, err);
    result = { ok: false, error: err };
  }
  const ms = performance.now() - start;
  if (ms > maxMs) throw new Error(`${label}: took ${ms.toFixed(0)} ms (limit ${maxMs} ms)`);
  const growth = process.memoryUsage().arrayBuffers - before;
  if (growth > maxGrowth) {
    throw new Error(`${label}: ArrayBuffer memory grew by ${(growth / 2 ** 20).toFixed(0)} MiB in one case`);
  }
  return result;
}

/** The async form of `outcome` (for parsers that return promises); a rejection must be a SelfsupError too. */
export async function outcomeAsync<T>(
  label: string,
  fn: () => Promise<T>,
  limits: OutcomeLimits = {},
): Promise<Outcome<T>> {
  const maxMs = limits.maxMs ?? 2000;
  const maxGrowth = limits.maxArrayBufferGrowth ?? 256 * 1024 * 1024;
  const before = process.memoryUsage().arrayBuffers;
  const start = performance.now();
  let result: Outcome<T>;
  try {
    result = { ok: true, value: await fn() };
  } catch (err) {
    if (!(err instanceof SelfsupError)) {
      const detail = err instanceof Error ? (err.stack ?? err.message) : String(err);
      throw new Error(`${label}: rejected with something other than a SelfsupError: ${detail}`);
    }
    checkMessage(label, err);
    result = { ok: false, error: err };
  }
  const ms = performance.now() - start;
  if (ms > maxMs) throw new Error(`${label}: took ${ms.toFixed(0)} ms (limit ${maxMs} ms)`);
  const growth = process.memoryUsage().arrayBuffers - before;
  if (growth > maxGrowth) {
    throw new Error(`${label}: ArrayBuffer memory grew by ${(growth / 2 ** 20).toFixed(0)} MiB in one case`);
  }
  return result;
}

/** A user-facing message: one line, not empty, not a wall of text copied from the file. */
function checkMessage(label: string, err: SelfsupError): void {
  const m = err.message;
  if (m.length === 0 || m.includes('\n') || m.includes('\r') || m.length > 2000) {
    throw new Error(`${label}: SelfsupError message is not one readable line: ${JSON.stringify(m.slice(0, 300))}`);
  }
}

// ---- mutations of a valid file -----------------------------------------------------------------------------------

/** `bytes` with the bits at `positions` (taken modulo the bit length) flipped. */
export function flipBits(bytes: Uint8Array, positions: readonly number[]): Uint8Array {
  const out = Uint8Array.from(bytes); // a copy (Buffer#slice would be a view of the caller's bytes)
  if (out.length === 0) return out;
  for (const p of positions) {
    const bit = p % (out.length * 8);
    out[bit >> 3] ^= 1 << (bit & 7);
  }
  return out;
}

/** `bytes` with `count` bytes at `at` replaced by `values` (a splice that keeps nothing else). */
export function splice(bytes: Uint8Array, at: number, remove: number, insert: Uint8Array): Uint8Array {
  const a = Math.min(at, bytes.length);
  const b = Math.min(bytes.length, a + remove);
  const out = new Uint8Array(a + insert.length + (bytes.length - b));
  out.set(bytes.subarray(0, a), 0);
  out.set(insert, a);
  out.set(bytes.subarray(b), a + insert.length);
  return out;
}

/** Random edits of a valid file: bit flips, byte overwrites, cut-outs and insertions (1 to 4 of them). */
export function mutatedBytes(valid: Uint8Array): fc.Arbitrary<{ label: string; bytes: Uint8Array }> {
  const n = Math.max(1, valid.length);
  const edit = fc.oneof(
    fc.record({ kind: fc.constant('flip' as const), at: fc.nat(n * 8 - 1) }),
    fc.record({ kind: fc.constant('set' as const), at: fc.nat(n - 1), value: fc.integer({ min: 0, max: 255 }) }),
    fc.record({ kind: fc.constant('cut' as const), at: fc.nat(n - 1), len: fc.integer({ min: 1, max: 64 }) }),
    fc.record({
      kind: fc.constant('insert' as const),
      at: fc.nat(n),
      data: fc.uint8Array({ minLength: 1, maxLength: 16 }),
    }),
  );
  return fc.array(edit, { minLength: 1, maxLength: 4 }).map((edits) => {
    let bytes = valid;
    for (const e of edits) {
      if (e.kind === 'flip') bytes = flipBits(bytes, [e.at]);
      else if (e.kind === 'set') bytes = splice(bytes, e.at, 1, Uint8Array.of(e.value));
      else if (e.kind === 'cut') bytes = splice(bytes, e.at, e.len, new Uint8Array(0));
      else bytes = splice(bytes, e.at, 0, e.data);
    }
    return { label: `edits ${JSON.stringify(edits)}`, bytes };
  });
}

/** Replacements for a JSON value a stranger might put in a field: wrong types, huge, negative, non-finite-ish. */
export function hostileJsonValue(): fc.Arbitrary<unknown> {
  return fc.oneof(
    fc.constantFrom(
      null,
      true,
      false,
      0,
      -1,
      1.5,
      -0,
      2 ** 31,
      2 ** 32,
      2 ** 53,
      2 ** 53 + 2,
      1e308,
      -1e308,
      Number.MAX_SAFE_INTEGER,
      '',
      'NaN',
      'Infinity',
      '../../etc/passwd',
      '/etc/passwd',
      '..',
      'a/../../b',
      '\u0000',
      [],
      {},
      [0, 0],
      [2 ** 40, 2 ** 40 + 1],
    ),
    fc.integer(),
    fc.double(),
    fc.string({ maxLength: 20 }),
    fc.jsonValue({ maxDepth: 3 }),
  );
}

/** JSON text nested `depth` levels deep (`[[[…]]]` or `{"a":{"a":…}}`). */
export function deepJson(depth: number, kind: 'array' | 'object' = 'array'): string {
  return kind === 'array'
    ? `${'['.repeat(depth)}${']'.repeat(depth)}`
    : `${'{"a":'.repeat(depth)}1${'}'.repeat(depth)}`;
}

/** A deep copy of a JSON value with `value` set at `path` (creating objects on the way). */
export function withField(json: unknown, path: readonly (string | number)[], value: unknown): unknown {
  const copy = structuredClone(json) as Record<string | number, unknown>;
  let node = copy;
  for (let i = 0; i < path.length - 1; i++) {
    const next = node[path[i]];
    if (typeof next !== 'object' || next === null) node[path[i]] = {};
    node = node[path[i]] as Record<string | number, unknown>;
  }
  if (value === undefined) delete node[path[path.length - 1]];
  else node[path[path.length - 1]] = value;
  return copy;
}

/** Every path to a leaf or a container in a JSON value, up to `limit` paths (breadth first). */
export function jsonPaths(json: unknown, limit = 5000): (string | number)[][] {
  const out: (string | number)[][] = [];
  const queue: [unknown, (string | number)[]][] = [[json, []]];
  while (queue.length > 0 && out.length < limit) {
    const [node, path] = queue.shift()!;
    if (path.length > 0) out.push(path);
    if (Array.isArray(node)) for (let i = 0; i < node.length; i++) queue.push([node[i], [...path, i]]);
    else if (typeof node === 'object' && node !== null)
      for (const [k, v] of Object.entries(node)) queue.push([v, [...path, k]]);
  }
  return out;
}

function envInt(name: string, fallback: number): number {
  const raw = process.env[name];
  if (raw === undefined || raw === '') return fallback;
  const v = Number(raw);
  if (!Number.isSafeInteger(v) || v < 1) throw new Error(`${name} must be a positive integer, got ${raw}`);
  return v;
}
