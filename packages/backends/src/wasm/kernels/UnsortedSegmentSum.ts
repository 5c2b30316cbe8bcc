/** UnsortedSegmentSum for wasm (tfjs-backend-wasm has none): the gradient of `gather`, so of every embedding. */
import { type KernelConfig, type KernelFunc, type TensorInfo, UnsortedSegmentSum } from '@tensorflow/tfjs-core';
import { sizeOf } from '../../fused/io.js';
import { unsortedSegmentSum } from '../../kernels-js/segment-sum.js';
import { asWasm, f32View, i32View } from '../heap.js';

function unsortedSegmentSumWasm(args: {
  inputs: { x: TensorInfo; segmentIds: TensorInfo };
  attrs: { numSegments: number };
  backend: unknown;
}) {
  const backend = asWasm(args.backend);
  const { x, segmentIds } = args.inputs;
  const { numSegments } = args.attrs;
  const rest = x.shape.slice(segmentIds.shape.length);
  const inner = sizeOf(rest);
  if (x.dtype !== 'float32' && x.dtype !== 'int32') throw new Error(`UnsortedSegmentSum: unsupported dtype ${x.dtype}`);
  const out = backend.makeOutput([numSegments, ...rest], x.dtype);
  const view = x.dtype === 'float32' ? f32View : i32View;
  unsortedSegmentSum(view(backend, x), i32View(backend, segmentIds), inner, numSegments, view(backend, out));
  return out;
}

export const unsortedSegmentSumConfig: KernelConfig = {
  kernelName: UnsortedSegmentSum,
  backendName: 'wasm',
  kernelFunc: unsortedSegmentSumWasm as unknown as KernelFunc,
};
