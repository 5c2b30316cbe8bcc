import { FusedKernel } from '@selfsup/core';
import { runFlat } from '../program.js';
import { K0, webgpuConfig } from './shared.js';

export const geluConfig = webgpuConfig(FusedKernel.Gelu, ({ inputs, backend }) =>
  runFlat(
    backend,
    'gelu',
    { X: inputs.x },
    inputs.x.shape,
    `let x = X[index];
     let e = exp(2.0 * clamp(${K0} * (x + 0.044715 * x * x * x), -15.0, 15.0));
     result[index] = 0.5 * x * (1.0 + (e - 1.0) / (e + 1.0));`,
  ),
);
