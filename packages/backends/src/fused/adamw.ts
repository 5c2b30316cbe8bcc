import { FusedKernel } from '@selfsup/core';
import { type AdamWAttrs, adamwUpdate } from '../kernels-js/adamw.js';
import { type FusedImpl, input } from './io.js';

export const adamw: FusedImpl = (io, inputs, attrs) => {
  const [param, grad, m, v] = ['param', 'grad', 'm', 'v'].map((n) => input(inputs, n, FusedKernel.AdamW));
  const p2 = io.out(param.shape.slice());
  const m2 = io.out(param.shape.slice());
  const v2 = io.out(param.shape.slice());
  adamwUpdate(
    io.f32(param),
    io.f32(grad),
    io.f32(m),
    io.f32(v),
    attrs as unknown as AdamWAttrs,
    io.f32(p2),
    io.f32(m2),
    io.f32(v2),
  );
  return [p2, m2, v2];
};
