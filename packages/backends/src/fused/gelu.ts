import { FusedKernel } from '@selfsup/core';
import { geluBackward, geluErfBackward, geluErfForward, geluForward } from '../kernels-js/gelu.js';
import { type FusedImpl, input } from './io.js';

export const gelu: FusedImpl = (io, inputs) => {
  const x = input(inputs, 'x', FusedKernel.Gelu);
  const y = io.out(x.shape.slice());
  const xs = io.f32(x);
  const ys = io.f32(y);
  const n4 = io.simd ? xs.length & ~3 : 0;
  if (io.simd && n4 > 0) io.simd.geluForward(xs.byteOffset, ys.byteOffset, n4);
  geluForward(xs.subarray(n4), ys.subarray(n4));
  return [y];
};

export const geluGrad: FusedImpl = (io, inputs) => {
  const dy = input(inputs, 'dy', FusedKernel.GeluGrad);
  const x = input(inputs, 'x', FusedKernel.GeluGrad);
  const dx = io.out(x.shape.slice());
  const [dys, xs, dxs] = [io.f32(dy), io.f32(x), io.f32(dx)];
  const n4 = io.simd ? xs.length & ~3 : 0;
  if (io.simd && n4 > 0) io.simd.geluBackward(dys.byteOffset, xs.byteOffset, dxs.byteOffset, n4);
  geluBackward(dys.subarray(n4), xs.subarray(n4), dxs.subarray(n4));
  return [dx];
};

export const geluErf: FusedImpl = (io, inputs) => {
  const x = input(inputs, 'x', FusedKernel.GeluErf);
  const y = io.out(x.shape.slice());
  const xs = io.f32(x);
  const ys = io.f32(y);
  const n4 = io.simd ? xs.length & ~3 : 0;
  if (io.simd && n4 > 0) io.simd.geluErfForward(xs.byteOffset, ys.byteOffset, n4);
  geluErfForward(xs.subarray(n4), ys.subarray(n4));
  return [y];
};

export const geluErfGrad: FusedImpl = (io, inputs) => {
  const dy = input(inputs, 'dy', FusedKernel.GeluErfGrad);
  const x = input(inputs, 'x', FusedKernel.GeluErfGrad);
  const dx = io.out(x.shape.slice());
  const [dys, xs, dxs] = [io.f32(dy), io.f32(x), io.f32(dx)];
  const n4 = io.simd ? xs.length & ~3 : 0;
  if (io.simd && n4 > 0) io.simd.geluErfBackward(dys.byteOffset, xs.byteOffset, dxs.byteOffset, n4);
  geluErfBackward(dys.subarray(n4), xs.subarray(n4), dxs.subarray(n4));
  return [dx];
};
