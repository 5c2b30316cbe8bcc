/** Helpers shared by our WebGPU kernels (one kernel per file beside this one). */
import type { KernelConfig, KernelFunc, NamedAttrMap, TensorInfo } from '@tensorflow/tfjs-core';

export type Args = { inputs: Record<string, TensorInfo>; attrs?: NamedAttrMap; backend: unknown };

export const sizeOf = (shape: readonly number[]) => shape.reduce((a, b) => a * b, 1);
export const last = (t: TensorInfo) => t.shape[t.shape.length - 1];

export function webgpuConfig(kernelName: string, kernelFunc: (args: Args) => TensorInfo | TensorInfo[]): KernelConfig {
  return { kernelName, backendName: 'webgpu', kernelFunc: kernelFunc as unknown as KernelFunc };
}

/** √(2/π) for GELU's tanh form. */
export const K0 = Math.sqrt(2 / Math.PI).toPrecision(9);

/** WGSL: the mean of row `r` of X (C = uniforms.cols), as `mean`. */
export const ROW_MEAN = `
  var s = 0.0;
  for (var j = 0; j < uniforms.cols; j++) { s += X[r * uniforms.cols + j]; }
  let mean = s / f32(uniforms.cols);`;

/** WGSL: 1 / sqrt(var + eps) of row `r` (after ROW_MEAN), as `rstd`. */
export const ROW_RSTD = `
  var v = 0.0;
  for (var j = 0; j < uniforms.cols; j++) { let d = X[r * uniforms.cols + j] - mean; v += d * d; }
  let rstd = inverseSqrt(v / f32(uniforms.cols) + uniforms.eps);`;
