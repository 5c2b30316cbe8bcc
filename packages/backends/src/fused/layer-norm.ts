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
  const [xs, gs, bs, ys, ms, rs] = [x, gamma, beta, y, mean, rstd].map((t) => io.f32(t));
  if (io.simd && cols % 4 === 0 && rows > 0) {
    io.simd.layerNormForward(
      xs.byteOffset,
      gs.byteOffset,
      bs.byteOffset,
      ys.byteOffset,
      ms.byteOffset,
      rs.byteOffset,
      rows,
      cols,
      eps,
    );
  } else layerNormForward(xs, gs, bs, eps, rows, cols, ys, ms, rs);
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
  const [dys, xs, gs, ms, rs, dxs, dgs, dbs] = [dy, x, gamma, mean, rstd, dx, dGamma, dBeta].map((t) => io.f32(t));
  if (io.simd && cols % 4 === 0) {
    dgs.fill(0);
    dbs.fill(0);
    const at = [dys, xs, gs, ms, rs, dxs, dgs, dbs].map((a) => a.byteOffset);
    io.simd.layerNormBackward(at[0], at[1], at[2], at[3], at[4], at[5], at[6], at[7], rows, cols);
  } else layerNormBackward(dys, xs, gs, ms, rs, rows, cols, dxs, dgs, dbs);
  return [dx, dGamma, dBeta];
};
