import { FusedKernel } from '@selfsup/core';
import { sparseCrossEntropyBackward, sparseCrossEntropyForward } from '../kernels-js/cross-entropy.js';
import { type FusedImpl, input } from './io.js';

export const sparseCrossEntropy: FusedImpl = (io, inputs, attrs) => {
  const logits = input(inputs, 'logits', FusedKernel.SparseCrossEntropy);
  const labels = input(inputs, 'labels', FusedKernel.SparseCrossEntropy);
  const [rows, vocab] = logits.shape;
  const loss = io.out([rows]);
  const lse = io.out([rows]);
  const ignore = attrs.ignoreIndex as number;
  sparseCrossEntropyForward(io.f32(logits), io.i32(labels), ignore, rows, vocab, io.f32(loss), io.f32(lse), io.simd);
  return [loss, lse];
};

export const sparseCrossEntropyGrad: FusedImpl = (io, inputs, attrs) => {
  const [logits, labels, lse, dy] = ['logits', 'labels', 'logSumExp', 'dy'].map((n) =>
    input(inputs, n, FusedKernel.SparseCrossEntropyGrad),
  );
  const [rows, vocab] = logits.shape;
  const dLogits = io.out([rows, vocab]);
  const ignore = attrs.ignoreIndex as number;
  sparseCrossEntropyBackward(
    io.f32(logits),
    io.i32(labels),
    io.f32(lse),
    io.f32(dy),
    ignore,
    rows,
    vocab,
    io.f32(dLogits),
    io.simd,
  );
  return [dLogits];
};
