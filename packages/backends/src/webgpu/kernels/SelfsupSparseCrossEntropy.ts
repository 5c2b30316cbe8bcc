import { FusedKernel } from '@selfsup/core';
import { runFlat } from '../program.js';
import { webgpuConfig } from './shared.js';

export const sparseCrossEntropyConfig = webgpuConfig(FusedKernel.SparseCrossEntropy, ({ inputs, attrs, backend }) => {
  const { logits, labels } = inputs;
  const [rows, vocab] = logits.shape;
  const u = [
    { name: 'vocab', type: 'i32' as const, value: vocab },
    { name: 'ignore', type: 'i32' as const, value: attrs!.ignoreIndex as number },
    // A label outside the vocabulary gives NaN (WGSL has no NaN constant; a uniform carries one).
    { name: 'nan', type: 'f32' as const, value: Number.NaN },
  ];
  const lseBody = `
    let o = index * uniforms.vocab;
    var mx = L[o];
    for (var j = 1; j < uniforms.vocab; j++) { mx = max(mx, L[o + j]); }
    var s = 0.0;
    for (var j = 0; j < uniforms.vocab; j++) { s += exp(L[o + j] - mx); }
    let lse = mx + log(s);`;
  const lse = runFlat(backend, 'ce_lse', { L: logits }, [rows], `${lseBody} result[index] = lse;`, u);
  const loss = runFlat(
    backend,
    'ce_loss',
    { L: logits, Y: labels, S: lse },
    [rows],
    `let y = Y[index];
     if (y == uniforms.ignore) { result[index] = 0.0; }
     else if (y < 0 || y >= uniforms.vocab) { result[index] = uniforms.nan; }
     else { result[index] = S[index] - L[index * uniforms.vocab + y]; }`,
    u,
  );
  return [loss, lse];
});
