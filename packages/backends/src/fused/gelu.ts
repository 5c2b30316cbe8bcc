import { FusedKernel } from '@selfsup/core';
import { geluBackward, geluForward } from '../kernels-js/gelu.js';
import { type FusedImpl, input } from './io.js';

export const gelu: FusedImpl = (io, inputs) => {
  const x = input(inputs, 'x', FusedKernel.Gelu);
  const y = io.out(x.shape.slice());
  geluForward(io.f32(x), io.f32(y));
  return [y];
};

export const geluGrad: FusedImpl = (io, inputs) => {
  const dy = input(inputs, 'dy', FusedKernel.GeluGrad);
  const x = input(inputs, 'x', FusedKernel.GeluGrad);
  const dx = io.out(x.shape.slice());
  geluBackward(io.f32(dy), io.f32(x), io.f32(dx));
  return [dx];
};
