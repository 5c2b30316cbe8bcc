/** Keys and values of the positions seen so far, per layer: (B, nh, Tpast, hs) each. */
import * as tf from '@tensorflow/tfjs-core';
import type { KVCache } from './types.js';

export class LayerKVCache implements KVCache {
  private readonly keys: (tf.Tensor4D | undefined)[];
  private readonly values: (tf.Tensor4D | undefined)[];
  private held = 0;

  constructor(
    nLayer: number,
    readonly batchSize: number,
  ) {
    this.keys = new Array(nLayer).fill(undefined);
    this.values = new Array(nLayer).fill(undefined);
  }

  get length(): number {
    return this.held;
  }

  /** Appends new keys and values (B, nh, Tnew, hs) of one layer; returns all of them (B, nh, Tpast + Tnew, hs). */
  append(layer: number, k: tf.Tensor4D, v: tf.Tensor4D): [tf.Tensor4D, tf.Tensor4D] {
    const pk = this.keys[layer];
    const pv = this.values[layer];
    const allK = tf.keep(pk ? tf.concat([pk, k], 2) : k);
    const allV = tf.keep(pv ? tf.concat([pv, v], 2) : v);
    pk?.dispose();
    pv?.dispose();
    this.keys[layer] = allK;
    this.values[layer] = allV;
    return [allK, allV];
  }

  /** Called once all layers have appended `n` positions. */
  advance(n: number): void {
    this.held += n;
  }

  dispose(): void {
    for (const t of [...this.keys, ...this.values]) t?.dispose();
    this.keys.fill(undefined);
    this.values.fill(undefined);
    this.held = 0;
  }
}
