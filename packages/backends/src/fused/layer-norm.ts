import { FusedKernel } from '@selfsup/core';
import { layerNormBackward, layerNormForward } from '../kernels-js/layer-norm.js';
import { type FusedImpl, input, sizeOf } from './io.js';

export const layerNorm: FusedImpl = (io, inputs, attrs) => {
  const x = input(inputs, 'x', FusedKernel.LayerNorm);
  const gamma = input(inputs, 'gamma', FusedKernel.LayerNorm);
  const beta = input(inputs, 'beta', FusedKernel.LayerNorm);
  const cols = x.shape[x.shape.length - 1];
  const rows = sizeOf(x.shape) / cols;
  const y = io.out(x.shape.slice());
  const mean = io.out([rows]);
  const rstd = io.out([rows]);
  const eps = attrs.epsilon as number;
  layerNormForward(io.f32(x), io.f32(gamma), io.f32(beta), eps, rows, cols, io.f32(y), io.f32(mean), io.f32(rstd));
  return [y, mean, rstd];
};

export const layerNormGrad: FusedImpl = (io, inputs) => {
  const [dy, x, gamma, mean, rstd] = ['dy', 'x', 'gamma', 'mean', 'rstd'].map((n) =>
    input(inputs, n, FusedKernel.LayerNormGrad),
  );
  const cols = x.shape[x.shape.length - 1];
  const rows = sizeOf(x.shape) / cols;
  const dx = io.out(x.shape.slice());
  const dGamma = io.out([cols]);
  const dBeta = io.out([cols]);
  layerNormBackward(
    io.f32(dy),
    io.f32(x),
    io.f32(gamma),
    io.f32(mean),
    io.f32(rstd),
    rows,
    cols,
    io.f32(dx),
    io.f32(dGamma),
    io.f32(dBeta),
  );
  return [dx, dGamma, dBeta];
};
