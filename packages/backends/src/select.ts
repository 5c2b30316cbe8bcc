/**
 * `selectBackend` and `listBackends`: which tfjs backend runs, and why. `auto` takes the fastest that is here:
 * tensorflow on a CUDA GPU > WebGPU on a real (not software) adapter > tensorflow on the CPU > wasm > cpu.
 * A backend the user names must start and stay active; tfjs quietly falling back to another is an error here.
 */
import { runtimeError, usageError } from '@selfsup/core';
import * as tf from '@tensorflow/tfjs-core';
import { probeCpu } from './adapters/cpu.js';
import { probeTensorflow } from './adapters/tensorflow.js';
import { activateWasm, probeWasm } from './adapters/wasm.js';
import { probeWebgl } from './adapters/webgl.js';
import { ensureGpu, probeWebgpu } from './adapters/webgpu.js';
import { registerWebgpuBackend } from './adapters/webgpu-backend.js';
import { registerCpuKernels } from './cpu/register.js';
import {
  BACKEND_REQUESTS,
  type BackendChoice,
  type BackendInfo,
  type BackendName,
  type BackendRequest,
  type SelectOptions,
} from './types.js';
import { registerWebgpuKernels } from './webgpu/register.js';

/** What each backend would be here, in `auto`'s order of preference. Starts nothing but optional imports. */
export async function listBackends(options: SelectOptions = {}): Promise<BackendInfo[]> {
  const tensorflow = (await probeTensorflow(options)).info;
  return [tensorflow, await probeWebgpu(options), await probeWasm(options), probeWebgl(), probeCpu()];
}

/** `auto`'s pick from a list made by `listBackends`, with the reason (pure: unit-testable). */
export function decideAuto(infos: BackendInfo[]): { name: BackendName; reason: string } {
  const by = (n: BackendName) => infos.find((i) => i.name === n);
  const passed: string[] = [];
  const tensorflow = by('tensorflow');
  if (tensorflow?.available && tensorflow.device === 'gpu')
    return { name: 'tensorflow', reason: `auto: ${tensorflow.reason}` };
  passed.push(`tensorflow-gpu: ${tensorflow?.available ? 'no CUDA device' : (tensorflow?.reason ?? 'not probed')}`);
  const webgpu = by('webgpu');
  if (webgpu?.available && !webgpu.software)
    return { name: 'webgpu', reason: `auto: ${webgpu.reason}; passed over ${passed.join('; ')}` };
  passed.push(`webgpu: ${webgpu?.reason ?? 'not probed'}`);
  if (tensorflow?.available)
    return { name: 'tensorflow', reason: `auto: ${tensorflow.reason}; passed over ${passed.join('; ')}` };
  const wasm = by('wasm');
  if (wasm?.available) return { name: 'wasm', reason: `auto: ${wasm.reason}; passed over ${passed.join('; ')}` };
  passed.push(`wasm: ${wasm?.reason ?? 'not probed'}`);
  return { name: 'cpu', reason: `auto: cpu, the fallback; passed over ${passed.join('; ')}` };
}

/** Makes a backend active (after registering our kernels for it) and says what runs and why. */
export async function selectBackend(
  request: BackendRequest = 'auto',
  options: SelectOptions = {},
): Promise<BackendChoice> {
  if (!BACKEND_REQUESTS.includes(request)) {
    throw usageError(`unknown backend '${request}' (expected one of ${BACKEND_REQUESTS.join(', ')})`);
  }
  if (request === 'auto') {
    const infos = await listBackends(options);
    const { name, reason } = decideAuto(infos);
    const choice = await activate(name, infos.find((i) => i.name === name)!, options);
    return { ...choice, reason };
  }
  const info = await probe(request, options);
  if (!info.available) throw runtimeError(`backend '${request}' is not available here: ${info.reason}`);
  return activate(request, info, options);
}

async function probe(name: BackendName, options: SelectOptions): Promise<BackendInfo> {
  switch (name) {
    case 'tensorflow':
      return (await probeTensorflow(options)).info;
    case 'webgpu':
      return probeWebgpu(options);
    case 'wasm':
      return probeWasm(options);
    case 'webgl':
      return probeWebgl();
    case 'cpu':
      return probeCpu();
  }
}

async function activate(name: BackendName, info: BackendInfo, options: SelectOptions): Promise<BackendChoice> {
  let choice: Omit<BackendChoice, 'fusedKernels'>;
  switch (name) {
    case 'wasm': {
      const w = await activateWasm(options);
      const threads = w.actualThreads;
      choice = {
        name,
        threads,
        build: w.build,
        reason: `WebAssembly (${w.build}), ${threads} thread${threads === 1 ? '' : 's'}`,
      };
      break;
    }
    case 'cpu':
      registerCpuKernels({ fused: options.fused });
      await setStrict('cpu');
      choice = { name, reason: info.reason };
      break;
    case 'webgpu': {
      const gpu = await ensureGpu(options);
      if (typeof gpu === 'string') throw runtimeError(`backend 'webgpu' is not available here: ${gpu}`);
      await registerWebgpuBackend(gpu);
      registerWebgpuKernels({ fused: options.fused });
      await setStrict('webgpu');
      choice = { name, adapter: info.adapter, reason: info.reason };
      break;
    }
    case 'webgl':
      await import('@tensorflow/tfjs-backend-webgl');
      await setStrict('webgl');
      choice = { name, reason: info.reason };
      break;
    case 'tensorflow':
      await setStrict('tensorflow');
      choice = { name, device: info.device, reason: info.reason };
      break;
  }
  return { ...choice, fusedKernels: fusedKernelsOf(name) };
}

/** `tf.setBackend` that fails loudly instead of leaving tfjs on some other backend. */
async function setStrict(name: BackendName): Promise<void> {
  let ok = false;
  try {
    ok = await tf.setBackend(name);
  } catch (err) {
    throw runtimeError(`backend '${name}' failed to start: ${(err as Error).message}`, err);
  }
  const now = tf.getBackend();
  if (!ok || now !== name) throw runtimeError(`backend '${name}' failed to start (tfjs fell back to '${now}')`);
}

/** Names of our fused kernels registered for a backend. */
export function fusedKernelsOf(name: BackendName): string[] {
  return tf
    .getKernelsForBackend(name)
    .map((k) => k.kernelName)
    .filter((k) => k.startsWith('Selfsup'))
    .sort();
}
