export { TENSORFLOW_INSTALL_HINT } from './adapters/tensorflow.js';
export { registerCpuKernels } from './cpu/register.js';
export { decideAuto, fusedKernelsOf, listBackends, selectBackend } from './select.js';
export type { BackendChoice, BackendInfo, BackendName, BackendRequest, SelectOptions } from './types.js';
export { BACKEND_NAMES, BACKEND_REQUESTS } from './types.js';
export type { WasmBuild } from './wasm/loader.js';
export { MAX_WASM_THREADS, WASM_VERSION } from './wasm/loader.js';
export { registerWasmKernels } from './wasm/register.js';
