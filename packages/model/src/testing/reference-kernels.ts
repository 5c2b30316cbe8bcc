/**
 * Test support: plain-JavaScript kernels implementing the fused-kernel contract (packages/core/src/fused-kernels.ts)
 * on the cpu backend, written straight from its formulas. They let the tests drive the model's fused path and check it
 * against the composite one; @selfsup/backends ships the fast versions.
 */
import { FusedKernel } from '@selfsup/core';
import * as tf from '@tensorflow/tfjs-core';

type KernelArgs = { inputs: tf.NamedTensorInfoMap; backend: unknown; attrs?: tf.NamedAttrMap };
interface CpuLike {
  readSync(dataId: unknown): ArrayLike<number>;
  makeTensorInfo(shape: number[], dtype: tf.DataType, values?: Float32Array | Int32Array): tf.TensorInfo;
}

function io(args: KernelArgs) {
  const backend = args.backend as CpuLike;
  const read = (name: string) => Float32Array.from(backend.readSync(args.inputs[name]!.dataId));
  const out = (shape: number[], values: Float32Array) => backend.makeTensorInfo(shape, 'float32', values);
  return { read, out, shape: (name: string) => args.inputs[name]!.shape, has: (name: string) => !!args.inputs[name] };
}

function sparseCrossEntropy(args: KernelArgs) {
  const { read, out, shape } = io(args);
  const [n, v] = shape('logits');
  const logits = read('logits');
  const labels = read('labels');
  const ignore = args.attrs!.ignoreIndex as number;
  const loss = new Float32Array(n);
  const lse = new Float32Array(n);
  for (let r = 0; r < n; r++) {
    let max = Number.NEGATIVE_INFINITY;
    for (let j = 0; j < v; j++) max = Math.max(max, logits[r * v + j]);
    let s = 0;
    for (let j = 0; j < v; j++) s += Math.exp(logits[r * v + j] - max);
    lse[r] = max + Math.log(s);
    loss[r] = labels[r] === ignore ? 0 : lse[r] - logits[r * v + labels[r]];
  }
  return [out([n], loss), out([n], lse)];
}

function sparseCrossEntropyGrad(args: KernelArgs) {
  const { read, out, shape } = io(args);
  const [n, v] = shape('logits');
  const [logits, labels, lse, dy] = ['logits', 'labels', 'logSumExp', 'dy'].map(read);
  const ignore = args.attrs!.ignoreIndex as number;
  const dx = new Float32Array(n * v);
  for (let r = 0; r < n; r++) {
    if (labels[r] === ignore) continue;
    for (let j = 0; j < v; j++)
      dx[r * v + j] = dy[r] * (Math.exp(logits[r * v + j] - lse[r]) - (j === labels[r] ? 1 : 0));
  }
  return out([n, v], dx);
}

function layerNorm(args: KernelArgs) {
  const { read, out, shape } = io(args);
  const [n, c] = shape('x');
  const [x, g, b] = ['x', 'gamma', 'beta'].map(read);
  const eps = args.attrs!.epsilon as number;
  const y = new Float32Array(n * c);
  const mean = new Float32Array(n);
  const rstd = new Float32Array(n);
  for (let r = 0; r < n; r++) {
    let m = 0;
    for (let j = 0; j < c; j++) m += x[r * c + j];
    m /= c;
    let s = 0;
    for (let j = 0; j < c; j++) s += (x[r * c + j] - m) ** 2;
    mean[r] = m;
    rstd[r] = 1 / Math.sqrt(s / c + eps);
    for (let j = 0; j < c; j++) y[r * c + j] = (x[r * c + j] - m) * rstd[r] * g[j] + b[j];
  }
  return [out([n, c], y), out([n], mean), out([n], rstd)];
}

function layerNormGrad(args: KernelArgs) {
  const { read, out, shape } = io(args);
  const [n, c] = shape('x');
  const [dy, x, g, mean, rstd] = ['dy', 'x', 'gamma', 'mean', 'rstd'].map(read);
  const dx = new Float32Array(n * c);
  const dg = new Float32Array(c);
  const db = new Float32Array(c);
  for (let r = 0; r < n; r++) {
    let sumG = 0;
    let sumGX = 0;
    for (let j = 0; j < c; j++) {
      const xhat = (x[r * c + j] - mean[r]) * rstd[r];
      const gy = dy[r * c + j] * g[j];
      sumG += gy;
      sumGX += gy * xhat;
      dg[j] += dy[r * c + j] * xhat;
      db[j] += dy[r * c + j];
    }
    for (let j = 0; j < c; j++) {
      const xhat = (x[r * c + j] - mean[r]) * rstd[r];
      dx[r * c + j] = rstd[r] * (dy[r * c + j] * g[j] - sumG / c - (xhat * sumGX) / c);
    }
  }
  return [out([n, c], dx), out([c], dg), out([c], db)];
}

const K = Math.sqrt(2 / Math.PI);

function gelu(args: KernelArgs) {
  const { read, out, shape } = io(args);
  const x = read('x');
  return out(
    shape('x'),
    x.map((v) => 0.5 * v * (1 + Math.tanh(K * (v + 0.044715 * v ** 3)))),
  );
}

function geluGrad(args: KernelArgs) {
  const { read, out, shape } = io(args);
  const x = read('x');
  const dy = read('dy');
  return out(
    shape('x'),
    x.map((v, i) => {
      const t = Math.tanh(K * (v + 0.044715 * v ** 3));
      return dy[i] * (0.5 * (1 + t) + 0.5 * v * (1 - t * t) * K * (1 + 3 * 0.044715 * v * v));
    }),
  );
}

function attention(args: KernelArgs) {
  const { read, out, shape, has } = io(args);
  const [b, t, c3] = shape('qkv');
  const c = c3 / 3;
  const { nHead, causal, scale } = args.attrs as { nHead: number; causal: boolean; scale: number };
  const d = c / nHead;
  const qkv = read('qkv');
  const mask = has('attentionMask') ? read('attentionMask') : undefined;
  const drop = has('dropMask') ? read('dropMask') : undefined;
  const y = new Float32Array(b * t * c);
  const probs = new Float32Array(b * nHead * t * t);
  const at = (bi: number, ti: number, part: number, h: number, k: number) =>
    qkv[(bi * t + ti) * c3 + part * c + h * d + k];
  for (let bi = 0; bi < b; bi++) {
    for (let h = 0; h < nHead; h++) {
      for (let i = 0; i < t; i++) {
        const row = new Float64Array(t).fill(Number.NEGATIVE_INFINITY);
        for (let j = 0; j < t; j++) {
          if ((causal && j > i) || (mask && mask[bi * t + j] === 0)) continue;
          let s = 0;
          for (let k = 0; k < d; k++) s += at(bi, i, 0, h, k) * at(bi, j, 1, h, k);
          row[j] = s * scale;
        }
        const max = Math.max(...row);
        const p = row.map((s) => (s === Number.NEGATIVE_INFINITY ? 0 : Math.exp(s - max)));
        const sum = p.reduce((a, v) => a + v, 0);
        for (let j = 0; j < t; j++) probs[((bi * nHead + h) * t + i) * t + j] = sum > 0 ? p[j] / sum : 0;
        for (let k = 0; k < d; k++) {
          let acc = 0;
          for (let j = 0; j < t; j++) {
            const at2 = ((bi * nHead + h) * t + i) * t + j;
            acc += probs[at2] * (drop ? drop[at2] : 1) * at(bi, j, 2, h, k);
          }
          y[(bi * t + i) * c + h * d + k] = acc;
        }
      }
    }
  }
  return [out([b, t, c], y), out([b, nHead, t, t], probs)];
}

function attentionGrad(args: KernelArgs) {
  const { read, out, shape, has } = io(args);
  const [b, t, c3] = shape('qkv');
  const c = c3 / 3;
  const { nHead, scale } = args.attrs as { nHead: number; scale: number };
  const d = c / nHead;
  const [dy, qkv, probs] = ['dy', 'qkv', 'probs'].map(read);
  const drop = has('dropMask') ? read('dropMask') : undefined;
  const dqkv = new Float32Array(b * t * c3);
  const idx = (bi: number, ti: number, part: number, h: number, k: number) => (bi * t + ti) * c3 + part * c + h * d + k;
  for (let bi = 0; bi < b; bi++) {
    for (let h = 0; h < nHead; h++) {
      const p = (i: number, j: number) => probs[((bi * nHead + h) * t + i) * t + j];
      const m = (i: number, j: number) => (drop ? drop[((bi * nHead + h) * t + i) * t + j] : 1);
      for (let i = 0; i < t; i++) {
        // dP[i, j] = (dy[i] · v[j]) · M[i, j];  dS = P ⊙ (dP − Σ_j P dP);  dV[j] += P[i, j] M[i, j] dy[i]
        const dp = new Float64Array(t);
        for (let j = 0; j < t; j++) {
          let s = 0;
          for (let k = 0; k < d; k++) s += dy[(bi * t + i) * c + h * d + k] * qkv[idx(bi, j, 2, h, k)];
          dp[j] = s * m(i, j);
        }
        let dot = 0;
        for (let j = 0; j < t; j++) dot += p(i, j) * dp[j];
        for (let j = 0; j < t; j++) {
          const ds = p(i, j) * (dp[j] - dot) * scale;
          for (let k = 0; k < d; k++) {
            dqkv[idx(bi, i, 0, h, k)] += ds * qkv[idx(bi, j, 1, h, k)];
            dqkv[idx(bi, j, 1, h, k)] += ds * qkv[idx(bi, i, 0, h, k)];
            dqkv[idx(bi, j, 2, h, k)] += p(i, j) * m(i, j) * dy[(bi * t + i) * c + h * d + k];
          }
        }
      }
    }
  }
  return out([b, t, c3], dqkv);
}

const KERNELS: [string, (args: KernelArgs) => tf.TensorInfo | tf.TensorInfo[]][] = [
  [FusedKernel.SparseCrossEntropy, sparseCrossEntropy],
  [FusedKernel.SparseCrossEntropyGrad, sparseCrossEntropyGrad],
  [FusedKernel.LayerNorm, layerNorm],
  [FusedKernel.LayerNormGrad, layerNormGrad],
  [FusedKernel.Gelu, gelu],
  [FusedKernel.GeluGrad, geluGrad],
  [FusedKernel.GeluErf, geluErf],
  [FusedKernel.GeluErfGrad, geluErfGrad],
  [FusedKernel.Attention, attention],
  [FusedKernel.AttentionGrad, attentionGrad],
];

/** erf from its Maclaurin series in float64 (error under 1e-9 for |z| ≤ 4; beyond, erf is ±1 to float32). */
function erf(z: number): number {
  if (Math.abs(z) > 4) return Math.sign(z);
  let term = z;
  let sum = z;
  for (let n = 1; n < 80; n++) {
    term *= (-z * z) / n;
    sum += term / (2 * n + 1);
  }
  return (2 / Math.sqrt(Math.PI)) * sum;
}

function geluErf(args: KernelArgs) {
  const { read, out, shape } = io(args);
  return out(
    shape('x'),
    read('x').map((v) => 0.5 * v * (1 + erf(v / Math.SQRT2))),
  );
}

function geluErfGrad(args: KernelArgs) {
  const { read, out, shape } = io(args);
  const dy = read('dy');
  return out(
    shape('x'),
    read('x').map(
      (v, i) => dy[i] * (0.5 * (1 + erf(v / Math.SQRT2)) + (v * Math.exp(-0.5 * v * v)) / Math.sqrt(2 * Math.PI)),
    ),
  );
}

/** How often each fused kernel ran on cpu while registered through `registerReferenceKernels`. */
export const kernelCalls = new Map<string, number>();

/**
 * Makes every fused kernel available on cpu, counting calls: the reference kernel above where none is registered,
 * otherwise the registered one (from @selfsup/backends) wrapped. Returns a function that restores the registry.
 */
export function registerReferenceKernels(): () => void {
  const restore: (() => void)[] = [];
  for (const [kernelName, reference] of KERNELS) {
    const existing = tf.getKernel(kernelName, 'cpu');
    const impl = (existing?.kernelFunc ?? reference) as (args: KernelArgs) => tf.TensorInfo | tf.TensorInfo[];
    if (existing) tf.unregisterKernel(kernelName, 'cpu');
    const counted = (args: KernelArgs) => {
      kernelCalls.set(kernelName, (kernelCalls.get(kernelName) ?? 0) + 1);
      return impl(args);
    };
    tf.registerKernel({ kernelName, backendName: 'cpu', kernelFunc: counted as tf.KernelFunc });
    restore.push(() => {
      tf.unregisterKernel(kernelName, 'cpu');
      if (existing) tf.registerKernel(existing);
    });
  }
  return () => {
    for (const undo of restore) undo();
  };
}
