/**
 * Runs one workload on several backends and compares every output with the first backend's (the reference, usually
 * cpu): how `selfsup backends --verify` and the WebGPU parity test check that a backend computes what cpu does.
 */
import * as tf from '@tensorflow/tfjs-core';
import { selectBackend } from '../select.js';
import type { BackendName, SelectOptions } from '../types.js';

export interface BackendComparison {
  backend: BackendName;
  /** Largest |x − reference| over all outputs. */
  maxAbsDiff: number;
  /** Per output: largest |x − reference| / max(1, max |reference|). */
  relDiffs: number[];
  /** Whether every output stays within `tolerance` (relative, as in relDiffs). */
  ok: boolean;
  error?: string;
}

export async function compareBackends(
  workload: () => tf.Tensor[],
  backends: BackendName[],
  options: SelectOptions & { tolerance?: number } = {},
): Promise<BackendComparison[]> {
  const tolerance = options.tolerance ?? 1e-4;
  let reference: Float32Array[] | undefined;
  const results: BackendComparison[] = [];
  for (const backend of backends) {
    let outputs: Float32Array[];
    try {
      await selectBackend(backend, options);
      const tensors = workload();
      // data(), not dataSync(): WebGPU in Node cannot read synchronously.
      outputs = await Promise.all(tensors.map(async (t) => Float32Array.from(await t.data())));
      tf.dispose(tensors);
    } catch (err) {
      results.push({ backend, maxAbsDiff: Number.NaN, relDiffs: [], ok: false, error: (err as Error).message });
      continue;
    }
    if (!reference) reference = outputs;
    const relDiffs = outputs.map((o, i) => relDiff(o, reference![i]));
    const maxAbsDiff = Math.max(0, ...outputs.map((o, i) => absDiff(o, reference![i])));
    results.push({ backend, maxAbsDiff, relDiffs, ok: relDiffs.every((d) => d <= tolerance) });
  }
  return results;
}

function absDiff(a: Float32Array, b: Float32Array): number {
  if (a.length !== b.length) return Number.POSITIVE_INFINITY;
  let d = 0;
  for (let i = 0; i < a.length; i++) d = Math.max(d, Math.abs(a[i] - b[i]));
  return Number.isNaN(d) ? Number.POSITIVE_INFINITY : d;
}

function relDiff(a: Float32Array, b: Float32Array): number {
  let scale = 1;
  for (let i = 0; i < b.length; i++) scale = Math.max(scale, Math.abs(b[i]));
  return absDiff(a, b) / scale;
}
