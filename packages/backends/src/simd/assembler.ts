/**
 * A tiny WebAssembly assembler: enough of the binary format to emit our SIMD kernels as bytes at run time, so no
 * wasm toolchain is needed to build or ship them (none can target wasm on our machines). One module imports a memory
 * (the tfjs-backend-wasm heap, shared in its threaded build) and exports functions.
 */

export const I32 = 0x7f;
export const F32 = 0x7d;
export const V128 = 0x7b;
export type ValType = typeof I32 | typeof F32 | typeof V128;

/** Opcodes we use (MVP and SIMD; SIMD ones are written after the 0xfd prefix). */
const OP = {
  block: 0x02,
  loop: 0x03,
  if: 0x04,
  else: 0x05,
  end: 0x0b,
  br: 0x0c,
  brIf: 0x0d,
  return: 0x0f,
  localGet: 0x20,
  localSet: 0x21,
  localTee: 0x22,
  f32Load: 0x2a,
  i32Load: 0x28,
  f32Store: 0x38,
  i32Const: 0x41,
  f32Const: 0x43,
  i32Eqz: 0x45,
  i32Eq: 0x46,
  i32Ne: 0x47,
  i32LtS: 0x48,
  i32GtS: 0x4a,
  i32LeS: 0x4c,
  i32GeS: 0x4e,
  f32Gt: 0x5e,
  i32Add: 0x6a,
  i32Sub: 0x6b,
  i32Mul: 0x6c,
  i32And: 0x71,
  i32Shl: 0x74,
  f32Abs: 0x8b,
  f32Neg: 0x8c,
  f32Sqrt: 0x91,
  f32Add: 0x92,
  f32Sub: 0x93,
  f32Mul: 0x94,
  f32Div: 0x95,
  f32Max: 0x97,
  f32ConvertI32S: 0xb2,
} as const;

const SIMD = {
  v128Load: 0x00,
  v128Store: 0x0b,
  i8x16Shuffle: 0x0d,
  i32x4Splat: 0x11,
  f32x4Splat: 0x13,
  f32x4ExtractLane: 0x1f,
  f32x4Lt: 0x43,
  v128Bitselect: 0x52,
  f64x2PromoteLowF32x4: 0x5f,
  f32x4Nearest: 0x6a,
  i32x4Shl: 0xab,
  i32x4Add: 0xae,
  f32x4Abs: 0xe0,
  i32x4TruncSatF32x4S: 0xf8,
  f32x4Add: 0xe4,
  f32x4Sub: 0xe5,
  f32x4Mul: 0xe6,
  f32x4Div: 0xe7,
  f32x4Min: 0xe8,
  f32x4Max: 0xe9,
  f64x2Add: 0xf0,
} as const;

function uleb(value: number, out: number[]): void {
  let v = value >>> 0;
  do {
    let byte = v & 0x7f;
    v >>>= 7;
    if (v !== 0) byte |= 0x80;
    out.push(byte);
  } while (v !== 0);
}

function sleb(value: number, out: number[]): void {
  let v = value | 0;
  for (;;) {
    const byte = v & 0x7f;
    v >>= 7;
    if ((v === 0 && (byte & 0x40) === 0) || (v === -1 && (byte & 0x40) !== 0)) {
      out.push(byte);
      return;
    }
    out.push(byte | 0x80);
  }
}

/** Builds one function body with named locals; each method appends one instruction and returns `this`. */
export class FunctionBuilder {
  readonly code: number[] = [];
  private readonly localIndex = new Map<string, number>();
  private readonly extraLocals: ValType[] = [];

  constructor(
    readonly name: string,
    readonly params: [string, ValType][],
    readonly results: ValType[] = [],
  ) {
    params.forEach(([n], i) => {
      this.localIndex.set(n, i);
    });
  }

  /** Declares locals (all of one type). */
  locals(type: ValType, ...names: string[]): this {
    for (const n of names) {
      if (this.localIndex.has(n)) throw new Error(`local ${n} declared twice in ${this.name}`);
      this.localIndex.set(n, this.params.length + this.extraLocals.length);
      this.extraLocals.push(type);
    }
    return this;
  }

  private idx(name: string): number {
    const i = this.localIndex.get(name);
    if (i === undefined) throw new Error(`unknown local ${name} in ${this.name}`);
    return i;
  }

  get(name: string): this {
    this.code.push(OP.localGet);
    uleb(this.idx(name), this.code);
    return this;
  }
  set(name: string): this {
    this.code.push(OP.localSet);
    uleb(this.idx(name), this.code);
    return this;
  }
  tee(name: string): this {
    this.code.push(OP.localTee);
    uleb(this.idx(name), this.code);
    return this;
  }
  i32(value: number): this {
    this.code.push(OP.i32Const);
    sleb(value, this.code);
    return this;
  }
  f32(value: number): this {
    this.code.push(OP.f32Const);
    const bytes = new Uint8Array(new Float32Array([value]).buffer);
    this.code.push(...bytes);
    return this;
  }
  op(name: keyof typeof OP): this {
    this.code.push(OP[name]);
    return this;
  }
  simd(name: keyof typeof SIMD): this {
    this.code.push(0xfd);
    uleb(SIMD[name], this.code);
    return this;
  }
  /** f32.load / i32.load / f32.store with a constant byte offset. */
  mem(name: 'f32Load' | 'i32Load' | 'f32Store', offset = 0): this {
    this.code.push(OP[name], 2);
    uleb(offset, this.code);
    return this;
  }
  /** v128.load / v128.store with a constant byte offset (alignment hint 4 bytes: our rows are float-aligned). */
  vmem(name: 'v128Load' | 'v128Store', offset = 0): this {
    this.simd(name);
    this.code.push(2);
    uleb(offset, this.code);
    return this;
  }
  /** i8x16.shuffle of the two vectors on the stack: byte i of the result is byte lanes[i] of a ‖ b. */
  shuffle(lanes: readonly number[]): this {
    if (lanes.length !== 16 || lanes.some((l) => !Number.isInteger(l) || l < 0 || l > 31)) {
      throw new Error('i8x16.shuffle takes 16 lane indices in 0 … 31');
    }
    this.simd('i8x16Shuffle');
    this.code.push(...lanes);
    return this;
  }
  lane(index: number): this {
    this.simd('f32x4ExtractLane');
    this.code.push(index);
    return this;
  }
  /** `local += delta` for an i32 local. */
  addTo(name: string, delta: number | string): this {
    this.get(name);
    if (typeof delta === 'number') this.i32(delta);
    else this.get(delta);
    return this.op('i32Add').set(name);
  }
  /** block … end (label depth 0 inside = after the block). */
  block(body: (f: this) => void): this {
    this.code.push(OP.block, 0x40);
    body(this);
    this.code.push(OP.end);
    return this;
  }
  /** loop … end (br 0 inside = continue). */
  loop(body: (f: this) => void): this {
    this.code.push(OP.loop, 0x40);
    body(this);
    this.code.push(OP.end);
    return this;
  }
  ifThen(then: (f: this) => void, otherwise?: (f: this) => void): this {
    this.code.push(OP.if, 0x40);
    then(this);
    if (otherwise) {
      this.code.push(OP.else);
      otherwise(this);
    }
    this.code.push(OP.end);
    return this;
  }
  br(depth: number): this {
    this.code.push(OP.br);
    uleb(depth, this.code);
    return this;
  }
  brIf(depth: number): this {
    this.code.push(OP.brIf);
    uleb(depth, this.code);
    return this;
  }
  /**
   * `for (v = from; v < limit; v += step) body` where `limit` is a local and `from` a number or local. The body runs
   * inside block+loop, so `br 1` from the body's top level leaves the loop.
   */
  forRange(v: string, from: number | string, limit: string, step: number, body: (f: this) => void): this {
    if (typeof from === 'number') this.i32(from);
    else this.get(from);
    this.set(v);
    return this.block((f) =>
      f.loop((g) => {
        g.get(v).get(limit).op('i32GeS').brIf(1);
        body(g);
        g.addTo(v, step).br(0);
      }),
    );
  }

  encode(): number[] {
    const out: number[] = [];
    // Locals run-length encoded by type.
    const groups: [number, ValType][] = [];
    for (const t of this.extraLocals) {
      const last = groups[groups.length - 1];
      if (last && last[1] === t) last[0]++;
      else groups.push([1, t]);
    }
    uleb(groups.length, out);
    for (const [count, type] of groups) {
      uleb(count, out);
      out.push(type);
    }
    out.push(...this.code, OP.end);
    return out;
  }
}

function section(id: number, content: number[], out: number[]): void {
  out.push(id);
  uleb(content.length, out);
  out.push(...content);
}

function name(text: string, out: number[]): void {
  const bytes = new TextEncoder().encode(text);
  uleb(bytes.length, out);
  out.push(...bytes);
}

export interface MemoryImport {
  shared: boolean;
  /** Minimum pages (64 KiB each). */
  minPages: number;
  maxPages?: number;
}

/** A module that imports `env.memory` and exports each function under its name. */
export function assemble(memory: MemoryImport, functions: FunctionBuilder[]): Uint8Array {
  const out = [0x00, 0x61, 0x73, 0x6d, 0x01, 0x00, 0x00, 0x00];
  // Types: one per function.
  const types: number[] = [];
  uleb(functions.length, types);
  for (const f of functions) {
    types.push(0x60);
    uleb(f.params.length, types);
    for (const [, t] of f.params) types.push(t);
    uleb(f.results.length, types);
    types.push(...f.results);
  }
  section(1, types, out);
  // Import: env.memory.
  const imports: number[] = [1];
  name('env', imports);
  name('memory', imports);
  imports.push(0x02);
  const hasMax = memory.maxPages !== undefined;
  imports.push((memory.shared ? 0x02 : 0) | (hasMax ? 0x01 : 0));
  uleb(memory.minPages, imports);
  if (hasMax) uleb(memory.maxPages!, imports);
  section(2, imports, out);
  // Functions.
  const funcs: number[] = [];
  uleb(functions.length, funcs);
  for (let i = 0; i < functions.length; i++) uleb(i, funcs);
  section(3, funcs, out);
  // Exports.
  const exports: number[] = [];
  uleb(functions.length, exports);
  functions.forEach((f, i) => {
    name(f.name, exports);
    exports.push(0x00);
    uleb(i, exports);
  });
  section(7, exports, out);
  // Code.
  const code: number[] = [];
  uleb(functions.length, code);
  for (const f of functions) {
    const body = f.encode();
    uleb(body.length, code);
    code.push(...body);
  }
  section(10, code, out);
  return new Uint8Array(out);
}
