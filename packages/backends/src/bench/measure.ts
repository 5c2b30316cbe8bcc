/**
 * Timing helpers for benchmarks (`selfsup bench`): per-step wall times and their median, peak resident memory,
 * and a per-kernel profile (tf.profile) of one step. Figures, not assertions: tests never time anything.
 */
import * as tf from '@tensorflow/tfjs-core';

export interface StepTimes {
  /** Wall time of each timed step, ms. */
  ms: number[];
  median: number;
  p10: number;
  p90: number;
  /** Live tensors before the first timed step and after the last (equal when nothing leaks). */
  tensorsBefore: number;
  tensorsAfter: number;
  /** Bytes held by tensors before and after (tf.memory().numBytes). */
  bytesBefore: number;
  bytesAfter: number;
  /** Resident set size before the first and after the last timed step, MiB (Node; NaN elsewhere). */
  rssBefore: number;
  rssAfter: number;
}

export function quantile(sorted: number[], q: number): number {
  if (sorted.length === 0) return Number.NaN;
  const pos = (sorted.length - 1) * q;
  const lo = Math.floor(pos);
  const hi = Math.ceil(pos);
  return sorted[lo] + (sorted[hi] - sorted[lo]) * (pos - lo);
}

/** Runs `warmup` untimed steps, then `steps` timed ones. `step` must finish its work (read a value back). */
export async function timeSteps(
  step: () => unknown | Promise<unknown>,
  options: { steps: number; warmup: number; onStep?: (i: number, ms: number) => void },
): Promise<StepTimes> {
  for (let i = 0; i < options.warmup; i++) await step();
  const tensorsBefore = tf.memory().numTensors;
  const bytesBefore = tf.memory().numBytes;
  const rssBefore = rssMiB();
  const ms: number[] = [];
  for (let i = 0; i < options.steps; i++) {
    const t0 = performance.now();
    await step();
    const dt = performance.now() - t0;
    ms.push(dt);
    options.onStep?.(i, dt);
  }
  const sorted = [...ms].sort((a, b) => a - b);
  return {
    ms,
    median: quantile(sorted, 0.5),
    p10: quantile(sorted, 0.1),
    p90: quantile(sorted, 0.9),
    tensorsBefore,
    tensorsAfter: tf.memory().numTensors,
    bytesBefore,
    bytesAfter: tf.memory().numBytes,
    rssBefore,
    rssAfter: rssMiB(),
  };
}

function rssMiB(): number {
  const p = (globalThis as { process?: { memoryUsage?: () => { rss: number } } }).process;
  return p?.memoryUsage ? p.memoryUsage().rss / 2 ** 20 : Number.NaN;
}

/** Peak resident set size of this process so far, MiB (Node); undefined elsewhere. */
export function peakRssMiB(): number | undefined {
  const p = (globalThis as { process?: { resourceUsage?: () => { maxRSS: number } } }).process;
  return p?.resourceUsage ? p.resourceUsage().maxRSS / 1024 : undefined;
}

export interface KernelTime {
  kernel: string;
  calls: number;
  ms: number;
  /** Share of all kernel time, 0…1. */
  share: number;
}

/**
 * Kernel time of one call of `f`, summed by kernel name, largest first. tf.profile also lists the scopes of custom
 * gradients (`fusedMatMul__op`, `unnamed scope`), whose time includes their kernels': those are left out of the total
 * and the kernel list, and reported apart.
 */
export async function profileKernels(
  f: () => unknown | Promise<unknown>,
): Promise<{ totalMs: number; kernels: KernelTime[]; scopes: KernelTime[] }> {
  const info = await tf.profile(async () => {
    await f();
    return [] as tf.Tensor[];
  });
  const backend = tf.getBackend();
  const by = new Map<string, { calls: number; ms: number }>();
  const scopeBy = new Map<string, { calls: number; ms: number }>();
  let totalMs = 0;
  for (const k of info.kernels) {
    const ms = typeof k.kernelTimeMs === 'number' ? k.kernelTimeMs : 0;
    if (tf.getKernel(k.name, backend) === undefined) {
      const e = scopeBy.get(k.name) ?? { calls: 0, ms: 0 };
      e.calls += 1;
      e.ms += ms;
      scopeBy.set(k.name, e);
      continue;
    }
    totalMs += ms;
    const e = by.get(k.name) ?? { calls: 0, ms: 0 };
    e.calls += 1;
    e.ms += ms;
    by.set(k.name, e);
  }
  const kernels = [...by.entries()]
    .map(([kernel, e]) => ({ kernel, calls: e.calls, ms: e.ms, share: totalMs > 0 ? e.ms / totalMs : 0 }))
    .sort((a, b) => b.ms - a.ms);
  const scopes = [...scopeBy.entries()]
    .map(([kernel, e]) => ({ kernel, calls: e.calls, ms: e.ms, share: totalMs > 0 ? e.ms / totalMs : 0 }))
    .sort((a, b) => b.ms - a.ms);
  return { totalMs, kernels, scopes };
}
