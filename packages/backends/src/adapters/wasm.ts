/** The `wasm` backend through our loader (src/wasm/loader.ts): threads in Node and the browser, our kernels. */

import { runtimeError } from '@selfsup/core';
import { BackendWasm, setThreadsCount } from '@tensorflow/tfjs-backend-wasm';
import * as tf from '@tensorflow/tfjs-core';
import type { BackendInfo, SelectOptions } from '../types.js';
import { guardMalloc } from '../wasm/heap-guard.js';
import {
  isNode,
  loadWasmModule,
  logicalCores,
  MAX_WASM_THREADS,
  settleWorkers,
  simdSupported,
  threadsSupported,
  type WasmBuild,
} from '../wasm/loader.js';
import { registerWasmKernels } from '../wasm/register.js';
import { WA } from '../wasm/webassembly.js';

/** tfjs's own registration priority for wasm. */
const WASM_PRIORITY = 2;

interface Active {
  threads: number;
  build: WasmBuild;
  actualThreads: number;
}

let registered: { threads: number; wasmPaths?: string } | undefined;
let active: Active | undefined;

export async function defaultThreads(): Promise<number> {
  return Math.min(MAX_WASM_THREADS, await logicalCores());
}

export async function probeWasm(options: SelectOptions = {}): Promise<BackendInfo> {
  if (!WA) return { name: 'wasm', available: false, reason: 'no WebAssembly in this runtime' };
  const threads = options.threads ?? (await defaultThreads());
  const canThread = threadsSupported();
  const simd = simdSupported();
  const used = canThread && simd ? threads : 1;
  const why =
    threads > 1 && !canThread
      ? isNode
        ? ' (threads unavailable: no SharedArrayBuffer)'
        : ' (threads need a cross-origin isolated page: COOP same-origin + COEP require-corp)'
      : '';
  return {
    name: 'wasm',
    available: true,
    threads: used,
    reason: `WebAssembly${simd ? ' SIMD' : ''}, ${used} thread${used === 1 ? '' : 's'}${why}`,
  };
}

/** Registers our wasm factory for `threads` (replacing tfjs's), our kernels, and makes wasm the active backend. */
export async function activateWasm(options: SelectOptions = {}): Promise<Active> {
  const threads = Math.max(1, Math.min(MAX_WASM_THREADS, Math.floor(options.threads ?? (await defaultThreads()))));
  const registry = (tf.engine() as unknown as { registryFactory: Record<string, unknown> }).registryFactory;
  if (
    !registered ||
    registered.threads !== threads ||
    registered.wasmPaths !== options.wasmPaths ||
    !('wasm' in registry)
  ) {
    if ('wasm' in registry) tf.removeBackend('wasm');
    active = undefined;
    const wasmPaths = options.wasmPaths;
    tf.registerBackend(
      'wasm',
      async () => {
        const { module, build } = await loadWasmModule({ threads, wasmPaths });
        guardMalloc(module);
        setThreadsCount(threads);
        const backend = new BackendWasm(module as never);
        settleWorkers(module);
        const tfjs = module.tfjs as { getThreadsCount(): number };
        active = { threads, build, actualThreads: Math.max(1, tfjs.getThreadsCount()) };
        return backend;
      },
      WASM_PRIORITY,
    );
    registered = { threads, wasmPaths };
  }
  registerWasmKernels({ fused: options.fused });
  const ok = await tf.setBackend('wasm');
  if (!ok || tf.getBackend() !== 'wasm' || !active) {
    throw runtimeError(`the wasm backend failed to start (tfjs is on '${tf.getBackend()}')`);
  }
  return active;
}
