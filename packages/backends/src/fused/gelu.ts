import { FusedKernel, type FusedKernelName } from '@selfsup/core';
import { geluBackward, geluErfBackward, geluErfForward, geluForward } from '../kernels-js/gelu.js';
import type { SimdKernels } from '../simd/module.js';
import { type FusedImpl, input } from './io.js';

type SimdForward = (simd: SimdKernels, x: number, y: number, n4: number) => void;
type SimdBackward = (simd: SimdKernels, dy: number, x: number, dx: number, n4: number) => void;

/** y = f(x): the first multiple of 4 values in SIMD when the backend has it, the rest (or all) in JavaScript. */
function forward(
  kernel: FusedKernelName,
  simd: SimdForward,
  js: (x: Float32Array, y: Float32Array) => void,
): FusedImpl {
  return (io, inputs) => {
    const x = input(inputs, 'x', kernel);
    const y = io.out(x.shape.slice());
    const [xs, ys] = [io.f32(x), io.f32(y)];
    const n4 = io.simd ? xs.length & ~3 : 0;
    if (io.simd && n4 > 0) simd(io.simd, xs.byteOffset, ys.byteOffset, n4);
    js(xs.subarray(n4), ys.subarray(n4));
    return [y];
  };
}

/** dx = dy · f′(x), split between SIMD and JavaScript as `forward`. */
function backward(
  kernel: FusedKernelName,
  simd: SimdBackward,
  js: (dy: Float32Array, x: Float32Array, dx: Float32Array) => void,
): FusedImpl {
  return (io, inputs) => {
    const dy = input(inputs, 'dy', kernel);
    const x = input(inputs, 'x', kernel);
    const dx = io.out(x.shape.slice());
    const [dys, xs, dxs] = [io.f32(dy), io.f32(x), io.f32(dx)];
    const n4 = io.simd ? xs.length & ~3 : 0;
    if (io.simd && n4 > 0) simd(io.simd, dys.byteOffset, xs.byteOffset, dxs.byteOffset, n4);
    js(dys.subarray(n4), xs.subarray(n4), dxs.subarray(n4));
    return [dx];
  };
}

export const gelu = forward(FusedKernel.Gelu, (s, x, y, n) => s.geluForward(x, y, n), geluForward);
export const geluGrad = backward(FusedKernel.GeluGrad, (s, d, x, o, n) => s.geluBackward(d, x, o, n), geluBackward);
export const geluErf = forward(FusedKernel.GeluErf, (s, x, y, n) => s.geluErfForward(x, y, n), geluErfForward);
export const geluErfGrad = backward(
  FusedKernel.GeluErfGrad,
  (s, d, x, o, n) => s.geluErfBackward(d, x, o, n),
  geluErfBackward,
);
