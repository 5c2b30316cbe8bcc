/**
 * Sum for wasm without a transpose when the leading axes are reduced. tfjs-backend-wasm sums along the last axes only,
 * so for any other axes it first transposes with its general element-by-element path. Every bias gradient is such a
 * sum (dy [N, C] → [C] over the rows): on a bert-tiny step those took a fifth of the kernel time. Here a reduction
 * over a leading run of axes (float32 or int32) adds whole rows into a float64 accumulator in one pass over the data;
 * an empty input gives zeros (tfjs-backend-wasm 4.22 returns whatever the new buffer held); anything else goes to
 * the package's own kernel.
 */
import { type KernelConfig, type KernelFunc, Sum, type TensorInfo, util } from '@tensorflow/tfjs-core';
import { sizeOf } from '../../fused/io.js';
import { asWasm, f32View, i32View } from '../heap.js';

type Args = { inputs: { x: TensorInfo }; attrs: { axis: number | number[]; keepDims: boolean }; backend: unknown };

/** out[j] = Σ_i x[i·cols + j] for `rows` rows, added in float64. */
export function sumRows(
  x: Float32Array | Int32Array,
  rows: number,
  cols: number,
  out: Float32Array | Int32Array,
): void {
  const acc = new Float64Array(cols);
  for (let i = 0, o = 0; i < rows; i++, o += cols) {
    for (let j = 0; j < cols; j++) acc[j] += x[o + j];
  }
  for (let j = 0; j < cols; j++) out[j] = acc[j];
}

export function makeSumConfig(original: KernelConfig): KernelConfig {
  const fallback = original.kernelFunc as unknown as (args: Args) => TensorInfo;
  const kernelFunc = (args: Args): TensorInfo => {
    const { x } = args.inputs;
    if (x.dtype !== 'float32' && x.dtype !== 'int32') return fallback(args);
    const rank = x.shape.length;
    const axes = [...new Set(util.parseAxisParam(args.attrs.axis, x.shape))].sort((a, b) => a - b);
    const leading = axes.every((a, i) => a === i) ? axes.length : 0;
    const empty = sizeOf(x.shape) === 0;
    if (!empty && (leading === 0 || leading === rank)) return fallback(args);
    const backend = asWasm(args.backend);
    const reduced = new Set(axes);
    const kept = x.shape.filter((_, i) => !reduced.has(i));
    const out = backend.makeOutput(
      args.attrs.keepDims ? x.shape.map((d, i) => (reduced.has(i) ? 1 : d)) : kept,
      x.dtype,
    );
    const view = x.dtype === 'float32' ? f32View : i32View;
    const o = view(backend, out);
    if (empty) o.fill(0);
    else sumRows(view(backend, x), sizeOf(x.shape.slice(0, leading)), o.length, o);
    return out;
  };
  return {
    kernelName: Sum,
    backendName: 'wasm',
    setupFunc: original.setupFunc,
    kernelFunc: kernelFunc as unknown as KernelFunc,
  };
}
