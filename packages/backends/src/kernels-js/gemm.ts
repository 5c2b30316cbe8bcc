/**
 * C = alpha · A · B (+ C) on row-strided views: the one matrix product the fused kernels need. `jsGemm` runs anywhere;
 * `simdGemm` calls our wasm SIMD kernel when every array is a view on that kernel's memory.
 */
import type { SimdKernels } from '../simd/module.js';

export type Gemm = (
  a: Float32Array,
  aOff: number,
  lda: number,
  b: Float32Array,
  bOff: number,
  ldb: number,
  c: Float32Array,
  cOff: number,
  ldc: number,
  m: number,
  n: number,
  k: number,
  alpha: number,
  accumulate: boolean,
) => void;

export const jsGemm: Gemm = (a, aOff, lda, b, bOff, ldb, c, cOff, ldc, m, n, k, alpha, accumulate) => {
  for (let i = 0; i < m; i++) {
    const co = cOff + i * ldc;
    if (!accumulate) c.fill(0, co, co + n);
    const ao = aOff + i * lda;
    for (let q = 0; q < k; q++) {
      const aik = alpha * a[ao + q];
      if (aik === 0) continue;
      const bo = bOff + q * ldb;
      for (let j = 0; j < n; j++) c[co + j] += aik * b[bo + j];
    }
  }
};

export function simdGemm(kernels: SimdKernels): Gemm {
  return (a, aOff, lda, b, bOff, ldb, c, cOff, ldc, m, n, k, alpha, accumulate) =>
    kernels.gemm(
      a.byteOffset + 4 * aOff,
      lda,
      b.byteOffset + 4 * bOff,
      ldb,
      c.byteOffset + 4 * cOff,
      ldc,
      m,
      n,
      k,
      alpha,
      accumulate ? 1 : 0,
    );
}
