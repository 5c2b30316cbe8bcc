/**
 * GatherV2 for wasm that copies whole runs of values. tfjs-backend-wasm 4.22 computes every element's source index on
 * its own (18 ms for an embedding lookup of 4,096 rows of 128 floats, where copying the rows takes well under one),
 * and with `batchDims` > 0 it gathers from the wrong batch (tf.gather(x [3, 7, 2], ids [3, 4], 1, 1) differs from
 * cpu). Here, for 4-byte dtypes: out[b, o, k, :] = x[b, o, ids[b, k], :] with b over the batch dimensions, o over the
 * axes before `axis`, k over the remaining index axes, and `:` the axes after `axis` copied as one run. 1-byte dtypes
 * and any index out of range go to the package's own kernel.
 */
import { type KernelConfig, type TensorInfo, util } from '@tensorflow/tfjs-core';
import { sizeOf } from '../../fused/io.js';
import { addressOf, asWasm, i32View, memoryOf } from '../heap.js';
import { wrapKernel } from './wrap.js';

type Args = {
  inputs: { x: TensorInfo; indices: TensorInfo };
  attrs: { axis: number | number[]; batchDims: number };
  backend: unknown;
};

export function makeGatherV2Config(original: KernelConfig): KernelConfig {
  return wrapKernel<Args>(original, (args, fallback) => {
    const { x, indices } = args.inputs;
    if ((x.dtype !== 'float32' && x.dtype !== 'int32') || indices.dtype !== 'int32' || x.shape.length === 0) {
      return fallback(args);
    }
    const axis = util.parseAxisParam(args.attrs.axis, x.shape)[0];
    let batchDims = args.attrs.batchDims ?? 0;
    if (batchDims < 0) batchDims += indices.shape.length;
    const backend = asWasm(args.backend);
    const axisDim = x.shape[axis];
    const ids = i32View(backend, indices);
    for (let i = 0; i < ids.length; i++) if (ids[i] < 0 || ids[i] >= axisDim) return fallback(args);
    const batch = sizeOf(x.shape.slice(0, batchDims));
    const outer = sizeOf(x.shape.slice(batchDims, axis));
    const inner = sizeOf(x.shape.slice(axis + 1));
    const perBatch = sizeOf(indices.shape.slice(batchDims));
    const out = backend.makeOutput(
      [...x.shape.slice(0, axis), ...indices.shape.slice(batchDims), ...x.shape.slice(axis + 1)],
      x.dtype,
    );
    if (inner === 0 || perBatch === 0 || batch * outer === 0) return out;
    // 4-byte elements: copy on a word view of the heap (views made after the output's allocation).
    const heap = new Int32Array(memoryOf(backend).buffer);
    const idv = i32View(backend, indices);
    const src = addressOf(backend, x) / 4;
    let dst = addressOf(backend, out) / 4;
    for (let b = 0; b < batch; b++) {
      for (let o = 0; o < outer; o++) {
        const base = src + (b * outer + o) * axisDim * inner;
        for (let k = 0; k < perBatch; k++) {
          const from = base + idv[b * perBatch + k] * inner;
          if (inner === 1) heap[dst] = heap[from];
          else heap.copyWithin(dst, from, from + inner);
          dst += inner;
        }
      }
    }
    return out;
  });
}
