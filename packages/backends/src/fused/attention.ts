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

function checkDropMask(drop: TensorInfo | undefined, s: AttentionShape, kernel: string): void {
  if (!drop) return;
  const want = [s.batch, s.heads, s.time, s.time];
  if (drop.dtype !== 'float32' || drop.shape.length !== 4 || drop.shape.some((d, i) => d !== want[i])) {
    throw new Error(`${kernel}: dropMask must be float32 [${want}], got ${drop.dtype} [${drop.shape}]`);
  }
}

export const attention: FusedImpl = (io, inputs, attrs) => {
  const qkv = input(inputs, 'qkv', FusedKernel.Attention);
  const mask = inputs.attentionMask;
  const drop = inputs.dropMask;
  const s = shapeOf(qkv, attrs, FusedKernel.Attention);
  checkDropMask(drop, s, FusedKernel.Attention);
  const y = io.out([s.batch, s.time, s.channels]);
  const probs = io.out([s.batch, s.heads, s.time, s.time]);
  const scratch = io.temp(attentionForwardScratch(s, drop !== undefined));
  attentionForward(
    io.gemm,
    s,
    io.f32(qkv),
    mask ? io.i32(mask) : undefined,
    io.f32(y),
    io.f32(probs),
    io.f32(scratch),
    drop ? io.f32(drop) : undefined,
  );
  io.release(scratch);
  return [y, probs];
};

export const attentionGrad: FusedImpl = (io, inputs, attrs) => {
  const [dy, qkv, probs] = ['dy', 'qkv', 'probs'].map((n) => input(inputs, n, FusedKernel.AttentionGrad));
  const drop = inputs.dropMask;
  const s = shapeOf(qkv, attrs, FusedKernel.AttentionGrad);
  checkDropMask(drop, s, FusedKernel.AttentionGrad);
  const dQkv = io.out(qkv.shape.slice());
  const scratch = io.temp(attentionBackwardScratch(s));
  attentionBackward(
    io.gemm,
    s,
    io.f32(dy),
    io.f32(qkv),
    io.f32(probs),
    io.f32(dQkv),
    io.f32(scratch),
    drop ? io.f32(drop) : undefined,
  );
  io.release(scratch);
  return [dQkv];
};
