/**
 * AdamW with decoupled weight decay (Loshchilov & Hutter; PyTorch's `torch.optim.AdamW`):
 *
 *   m ← β1·m + (1−β1)·g          v ← β2·v + (1−β2)·g²
 *   p ← p − lr·( m̂ / (√v̂ + ε) + λ·p )   with m̂ = m / (1−β1^t), v̂ = v / (1−β2^t)
 *
 * λ is `weightDecay` for the parameters of the decay group and 0 for the others (nanoGPT: biases and LayerNorm
 * weights are not decayed). When the active backend registers the fused `SelfsupAdamW` kernel (one kernel per
 * parameter instead of a dozen ops) it is used; otherwise the same update runs as tfjs-core ops.
 */
import { FusedKernel, inputError } from '@selfsup/core';
import * as tf from '@tensorflow/tfjs-core';

export interface AdamWOptions {
  beta1: number;
  beta2: number;
  eps: number;
  weightDecay: number;
}

export interface ParamGroupNames {
  decay: readonly string[];
  noDecay: readonly string[];
}

/** The optimizer state as plain arrays, for optimizer.safetensors (`<name>.exp_avg`, `<name>.exp_avg_sq`). */
export interface AdamWState {
  step: number;
  tensors: Map<string, { shape: number[]; data: Float32Array }>;
}

export class AdamW {
  /** Number of updates applied so far (PyTorch's `state['step']`); bias correction uses step + 1 for the next one. */
  step = 0;
  readonly options: AdamWOptions;
  private readonly params: ReadonlyMap<string, tf.Variable>;
  private readonly decay: Set<string>;
  private readonly m = new Map<string, tf.Variable>();
  private readonly v = new Map<string, tf.Variable>();

  constructor(params: ReadonlyMap<string, tf.Variable>, groups: ParamGroupNames, options: AdamWOptions) {
    this.params = params;
    this.options = { ...options };
    this.decay = new Set(groups.decay);
    for (const name of [...groups.decay, ...groups.noDecay]) {
      if (!params.has(name)) throw inputError(`optimizer group names unknown parameter '${name}'`);
    }
    for (const [name, p] of params) {
      this.m.set(name, zerosVariable(p, `adamw.exp_avg.${name}`));
      this.v.set(name, zerosVariable(p, `adamw.exp_avg_sq.${name}`));
    }
  }

  /** Whether updates run through the backend's fused kernel. */
  get fused(): boolean {
    return hasKernel(FusedKernel.AdamW);
  }

  /** Applies one update with learning rate `lr`; parameters without a gradient are left alone (as in PyTorch). */
  apply(grads: ReadonlyMap<string, tf.Tensor>, lr: number): void {
    this.step += 1;
    const { beta1, beta2, eps, weightDecay } = this.options;
    const t = this.step;
    const fused = this.fused;
    for (const [name, p] of this.params) {
      const g = grads.get(name);
      if (!g) continue;
      const m = this.m.get(name)!;
      const v = this.v.get(name)!;
      const wd = this.decay.has(name) ? weightDecay : 0;
      tf.tidy(() => {
        if (fused) {
          const [p2, m2, v2] = tf
            .engine()
            .runKernel(
              FusedKernel.AdamW,
              { param: p, grad: g, m, v },
              { lr, beta1, beta2, eps, weightDecay: wd, step: t },
            ) as tf.Tensor[];
          p.assign(p2);
          m.assign(m2);
          v.assign(v2);
          return;
        }
        const m2 = tf.add(tf.mul(m, beta1), tf.mul(g, 1 - beta1));
        const v2 = tf.add(tf.mul(v, beta2), tf.mul(tf.square(g), 1 - beta2));
        const mHat = tf.div(m2, 1 - beta1 ** t);
        const denom = tf.add(tf.sqrt(tf.div(v2, 1 - beta2 ** t)), eps);
        let update: tf.Tensor = tf.div(mHat, denom);
        if (wd !== 0) update = tf.add(update, tf.mul(p, wd));
        p.assign(tf.sub(p, tf.mul(update, lr)));
        m.assign(m2);
        v.assign(v2);
      });
    }
  }

  /** A copy of the moments and step count. */
  getState(): AdamWState {
    const tensors = new Map<string, { shape: number[]; data: Float32Array }>();
    for (const [name] of this.params) {
      const m = this.m.get(name)!;
      const v = this.v.get(name)!;
      tensors.set(`${name}.exp_avg`, { shape: m.shape.slice(), data: Float32Array.from(m.dataSync()) });
      tensors.set(`${name}.exp_avg_sq`, { shape: v.shape.slice(), data: Float32Array.from(v.dataSync()) });
    }
    return { step: this.step, tensors };
  }

  /** Restores moments and step count saved by `getState`; shapes must match the parameters. */
  setState(state: AdamWState, what = 'optimizer state'): void {
    if (!Number.isInteger(state.step) || state.step < 0)
      throw inputError(`${what}: step must be a non-negative integer`);
    for (const [name, p] of this.params) {
      for (const [suffix, target] of [
        ['exp_avg', this.m.get(name)!],
        ['exp_avg_sq', this.v.get(name)!],
      ] as const) {
        const saved = state.tensors.get(`${name}.${suffix}`);
        if (!saved) throw inputError(`${what}: missing ${name}.${suffix}`);
        if (saved.shape.join(',') !== p.shape.join(',') || saved.data.length !== p.size) {
          throw inputError(`${what}: ${name}.${suffix} has shape [${saved.shape}], expected [${p.shape}]`);
        }
        tf.tidy(() => target.assign(tf.tensor(saved.data, p.shape, 'float32')));
      }
    }
    this.step = state.step;
  }

  dispose(): void {
    for (const t of [...this.m.values(), ...this.v.values()]) t.dispose();
    this.m.clear();
    this.v.clear();
  }
}

let variableCounter = 0;
/** A non-trainable zero variable shaped like `p`; the counter keeps tfjs variable names unique across optimizers. */
function zerosVariable(p: tf.Tensor, name: string): tf.Variable {
  variableCounter += 1;
  const zeros = tf.zerosLike(p);
  const variable = tf.variable(zeros, false, `${name}#${variableCounter}`);
  zeros.dispose();
  return variable;
}

function hasKernel(name: string): boolean {
  try {
    return tf.getKernel(name, tf.getBackend()) !== undefined;
  } catch {
    return false;
  }
}
