/**
 * Kernels we register for the wasm backend: what it lacks for training, an Identity that shares instead of copying, a
 * BatchMatMul that always takes a fast path, a Sum over leading axes without a transpose, a GatherV2 that copies rows, and the fused kernels (packages/core/src/fused-kernels.ts). Call after '@tensorflow/tfjs-backend-wasm' is imported.
 */
import {
  BatchMatMul,
  GatherV2,
  getKernel,
  type KernelConfig,
  registerKernel,
  Sum,
  Transpose,
  unregisterKernel,
} from '@tensorflow/tfjs-core';
import { makeBatchMatMulConfig } from './kernels/BatchMatMul.js';
import { makeGatherV2Config } from './kernels/GatherV2.js';
import { identityConfig } from './kernels/Identity.js';
import { selfsupAdamWConfig } from './kernels/SelfsupAdamW.js';
import { selfsupAttentionConfig } from './kernels/SelfsupAttention.js';
import { selfsupAttentionGradConfig } from './kernels/SelfsupAttentionGrad.js';
import { selfsupGeluConfig } from './kernels/SelfsupGelu.js';
import { selfsupGeluErfConfig } from './kernels/SelfsupGeluErf.js';
import { selfsupGeluErfGradConfig } from './kernels/SelfsupGeluErfGrad.js';
import { selfsupGeluGradConfig } from './kernels/SelfsupGeluGrad.js';
import { selfsupLayerNormConfig } from './kernels/SelfsupLayerNorm.js';
import { selfsupLayerNormGradConfig } from './kernels/SelfsupLayerNormGrad.js';
import { selfsupSparseCrossEntropyConfig } from './kernels/SelfsupSparseCrossEntropy.js';
import { selfsupSparseCrossEntropyGradConfig } from './kernels/SelfsupSparseCrossEntropyGrad.js';
import { makeSumConfig } from './kernels/Sum.js';
import { makeTransposeConfig } from './kernels/Transpose.js';
import { unsortedSegmentSumConfig } from './kernels/UnsortedSegmentSum.js';
import { simdSupported } from './loader.js';

/** Kernels tfjs-backend-wasm lacks for training, and its Identity replaced by one that does not copy. */
export const wasmMissingKernels: KernelConfig[] = [unsortedSegmentSumConfig, identityConfig];

export const wasmFusedKernels: KernelConfig[] = [
  selfsupSparseCrossEntropyConfig,
  selfsupSparseCrossEntropyGradConfig,
  selfsupLayerNormConfig,
  selfsupLayerNormGradConfig,
  selfsupGeluConfig,
  selfsupGeluGradConfig,
  selfsupGeluErfConfig,
  selfsupGeluErfGradConfig,
  selfsupAttentionConfig,
  selfsupAttentionGradConfig,
  selfsupAdamWConfig,
];

const OURS = Symbol.for('selfsup.backends.kernel');

function registerOnce(config: KernelConfig): void {
  const existing = getKernel(config.kernelName, config.backendName) as (KernelConfig & { [OURS]?: true }) | undefined;
  if (existing?.[OURS]) return;
  if (existing) unregisterKernel(config.kernelName, config.backendName);
  registerKernel({ ...config, [OURS]: true } as KernelConfig);
}

export interface WasmKernelOptions {
  /** Register the fused kernels (default true); the model then uses them instead of composite ops. */
  fused?: boolean;
}

/** Registers our wasm kernels (idempotent). With `fused: false`, removes the fused ones again. */
export function registerWasmKernels(options: WasmKernelOptions = {}): void {
  for (const k of wasmMissingKernels) registerOnce(k);
  // Replacements that wrap the package's own kernel (the first two need our SIMD module).
  const simd = simdSupported();
  for (const [name, make, needsSimd] of [
    [BatchMatMul, makeBatchMatMulConfig, true],
    [Transpose, makeTransposeConfig, true],
    [Sum, makeSumConfig, false],
    [GatherV2, makeGatherV2Config, false],
  ] as const) {
    if (needsSimd && !simd) continue;
    const current = getKernel(name, 'wasm') as (KernelConfig & { [OURS]?: true }) | undefined;
    if (current && !current[OURS]) registerOnce(make(current));
  }
  for (const k of wasmFusedKernels) {
    if (options.fused === false) {
      if (getKernel(k.kernelName, 'wasm')) unregisterKernel(k.kernelName, 'wasm');
    } else registerOnce(k);
  }
}
