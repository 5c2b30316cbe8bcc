/**
 * Our loader for tfjs-backend-wasm's Emscripten module, so that its threaded build runs in Node 20 (and with more than
 * half the cores anywhere). tfjs's own `init()` fails in Node for three reasons, each handled here through a documented
 * Emscripten `Module` hook rather than by patching tfjs:
 *
 * 1. `locateFile` hands Emscripten a real worker file (worker/wasm-pthread-worker.cjs) instead of a `blob:` URL,
 *    which Node's `Worker` rejects.
 * 2. `mainScriptUrlOrBlob` is the absolute path of the package's unbundled `wasm-out/*.js` script, so the worker loads
 *    code that refers to `require("os")` … and not to a bundler's `require$$0` / `commonjsGlobal`.
 * 3. `instantiateWasm` supplies the binary ourselves and answers the `emscripten_num_logical_cores` import with twice
 *    the threads asked for: tfjs's C++ caps the thread pool at half of that number.
 *
 * Tied to the pinned @tensorflow/tfjs-backend-wasm version (WASM_VERSION); loader.test.ts checks the hooks still bite.
 */
import { runtimeError } from '@selfsup/core';
import {
  isWasmMemory,
  type WasmImports,
  type WasmInstance,
  type WasmMemory,
  type WasmModule,
  wasmApi,
} from './webassembly.js';

/** The tfjs-backend-wasm version this loader was written and tested against. */
export const WASM_VERSION = '4.22.0';

/** Thread-pool workers the threaded build pre-creates (its PTHREAD_POOL_SIZE); more threads than this cannot start. */
export const MAX_WASM_THREADS = 8;

export type WasmBuild = 'threaded-simd' | 'simd' | 'plain';

/** The parts of the Emscripten module that BackendWasm and our kernels use. */
export interface EmscriptenWasmModule {
  cwrap(name: string, returnType: string | null, argTypes: string[]): (...args: number[]) => number;
  HEAPU8: Uint8Array;
  _malloc(bytes: number): number;
  _free(ptr: number): void;
  wasmMemory?: WasmMemory;
  asm?: Record<string, unknown>;
  PThread?: { unusedWorkers: WorkerLike[]; runningWorkers: WorkerLike[] };
  tfjs?: Record<string, (...args: number[]) => number>;
}

interface WorkerLike {
  unref?: () => void;
  terminate(): void;
}

interface EmscriptenConfig {
  locateFile(path: string, prefix: string): string;
  mainScriptUrlOrBlob?: string | Blob;
  instantiateWasm(
    imports: WasmImports,
    receive: (instance: WasmInstance, module: WasmModule) => void,
  ): Record<string, never>;
  onAbort?(what: unknown): void;
}

type Factory = (config: EmscriptenConfig) => Promise<EmscriptenWasmModule>;

export interface LoadWasmOptions {
  /** Threads for XNNPACK's pool, the calling thread included; 1 loads the single-threaded SIMD build. */
  threads: number;
  /**
   * Browser only: the URL folder that serves tfjs-backend-wasm's `wasm-out/` files (`…threaded-simd.js`,
   * `….wasm`). The page must be cross-origin isolated (COOP `same-origin` + COEP `require-corp`) for threads.
   */
  wasmPaths?: string;
}

export interface LoadedWasm {
  module: EmscriptenWasmModule;
  build: WasmBuild;
}

export const isNode = typeof process !== 'undefined' && typeof process.versions?.node === 'string';

/** Whether this runtime can run wasm threads (shared memory that can be posted to workers). */
export function threadsSupported(): boolean {
  if (typeof SharedArrayBuffer === 'undefined') return false;
  if (!isNode && !(globalThis as { crossOriginIsolated?: boolean }).crossOriginIsolated) return false;
  try {
    // A module with a shared memory and one atomic instruction (the same probe tfjs and wasm-feature-detect use).
    return wasmApi().validate(
      new Uint8Array([
        0, 97, 115, 109, 1, 0, 0, 0, 1, 4, 1, 96, 0, 0, 3, 2, 1, 0, 5, 4, 1, 3, 1, 1, 10, 11, 1, 9, 0, 65, 0, 254, 16,
        2, 0, 26, 11,
      ]),
    );
  } catch {
    return false;
  }
}

export function simdSupported(): boolean {
  try {
    return wasmApi().validate(
      new Uint8Array([
        0, 97, 115, 109, 1, 0, 0, 0, 1, 4, 1, 96, 0, 0, 3, 2, 1, 0, 10, 9, 1, 7, 0, 65, 0, 253, 15, 26, 11,
      ]),
    );
  } catch {
    return false;
  }
}

/** Cores this machine offers: `os.availableParallelism()` in Node, `navigator.hardwareConcurrency` in a browser. */
export async function logicalCores(): Promise<number> {
  if (isNode) {
    const os = await import('node:os');
    return typeof os.availableParallelism === 'function' ? os.availableParallelism() : os.cpus().length;
  }
  return (globalThis as { navigator?: { hardwareConcurrency?: number } }).navigator?.hardwareConcurrency ?? 1;
}

const FILE_BASE: Record<WasmBuild, string> = {
  'threaded-simd': 'tfjs-backend-wasm-threaded-simd',
  simd: 'tfjs-backend-wasm',
  plain: 'tfjs-backend-wasm',
};
const BINARY: Record<WasmBuild, string> = {
  'threaded-simd': 'tfjs-backend-wasm-threaded-simd.wasm',
  simd: 'tfjs-backend-wasm-simd.wasm',
  plain: 'tfjs-backend-wasm.wasm',
};

/** Loads and starts the Emscripten module of the build that fits `threads` and this runtime. */
export async function loadWasmModule(options: LoadWasmOptions): Promise<LoadedWasm> {
  const simd = simdSupported();
  const build: WasmBuild =
    options.threads > 1 && simd && threadsSupported() ? 'threaded-simd' : simd ? 'simd' : 'plain';
  const files = isNode ? await nodeFiles(build) : await browserFiles(build, options.wasmPaths);
  const bytes = await files.readBinary();
  const factory = await importFactory(build);
  const coresForCap = 2 * Math.max(1, options.threads);
  let aborted: unknown;
  const config: EmscriptenConfig = {
    locateFile: (path) => (path.endsWith('.worker.js') ? files.workerUrl() : files.dir + path),
    instantiateWasm(imports, receive) {
      const env = { ...imports.env };
      if (build === 'threaded-simd') {
        if (typeof env.emscripten_num_logical_cores !== 'function') {
          throw runtimeError(
            `tfjs-backend-wasm ${WASM_VERSION} layout changed: no emscripten_num_logical_cores import`,
          );
        }
        env.emscripten_num_logical_cores = () => coresForCap;
      }
      const patched = { ...imports, env, wasi_snapshot_preview1: env };
      wasmApi()
        .instantiate(bytes, patched)
        .then(
          (r) => receive(r.instance, r.module),
          (err: unknown) => {
            aborted = err;
          },
        );
      return {};
    },
    onAbort(what) {
      aborted = what;
    },
  };
  if (build === 'threaded-simd') config.mainScriptUrlOrBlob = files.mainScript;
  let module: EmscriptenWasmModule;
  try {
    module = await factory(config);
  } catch (err) {
    throw runtimeError(`could not start the wasm backend (${build}): ${describe(aborted ?? err)}`, err);
  }
  module.tfjs = {
    init: module.cwrap('init', null, []),
    initWithThreadsCount: module.cwrap('init_with_threads_count', null, ['number']),
    getThreadsCount: module.cwrap('get_threads_count', 'number', []),
    registerTensor: module.cwrap('register_tensor', null, ['number', 'number', 'number']),
    disposeData: module.cwrap('dispose_data', null, ['number']),
    dispose: module.cwrap('dispose', null, []),
  };
  return { module, build };
}

/**
 * After the thread pool has started: lets Node exit while pool threads idle (Emscripten refs a worker when it runs a
 * thread) and ends the pre-created workers the pool did not take (each holds a V8 isolate, ~10 MB).
 */
export function settleWorkers(module: EmscriptenWasmModule): void {
  const pthread = module.PThread;
  if (!pthread) return;
  for (const w of pthread.runningWorkers) w.unref?.();
  for (const w of pthread.unusedWorkers) w.terminate();
  pthread.unusedWorkers.length = 0;
}

/** The wasm memory a module runs in (shared in the threaded build). */
export function moduleMemory(module: EmscriptenWasmModule): WasmMemory {
  if (isWasmMemory(module.wasmMemory)) return module.wasmMemory;
  for (const value of Object.values(module.asm ?? {})) if (isWasmMemory(value)) return value;
  throw runtimeError(`tfjs-backend-wasm ${WASM_VERSION} layout changed: its module exposes no memory`);
}

interface BuildFiles {
  dir: string;
  mainScript: string;
  workerUrl(): string;
  readBinary(): Promise<Uint8Array>;
}

async function nodeFiles(build: WasmBuild): Promise<BuildFiles> {
  const { createRequire } = await import('node:module');
  const { readFile } = await import('node:fs/promises');
  const { dirname, join } = await import('node:path');
  const require = createRequire(import.meta.url);
  const dir = join(dirname(require.resolve('@tensorflow/tfjs-backend-wasm/package.json')), 'wasm-out') + '/';
  return {
    dir,
    mainScript: join(dir, `${FILE_BASE[build]}.js`),
    workerUrl: () => require.resolve('@selfsup/backends/wasm-pthread-worker.cjs'),
    readBinary: async () => new Uint8Array(await readFile(join(dir, BINARY[build]))),
  };
}

async function browserFiles(build: WasmBuild, wasmPaths: string | undefined): Promise<BuildFiles> {
  const dir = wasmPaths ?? '';
  let workerUrl = '';
  if (build === 'threaded-simd') {
    if (!wasmPaths) {
      throw runtimeError(
        'wasm threads in a browser need `wasmPaths`: the URL folder serving tfjs-backend-wasm/wasm-out/',
      );
    }
    // A blob: worker is fine in a browser; it importScripts() the main script from `mainScriptUrlOrBlob`, a real URL.
    // Its source ships as a CommonJS file exporting one string: fetch it from the same folder and evaluate that.
    const response = await fetch(`${dir}tfjs-backend-wasm-threaded-simd.worker.js`, { credentials: 'same-origin' });
    if (!response.ok)
      throw runtimeError(`could not fetch ${dir}tfjs-backend-wasm-threaded-simd.worker.js: HTTP ${response.status}`);
    const holder = { exports: {} as { wasmWorkerContents?: string } };
    new Function('module', 'exports', await response.text())(holder, holder.exports);
    const wasmWorkerContents = holder.exports.wasmWorkerContents ?? '';
    const source = wasmWorkerContents.replace(/\n/g, '\\n');
    workerUrl = URL.createObjectURL(new Blob([source], { type: 'application/javascript' }));
  }
  return {
    dir,
    mainScript: `${dir}${FILE_BASE[build]}.js`,
    workerUrl: () => workerUrl,
    readBinary: async () => {
      const response = await fetch(`${dir}${BINARY[build]}`, { credentials: 'same-origin' });
      if (!response.ok) throw runtimeError(`could not fetch ${dir}${BINARY[build]}: HTTP ${response.status}`);
      return new Uint8Array(await response.arrayBuffer());
    },
  };
}

async function importFactory(build: WasmBuild): Promise<Factory> {
  const mod =
    build === 'threaded-simd'
      ? await import('@tensorflow/tfjs-backend-wasm/wasm-out/tfjs-backend-wasm-threaded-simd.js')
      : await import('@tensorflow/tfjs-backend-wasm/wasm-out/tfjs-backend-wasm.js');
  const factory = ((mod as { default?: unknown }).default ?? mod) as Factory;
  if (typeof factory !== 'function')
    throw runtimeError(`tfjs-backend-wasm ${WASM_VERSION}: no module factory in wasm-out`);
  return factory;
}

function describe(err: unknown): string {
  if (err instanceof Error) return err.message;
  if (err && typeof err === 'object' && 'message' in err) return String((err as { message: unknown }).message);
  return String(err);
}
