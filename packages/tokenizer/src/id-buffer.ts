/** A growable `Int32Array` that encoders append token ids to. */
export class IdBuffer {
  /**
   * V8 forgets an object layout once no object has it, and throws away the optimized code built on it. Each
   * `encode` makes an IdBuffer that dies soon after, so a major GC between two calls would send the encoders back to
   * the interpreter (measured: 2–3× slower right after a GC). This instance, alive for good, keeps the layout.
   */
  static readonly keepLayout: IdBuffer = new IdBuffer(16);

  data: Int32Array;
  length = 0;

  constructor(capacity = 1024) {
    this.data = new Int32Array(Math.max(16, capacity));
  }

  push(id: number): void {
    if (this.length === this.data.length) this.reserve(1);
    this.data[this.length++] = id;
  }

  /** Makes room for `extra` more ids. */
  reserve(extra: number): void {
    const need = this.length + extra;
    if (need <= this.data.length) return;
    const next = new Int32Array(Math.max(need, this.data.length * 2));
    next.set(this.data.subarray(0, this.length));
    this.data = next;
  }

  /** The ids so far, as a new array of exactly `length`. */
  toInt32Array(): Int32Array {
    return this.data.slice(0, this.length);
  }

  /** Moves the ids out (a new array) and empties the buffer, keeping its capacity. */
  take(): Int32Array {
    const out = this.data.slice(0, this.length);
    this.length = 0;
    return out;
  }
}

/** Ids as `Uint16Array` (for token files); every id must be below 65,536. */
export function toUint16(ids: Int32Array): Uint16Array {
  const out = new Uint16Array(ids.length);
  for (let i = 0; i < ids.length; i++) out[i] = ids[i];
  return out;
}
