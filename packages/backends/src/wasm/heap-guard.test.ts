/** The malloc guard: a full wasm heap is an error, not address 0 (which corrupts the heap and hangs the process). */
import { SelfsupError } from '@selfsup/core';
import * as tf from '@tensorflow/tfjs-core';
import { describe, expect, it } from 'vitest';
import { selectBackend } from '../select.js';
import { guardMalloc } from './heap-guard.js';
import type { EmscriptenWasmModule } from './loader.js';

function fakeModule(results: number[]): EmscriptenWasmModule & { calls: number[] } {
  const calls: number[] = [];
  return {
    calls,
    _malloc: (bytes: number) => {
      calls.push(bytes);
      return results.shift() ?? 0;
    },
  } as unknown as EmscriptenWasmModule & { calls: number[] };
}

describe('guardMalloc', () => {
  it('stays in front when the module rebinds `_malloc` on its first call (Emscripten binds exports lazily)', () => {
    const module = fakeModule([]);
    const raw = (bytes: number) => (bytes === 100 ? 0 : 8192);
    module._malloc = (bytes: number) => {
      module._malloc = raw;
      return raw(bytes);
    };
    guardMalloc(module);
    expect(module._malloc(8)).toBe(8192);
    expect(module._malloc(16)).toBe(8192);
    expect(() => module._malloc(100)).toThrow(/out of memory/);
  });

  it('passes addresses through and throws a runtime error naming the size and the flags on address 0', () => {
    const module = fakeModule([4096, 0, 0]);
    guardMalloc(module);
    guardMalloc(module); // wrapped once only
    expect(module._malloc(64)).toBe(4096);
    expect(module._malloc(0)).toBe(0); // an empty allocation may be 0
    let error: unknown;
    try {
      module._malloc(157_280_000);
    } catch (e) {
      error = e;
    }
    expect(error).toBeInstanceOf(SelfsupError);
    expect((error as SelfsupError).kind).toBe('runtime');
    expect((error as Error).message).toMatch(/^the wasm backend is out of memory: it could not allocate 150 MiB more/);
    expect((error as Error).message).toMatch(/--batch-size or --block-size .*--grad-accum/);
    expect((error as Error).message).not.toMatch(/\n/);
    expect(module.calls).toEqual([64, 0, 157_280_000]);
  });

  it('on the real wasm backend: a tensor the heap cannot hold throws, and the backend still works', async () => {
    await selectBackend('wasm', { threads: 1 });
    const before = tf.memory().numTensors;
    const one = tf.ones([1]);
    // Fill the heap with 100 MB blocks (never written, so nothing is committed) until malloc returns 0, as the
    // activations of a too-large training step do; then a tensor needs more and tfjs's own allocation fails too.
    const wasm = (tf.backend() as unknown as { wasm: EmscriptenWasmModule }).wasm;
    const blocks: number[] = [];
    let full: unknown;
    try {
      for (let i = 0; i < 64; i++) blocks.push(wasm._malloc(100_000_000));
    } catch (e) {
      full = e;
    }
    try {
      expect(blocks.length).toBeGreaterThan(30);
      expect(full).toBeInstanceOf(SelfsupError);
      expect((full as Error).message).toMatch(/could not allocate 96 MiB more \(the heap holds 4,0\d\d MiB/);
      expect(() => tf.tile(one, [25_000_000])).toThrow(/out of memory: it could not allocate 96 MiB more/);
    } finally {
      for (const block of blocks) wasm._free(block);
    }
    // 4.4 GB: past 32 bits, refused before it reaches malloc (where it would wrap to a 105 MB block).
    expect(() => tf.tile(one, [1_100_000_000])).toThrow(/out of memory: it could not allocate 4,197 MiB more/);
    one.dispose();
    const sum = tf.tidy(() => tf.sum(tf.add(tf.ones([1000]), tf.ones([1000]))).dataSync()[0]);
    expect(sum).toBe(2000);
    expect(tf.memory().numTensors).toBe(before);
  });
});
