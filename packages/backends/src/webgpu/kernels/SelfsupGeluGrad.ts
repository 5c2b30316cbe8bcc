import { FusedKernel } from '@selfsup/core';
import { runFlat } from '../program.js';
import { K0, webgpuConfig } from './shared.js';

export const geluGradConfig = webgpuConfig(FusedKernel.GeluGrad, ({ inputs, backend }) =>
  runFlat(
    backend,
    'gelu_grad',
    { DY: inputs.dy, X: inputs.x },
    inputs.x.shape,
    `let x = X[index];
     let e = exp(2.0 * clamp(${K0} * (x + 0.044715 * x * x * x), -15.0, 15.0));
     let t = (e - 1.0) / (e + 1.0);
     result[index] = DY[index] * (0.5 * (1.0 + t) + 0.5 * x * (1.0 - t * t) * ${K0} * (1.0 + 0.134145 * x * x));`,
  ),
);
