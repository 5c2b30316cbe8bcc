/**
 * The `tensorflow` backend: @tensorflow/tfjs-node-gpu (CUDA) or @tensorflow/tfjs-node, optional peer dependencies
 * loaded by dynamic import. Either registers tfjs's 'tensorflow' backend when imported.
 */
import * as tf from '@tensorflow/tfjs-core';
import type { BackendInfo, SelectOptions } from '../types.js';

export const TFJS_NODE = '@tensorflow/tfjs-node';
export const TFJS_NODE_GPU = '@tensorflow/tfjs-node-gpu';

export const TENSORFLOW_INSTALL_HINT =
  'not installed: `npm install @tensorflow/tfjs-node@4.22.0` (CPU) or `@tensorflow/tfjs-node-gpu@4.22.0` (CUDA 11.2 + cuDNN 8.1)';

export interface TensorflowProbe {
  info: BackendInfo;
  /** Which package registered the backend. */
  module?: typeof TFJS_NODE | typeof TFJS_NODE_GPU;
}

function isNotFound(err: unknown): boolean {
  const code = (err as { code?: string } | undefined)?.code;
  return code === 'ERR_MODULE_NOT_FOUND' || code === 'MODULE_NOT_FOUND';
}

function firstLine(err: unknown): string {
  return (err instanceof Error ? err.message : String(err)).split('\n')[0];
}

/** Tries tfjs-node-gpu, then tfjs-node; says which one runs and on what device, or why neither does. */
export async function probeTensorflow(options: SelectOptions = {}): Promise<TensorflowProbe> {
  const load = options.importModule ?? ((s: string) => import(/* @vite-ignore */ s));
  const problems: string[] = [];
  for (const module of [TFJS_NODE_GPU, TFJS_NODE] as const) {
    try {
      await load(module);
    } catch (err) {
      if (!isNotFound(err)) problems.push(`${module} is installed but failed to load (${firstLine(err)})`);
      continue;
    }
    let backend: unknown;
    try {
      backend = tf.findBackend('tensorflow') ?? (await initialise());
    } catch (err) {
      problems.push(`${module} loaded but its backend failed to start (${firstLine(err)})`);
      continue;
    }
    if (!backend) {
      problems.push(`${module} loaded but registered no 'tensorflow' backend`);
      continue;
    }
    const gpu = (backend as { isUsingGpuDevice?: boolean }).isUsingGpuDevice === true;
    const device = gpu ? 'gpu' : 'cpu';
    return {
      module,
      info: {
        name: 'tensorflow',
        available: true,
        device,
        reason: `${module}: libtensorflow on the ${gpu ? 'CUDA GPU' : 'CPU'}`,
      },
    };
  }
  const reason = problems.length > 0 ? problems.join('; ') : TENSORFLOW_INSTALL_HINT;
  return { info: { name: 'tensorflow', available: false, reason } };
}

/** Starts a registered but not yet created 'tensorflow' backend without making it the active one. */
async function initialise(): Promise<unknown> {
  const engine = tf.engine() as unknown as {
    registryFactory: Record<string, unknown>;
    initializeBackend(n: string): unknown;
  };
  if (!('tensorflow' in engine.registryFactory)) return undefined;
  const result = engine.initializeBackend('tensorflow') as { success: boolean | Promise<boolean> } | undefined;
  if (result && (await result.success)) return tf.findBackend('tensorflow');
  return undefined;
}
