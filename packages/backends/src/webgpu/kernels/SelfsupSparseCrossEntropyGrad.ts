import { FusedKernel } from '@selfsup/core';
import { runFlat } from '../program.js';
import { webgpuConfig } from './shared.js';

export const sparseCrossEntropyGradConfig = webgpuConfig(
  FusedKernel.SparseCrossEntropyGrad,
  ({ inputs, attrs, backend }) => {
    const { logits, labels, logSumExp, dy } = inputs;
    const [, vocab] = logits.shape;
    const u = [
      { name: 'vocab', type: 'i32' as const, value: vocab },
      { name: 'ignore', type: 'i32' as const, value: attrs!.ignoreIndex as number },
    ];
    return runFlat(
      backend,
      'ce_grad',
      { L: logits, Y: labels, S: logSumExp, D: dy },
      logits.shape,
      `let r = index / uniforms.vocab; let j = index % uniforms.vocab;
     let y = Y[r];
     if (y == uniforms.ignore) { result[index] = 0.0; }
     else {
       var g = exp(L[index] - S[r]);
       if (j == y) { g -= 1.0; }
       result[index] = D[r] * g;
     }`,
      u,
    );
  },
);
