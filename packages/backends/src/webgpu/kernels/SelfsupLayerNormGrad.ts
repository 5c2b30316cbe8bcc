import { FusedKernel } from '@selfsup/core';
import { runFlat } from '../program.js';
import { last, sizeOf, webgpuConfig } from './shared.js';

export const layerNormGradConfig = webgpuConfig(FusedKernel.LayerNormGrad, ({ inputs, backend }) => {
  const { dy, x, gamma, mean, rstd } = inputs;
  const cols = last(x);
  const rows = sizeOf(x.shape) / cols;
  const u = [
    { name: 'cols', type: 'i32' as const, value: cols },
    { name: 'rows', type: 'i32' as const, value: rows },
  ];
  const all = { DY: dy, X: x, G: gamma, M: mean, R: rstd };
  const dx = runFlat(
    backend,
    'ln_dx',
    all,
    x.shape,
    `let r = index / uniforms.cols; let j = index % uniforms.cols;
     let mu = M[r]; let rs = R[r];
     var sg = 0.0; var sgx = 0.0;
     for (var k = 0; k < uniforms.cols; k++) {
       let o = r * uniforms.cols + k;
       let g = DY[o] * G[k];
       sg += g; sgx += g * (X[o] - mu) * rs;
     }
     let n = f32(uniforms.cols);
     result[index] = rs * (DY[index] * G[j] - sg / n - (X[index] - mu) * rs * sgx / n);`,
    u,
  );
  const dGamma = runFlat(
    backend,
    'ln_dgamma',
    { DY: dy, X: x, M: mean, R: rstd },
    [cols],
    `var s = 0.0;
     for (var r = 0; r < uniforms.rows; r++) { let o = r * uniforms.cols + index; s += DY[o] * (X[o] - M[r]) * R[r]; }
     result[index] = s;`,
    u,
  );
  const dBeta = runFlat(
    backend,
    'ln_dbeta',
    { DY: dy },
    [cols],
    `var s = 0.0;
     for (var r = 0; r < uniforms.rows; r++) { s += DY[r * uniforms.cols + index]; }
     result[index] = s;`,
    u,
  );
  return [dx, dGamma, dBeta];
});
