/**
 * The `webgpu` backend: tfjs-backend-webgpu on the browser's `navigator.gpu`, or in Node on Dawn through the optional
 * npm package `webgpu`. On a machine with no GPU, Chromium's SwiftShader Vulkan driver gives Node a software adapter
 * (`VK_ICD_FILENAMES=/usr/lib/chromium/vk_swiftshader_icd.json`, and `LD_LIBRARY_PATH=/usr/lib/chromium` where the
 * system has no libvulkan.so.1): correct, not fast, so `auto` never picks it.
 */

import type { BackendInfo, SelectOptions } from '../types.js';
import { isNode } from '../wasm/loader.js';

interface GpuAdapterLike {
  isFallbackAdapter?: boolean;
  info?: { vendor?: string; architecture?: string; device?: string; description?: string };
}
interface GpuLike {
  requestAdapter(options?: object): Promise<GpuAdapterLike | null>;
}

const SOFTWARE = /swiftshader|llvmpipe|lavapipe|softpipe|software|basic render/i;
const SWIFTSHADER_HINT =
  " (without a GPU, Chromium's SwiftShader works for testing: VK_ICD_FILENAMES=/usr/lib/chromium/vk_swiftshader_icd.json LD_LIBRARY_PATH=/usr/lib/chromium)";

let nodeGpu: Promise<GpuLike | string> | undefined;

/** `navigator.gpu`, installing Dawn's in Node when the `webgpu` package is there; a string says why there is none. */
export async function ensureGpu(options: SelectOptions = {}): Promise<GpuLike | string> {
  const nav = (globalThis as { navigator?: { gpu?: GpuLike } }).navigator;
  if (nav?.gpu) return nav.gpu;
  if (!isNode) return 'this browser has no navigator.gpu (WebGPU is off or unsupported)';
  const install = async (): Promise<GpuLike | string> => {
    const load = options.importModule ?? ((s: string) => import(/* @vite-ignore */ s));
    if (!options.importModule && !(await vulkanLoaderFound())) {
      // Without it Dawn finds no adapter anyway, after printing a warning on stderr (every command would show it).
      return `no Vulkan loader (libvulkan.so.1) on this Linux machine, so no WebGPU adapter${SWIFTSHADER_HINT}`;
    }
    let mod: { create(flags: string[]): GpuLike; globals: Record<string, unknown> };
    try {
      mod = (await load('webgpu')) as typeof mod;
    } catch (err) {
      return `the optional npm package 'webgpu' (Dawn for Node) is not installed or failed to load (${(err as Error).message?.split('\n')[0]})`;
    }
    for (const [k, v] of Object.entries(mod.globals))
      if (!(k in globalThis)) (globalThis as Record<string, unknown>)[k] = v;
    const gpu = mod.create([]);
    const g = globalThis as unknown as { navigator?: object };
    if (g.navigator) Object.defineProperty(g.navigator, 'gpu', { value: gpu, configurable: true });
    else Object.defineProperty(globalThis, 'navigator', { value: { gpu }, configurable: true, writable: true });
    return gpu;
  };
  // Cached for the process (Dawn is set up once); a test's own importer is never cached.
  if (options.importModule) return install();
  nodeGpu ??= install();
  return nodeGpu;
}

/**
 * Linux: whether the Vulkan loader Dawn opens (libvulkan.so.1) is on LD_LIBRARY_PATH or known to the dynamic linker
 * (/etc/ld.so.cache, the usual lib folders). Other systems need no check (Metal, D3D12).
 */
async function vulkanLoaderFound(): Promise<boolean> {
  if (process.platform !== 'linux') return true;
  const { existsSync, readFileSync } = await import('node:fs');
  const { join } = await import('node:path');
  const dirs = [
    ...(process.env.LD_LIBRARY_PATH ?? '').split(':').filter(Boolean),
    '/usr/lib/x86_64-linux-gnu',
    '/usr/lib/aarch64-linux-gnu',
    '/usr/lib64',
    '/usr/lib',
    '/lib/x86_64-linux-gnu',
    '/lib64',
  ];
  if (dirs.some((d) => existsSync(join(d, 'libvulkan.so.1')))) return true;
  try {
    return readFileSync('/etc/ld.so.cache').includes('libvulkan.so.1');
  } catch {
    return false;
  }
}

export function describeAdapter(adapter: GpuAdapterLike): { name: string; software: boolean } {
  const info = adapter.info ?? {};
  const parts = [info.vendor, info.architecture, info.device, info.description].filter((p) => p && p.length > 0);
  const name = parts.length > 0 ? [...new Set(parts)].join(' ') : 'unnamed adapter';
  const software = adapter.isFallbackAdapter === true || SOFTWARE.test(name);
  return { name, software };
}

export async function probeWebgpu(options: SelectOptions = {}): Promise<BackendInfo> {
  const gpu = await ensureGpu(options);
  if (typeof gpu === 'string') return { name: 'webgpu', available: false, reason: gpu };
  let adapter: GpuAdapterLike | null = null;
  try {
    adapter = await gpu.requestAdapter({ powerPreference: 'high-performance' });
  } catch (err) {
    return { name: 'webgpu', available: false, reason: `requestAdapter failed: ${(err as Error).message}` };
  }
  if (!adapter) {
    const hint = isNode ? ` (no GPU driver found; ${SWIFTSHADER_HINT.slice(2)}` : '';
    return { name: 'webgpu', available: false, reason: `no WebGPU adapter${hint}` };
  }
  const { name, software } = describeAdapter(adapter);
  return {
    name: 'webgpu',
    available: true,
    adapter: software ? `${name} (software)` : name,
    software,
    reason: software ? `adapter '${name}' is a software rasteriser: correct but slow` : `adapter '${name}'`,
  };
}
