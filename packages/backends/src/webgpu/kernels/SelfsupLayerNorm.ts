import { FusedKernel } from '@selfsup/core';
import { runFlat } from '../program.js';
import { last, ROW_MEAN, ROW_RSTD, sizeOf, webgpuConfig } from './shared.js';

export const layerNormConfig = webgpuConfig(FusedKernel.LayerNorm, ({ inputs, attrs, backend }) => {
  const { x, gamma, beta } = inputs;
  const cols = last(x);
  const rows = sizeOf(x.shape) / cols;
  const u = [
    { name: 'cols', type: 'i32' as const, value: cols },
    { name: 'eps', type: 'f32' as const, value: attrs!.epsilon as number },
  ];
  const mean = runFlat(backend, 'ln_mean', { X: x }, [rows], `let r = index; ${ROW_MEAN} result[index] = mean;`, u);
  const rstd = runFlat(
    backend,
    'ln_rstd',
    { X: x },
    [rows],
    `let r = index; ${ROW_MEAN} ${ROW_RSTD} result[index] = rstd;`,
    u,
  );
  const y = runFlat(
    backend,
    'ln_y',
    { X: x, G: gamma, B: beta, M: mean, R: rstd },
    x.shape,
    `let r = index / uniforms.cols; let j = index % uniforms.cols;
     result[index] = (X[index] - M[r]) * R[r] * G[j] + B[j];`,
    u,
  );
  return [y, mean, rstd];
});
