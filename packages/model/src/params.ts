/**
 * The trainable parameters of a model, keyed by their Hugging Face names in creation order (the saved file's order).
 * Initial values come from a seeded `Rng` in JavaScript, so the same seed gives the same weights on every backend.
 */
import { type Rng, usageError } from '@selfsup/core';
import * as tf from '@tensorflow/tfjs-core';

export class ParamStore {
  readonly map = new Map<string, tf.Variable>();

  constructor(private readonly rng: Rng) {}

  /** Normal(0, std) weights, like `torch.nn.init.normal_`; `zeroRow` is then cleared (an embedding's padding row). */
  normal(name: string, shape: number[], std: number, zeroRow?: number): tf.Variable {
    const values = new Float32Array(shape.reduce((a, b) => a * b, 1));
    for (let i = 0; i < values.length; i++) values[i] = this.rng.normal() * std;
    if (zeroRow !== undefined) values.fill(0, zeroRow * shape[1], (zeroRow + 1) * shape[1]);
    return this.add(name, tf.tensor(values, shape, 'float32'));
  }

  zeros(name: string, shape: number[]): tf.Variable {
    return this.add(name, tf.zeros(shape, 'float32'));
  }

  ones(name: string, shape: number[]): tf.Variable {
    return this.add(name, tf.ones(shape, 'float32'));
  }

  get(name: string): tf.Variable {
    const v = this.map.get(name);
    if (!v) throw usageError(`no parameter named ${name}`);
    return v;
  }

  private add(name: string, value: tf.Tensor): tf.Variable {
    if (this.map.has(name)) throw usageError(`parameter ${name} defined twice`);
    // Unnamed: tf.variable names are global, and two models may hold the same Hugging Face names.
    const v = tf.variable(value, true);
    value.dispose();
    this.map.set(name, v);
    return v;
  }
}
