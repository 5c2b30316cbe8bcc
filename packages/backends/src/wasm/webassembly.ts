/**
 * The slice of the WebAssembly JS API we use, typed here: the workspace compiles without the DOM lib (and other
 * packages type-check our sources with their own settings), where `WebAssembly` has no types.
 */
export interface WasmMemory {
  readonly buffer: ArrayBuffer | SharedArrayBuffer;
  grow(pages: number): number;
}
export type WasmImports = Record<string, Record<string, unknown>>;
export interface WasmInstance {
  readonly exports: Record<string, unknown>;
}
export type WasmModule = object;

interface WebAssemblyApi {
  Memory: new (descriptor: { initial: number; maximum?: number; shared?: boolean }) => WasmMemory;
  Module: new (bytes: Uint8Array) => WasmModule;
  Instance: new (module: WasmModule, imports: WasmImports) => WasmInstance;
  instantiate(bytes: Uint8Array, imports: WasmImports): Promise<{ instance: WasmInstance; module: WasmModule }>;
  validate(bytes: Uint8Array): boolean;
}

export const WA: WebAssemblyApi | undefined = (globalThis as unknown as { WebAssembly?: WebAssemblyApi }).WebAssembly;

export function wasmApi(): WebAssemblyApi {
  if (!WA) throw new Error('this runtime has no WebAssembly');
  return WA;
}

export function isWasmMemory(value: unknown): value is WasmMemory {
  return !!WA && value instanceof (WA.Memory as unknown as new () => object);
}
