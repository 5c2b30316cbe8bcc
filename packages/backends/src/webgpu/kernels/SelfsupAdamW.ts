import { FusedKernel } from '@selfsup/core';
import { runFlat } from '../program.js';
import { webgpuConfig } from './shared.js';

export const adamwConfig = webgpuConfig(FusedKernel.AdamW, ({ inputs, attrs, backend }) => {
  const { param, grad, m, v } = inputs;
  const a = attrs as Record<string, number>;
  const u = [
    { name: 'lr', type: 'f32' as const, value: a.lr },
    { name: 'beta1', type: 'f32' as const, value: a.beta1 },
    { name: 'beta2', type: 'f32' as const, value: a.beta2 },
    { name: 'eps', type: 'f32' as const, value: a.eps },
    { name: 'wd', type: 'f32' as const, value: a.weightDecay },
    { name: 'c1', type: 'f32' as const, value: 1 / (1 - a.beta1 ** a.step) },
    { name: 'c2', type: 'f32' as const, value: 1 / (1 - a.beta2 ** a.step) },
  ];
  const m2 = runFlat(
    backend,
    'adamw_m',
    { Mo: m, Gr: grad },
    param.shape,
    'result[index] = uniforms.beta1 * Mo[index] + (1.0 - uniforms.beta1) * Gr[index];',
    u,
  );
  const v2 = runFlat(
    backend,
    'adamw_v',
    { Vo: v, Gr: grad },
    param.shape,
    'let g = Gr[index]; result[index] = uniforms.beta2 * Vo[index] + (1.0 - uniforms.beta2) * g * g;',
    u,
  );
  const p2 = runFlat(
    backend,
    'adamw_p',
    { P: param, M2: m2, V2: v2 },
    param.shape,
    `let p = P[index];
     result[index] = p - uniforms.lr * ((M2[index] * uniforms.c1) / (sqrt(V2[index] * uniforms.c2) + uniforms.eps) + uniforms.wd * p);`,
    u,
  );
  return [p2, m2, v2];
});
