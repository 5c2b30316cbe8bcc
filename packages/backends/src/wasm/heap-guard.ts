/**
 * tfjs-backend-wasm does not check what `_malloc` returns. When the heap cannot grow any further (wasm32 stops at
 * 4 GiB), malloc returns address 0, the new tensor is written over the allocator's own bookkeeping, and the next
 * `free` spins for ever: a training step that needs too much memory hangs instead of failing. The guard turns that
 * into an error that says what to change.
 */
import { runtimeError } from '@selfsup/core';
import { type EmscriptenWasmModule, moduleMemory } from './loader.js';

const MIB = 2 ** 20;
/** The most a wasm32 heap can hold (65,535 pages of 64 KiB). */
const HEAP_LIMIT = 65_535 * 65_536;
/**
 * Requests above this can never be met (the module's own data sits at the start of the heap), and near 2³² the
 * allocator's size arithmetic wraps: it hands out a small block and the kernel writes past it.
 */
const LARGEST_REQUEST = HEAP_LIMIT - MIB;
const guarded = new WeakSet<object>();

/**
 * Makes `module._malloc` throw instead of returning 0, and before a request the heap can never hold (which would
 * wrap around 32 bits and return a block too small). Idempotent.
 */
export function guardMalloc(module: EmscriptenWasmModule): void {
  if (guarded.has(module)) return;
  // Emscripten binds exports lazily: the first call of `_malloc` assigns the raw export to `module._malloc`. The
  // setter takes that as the function to call, so the guard stays in front of it.
  let malloc = module._malloc;
  const guard = (bytes: number): number => {
    if (bytes > LARGEST_REQUEST) throw heapFull(bytes, heapBytes(module));
    const address = malloc(bytes);
    if (address === 0 && bytes > 0) throw heapFull(bytes, heapBytes(module));
    return address;
  };
  Object.defineProperty(module, '_malloc', {
    configurable: true,
    enumerable: true,
    get: () => guard,
    set: (next: (bytes: number) => number) => {
      malloc = next;
    },
  });
  guarded.add(module);
}

function heapBytes(module: EmscriptenWasmModule): number | undefined {
  try {
    return moduleMemory(module).buffer.byteLength;
  } catch {
    return undefined;
  }
}

function heapFull(bytes: number, heap: number | undefined) {
  const size = (n: number) => `${Math.ceil(n / MIB).toLocaleString('en-US')} MiB`;
  const where = heap === undefined ? '' : ` (the heap holds ${size(heap)}, and wasm cannot address more than 4 GiB)`;
  return runtimeError(
    `the wasm backend is out of memory: it could not allocate ${size(bytes)} more${where}; ` +
      'use a smaller --batch-size or --block-size (add --grad-accum to keep the batch), or another --backend',
  );
}
