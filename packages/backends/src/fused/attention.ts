import { FusedKernel } from '@selfsup/core';
import type { NamedAttrMap, TensorInfo } from '@tensorflow/tfjs-core';
import {
  type AttentionShape,
  attentionBackward,
  attentionBackwardScratch,
  attentionForward,
  attentionForwardScratch,
} from '../kernels-js/attention.js';
import { type FusedImpl, input } from './io.js';

function shapeOf(qkv: TensorInfo, attrs: NamedAttrMap, kernel: string): AttentionShape {
  const [batch, time, c3] = qkv.shape;
  const heads = attrs.nHead as number;
  const channels = c3 / 3;
  if (qkv.shape.length !== 3 || c3 % 3 !== 0 || channels % heads !== 0) {
    throw new Error(`${kernel}: qkv must be [B, T, 3C] with C divisible by nHead, got [${qkv.shape}]`);
  }
  return { batch, time, channels, heads, causal: Boolean(attrs.causal), scale: attrs.scale as number };
}

export const attention: FusedImpl = (io, inputs, attrs) => {
  const qkv = input(inputs, 'qkv', FusedKernel.Attention);
  const mask = inputs.attentionMask;
  const s = shapeOf(qkv, attrs, FusedKernel.Attention);
  const y = io.out([s.batch, s.time, s.channels]);
  const probs = io.out([s.batch, s.heads, s.time, s.time]);
  const scratch = io.temp(attentionForwardScratch(s));
  attentionForward(io.gemm, s, io.f32(qkv), mask ? io.i32(mask) : undefined, io.f32(y), io.f32(probs), io.f32(scratch));
  io.release(scratch);
  return [y, probs];
};

export const attentionGrad: FusedImpl = (io, inputs, attrs) => {
  const [dy, qkv, probs] = ['dy', 'qkv', 'probs'].map((n) => input(inputs, n, FusedKernel.AttentionGrad));
  const s = shapeOf(qkv, attrs, FusedKernel.AttentionGrad);
  const dQkv = io.out(qkv.shape.slice());
  const scratch = io.temp(attentionBackwardScratch(s));
  attentionBackward(io.gemm, s, io.f32(dy), io.f32(qkv), io.f32(probs), io.f32(dQkv), io.f32(scratch));
  io.release(scratch);
  return [dQkv];
};
