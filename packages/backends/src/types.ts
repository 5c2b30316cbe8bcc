/** Names and results of backend selection (DESIGN.md §2: `selectBackend`, `listBackends`). */
import type { WasmBuild } from './wasm/loader.js';

/** What a user may ask for. */
export type BackendRequest = 'auto' | BackendName;

/** A backend we can run on. `tensorflow` is tfjs-node (CPU) or tfjs-node-gpu (CUDA). */
export type BackendName = 'wasm' | 'cpu' | 'webgpu' | 'webgl' | 'tensorflow';

export const BACKEND_NAMES: readonly BackendName[] = ['tensorflow', 'webgpu', 'wasm', 'webgl', 'cpu'];
export const BACKEND_REQUESTS: readonly BackendRequest[] = ['auto', 'wasm', 'cpu', 'webgpu', 'webgl', 'tensorflow'];

export interface BackendChoice {
  /** The tfjs backend now active (`tf.getBackend()`). */
  name: BackendName;
  /** Why this one: for `auto`, what was tried before it and why it was passed over. */
  reason: string;
  /** wasm: threads in XNNPACK's pool (the calling thread included). */
  threads?: number;
  /** wasm: which Emscripten build runs. */
  build?: WasmBuild;
  /** webgpu: the adapter, e.g. "nvidia ampere" or "google swiftshader (software)". */
  adapter?: string;
  /** tensorflow: whether libtensorflow runs on a CUDA GPU or the CPU. */
  device?: 'gpu' | 'cpu';
  /** Fused kernels (packages/core/src/fused-kernels.ts) registered for this backend. */
  fusedKernels: string[];
}

export interface BackendInfo {
  name: BackendName;
  available: boolean;
  /** One line: what was found, or why it cannot run (with how to fix it where there is a fix). */
  reason: string;
  threads?: number;
  adapter?: string;
  /** webgpu: the adapter is a software rasteriser (SwiftShader, llvmpipe): correct, not fast. */
  software?: boolean;
  device?: 'gpu' | 'cpu';
}

export interface SelectOptions {
  /** wasm threads (default: every core this machine offers, at most 8). */
  threads?: number;
  /** Register our fused kernels (default true). */
  fused?: boolean;
  /** Browser: URL folder serving tfjs-backend-wasm's `wasm-out/` files (needed for threads). */
  wasmPaths?: string;
  /** For tests: loads an optional module by name (default: dynamic `import`). */
  importModule?: (specifier: string) => Promise<unknown>;
}
