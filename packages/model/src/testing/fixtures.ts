/** Test support (not exported): the PyTorch fixtures and backend setup. */
import { fileURLToPath } from 'node:url';
import { selectBackend } from '@selfsup/backends';
import { readSafetensors, toFloat32 } from '@selfsup/core';
import * as tf from '@tensorflow/tfjs-core';
import '@tensorflow/tfjs-backend-cpu';

export const FIXTURES_DIR = fileURLToPath(new URL('../../fixtures/', import.meta.url));

export interface Expected {
  inputs: tf.Tensor2D;
  labels: tf.Tensor2D;
  attentionMask?: tf.Tensor2D;
  tokenTypeIds?: tf.Tensor2D;
  logits: Float32Array;
  loss: number;
  grads: Map<string, Float32Array>;
  dispose(): void;
}

/** The inputs and expected outputs PyTorch computed for fixture `name` (tensors on the active backend). */
export function readExpected(name: string): Expected {
  const { tensors } = readSafetensors(`${FIXTURES_DIR}${name}/expected.safetensors`);
  const ints = (key: string) => {
    const view = tensors.get(key);
    if (!view) return undefined;
    return tf.tensor2d(Int32Array.from(toFloat32(view)), view.shape as [number, number], 'int32');
  };
  const grads = new Map<string, Float32Array>();
  for (const [key, view] of tensors) if (key.startsWith('grad.')) grads.set(key.slice(5), toFloat32(view).slice());
  const out = {
    inputs: ints('inputs')!,
    labels: ints('labels')!,
    attentionMask: ints('attention_mask'),
    tokenTypeIds: ints('token_type_ids'),
    logits: toFloat32(tensors.get('logits')!).slice(),
    loss: toFloat32(tensors.get('loss')!)[0],
    grads,
    dispose() {
      tf.dispose([
        out.inputs,
        out.labels,
        ...(out.attentionMask ? [out.attentionMask] : []),
        ...(out.tokenTypeIds ? [out.tokenTypeIds] : []),
      ]);
    },
  };
  return out;
}

export function maxAbsDiff(a: ArrayLike<number>, b: ArrayLike<number>): number {
  if (a.length !== b.length) return Number.POSITIVE_INFINITY;
  let m = 0;
  for (let i = 0; i < a.length; i++) m = Math.max(m, Math.abs(a[i] - b[i]));
  return Number.isNaN(m) ? Number.POSITIVE_INFINITY : m;
}

/** Gradients of the loss keyed by Hugging Face parameter name. */
export function lossAndGrads(
  model: { params: ReadonlyMap<string, tf.Variable>; loss: (i: tf.Tensor2D, l: tf.Tensor2D, o?: object) => tf.Scalar },
  inputs: tf.Tensor2D,
  labels: tf.Tensor2D,
  options: object = {},
): { loss: number; grads: Map<string, Float32Array> } {
  const vars = [...model.params.values()];
  const { value, grads } = tf.variableGrads(() => model.loss(inputs, labels, options), vars);
  const byName = new Map<string, Float32Array>();
  for (const [name, v] of model.params) byName.set(name, grads[v.name].dataSync() as Float32Array);
  const loss = value.dataSync()[0];
  value.dispose();
  tf.dispose(grads);
  return { loss, grads: byName };
}

/**
 * Makes `name` the active backend: cpu is tfjs's plain cpu backend (no fused kernels: the composite baseline); wasm
 * comes from @selfsup/backends' `selectBackend`, which also registers the fused kernels and the ones
 * tfjs-backend-wasm lacks (UnsortedSegmentSum, the embedding gradient).
 */
export async function useBackend(name: 'cpu' | 'wasm'): Promise<boolean> {
  if (name === 'cpu') {
    await tf.setBackend('cpu');
    return true;
  }
  await selectBackend(name);
  await tf.ready();
  return tf.getBackend() === name;
}
