import { mkdtempSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { SelfsupError } from './errors.js';
import { Rng } from './rng.js';
import {
  decodeSafetensors,
  encodeSafetensors,
  fromFloat32,
  readSafetensors,
  type SafetensorsTensor,
  toFloat32,
  writeSafetensors,
} from './safetensors.js';

function concat(chunks: Uint8Array[]): Uint8Array {
  const out = new Uint8Array(chunks.reduce((n, c) => n + c.length, 0));
  let o = 0;
  for (const c of chunks) {
    out.set(c, o);
    o += c.length;
  }
  return out;
}

/** A file built by hand: header JSON (unpadded) and raw data bytes. */
function handmade(header: unknown, data: Uint8Array = new Uint8Array(0), headerLength?: number): Uint8Array {
  const json =
    header instanceof Uint8Array
      ? header
      : new TextEncoder().encode(typeof header === 'string' ? header : JSON.stringify(header));
  const prefix = new Uint8Array(8);
  new DataView(prefix.buffer).setBigUint64(0, BigInt(headerLength ?? json.length), true);
  return concat([prefix, json, data]);
}

function sample(): Record<string, SafetensorsTensor> {
  return {
    'a.weight': { dtype: 'F32', shape: [2, 3], data: Float32Array.from([1, -2, 3.5, 0, 1e-8, -1e8]) },
    'b.ids': { dtype: 'I32', shape: [3], data: Int32Array.from([7, -1, 16777216]) },
    'c.half': { dtype: 'F16', shape: [2], data: fromFloat32(Float32Array.from([1, -0.5]), 'F16') as Uint16Array },
    'd.big': { dtype: 'I64', shape: [1], data: BigInt64Array.from([123n]) },
    'e.empty': { dtype: 'F32', shape: [0, 4], data: new Float32Array(0) },
  };
}

function expectError(bytes: Uint8Array, pattern: RegExp): void {
  let err: unknown;
  try {
    decodeSafetensors(bytes, 'm.safetensors');
  } catch (e) {
    err = e;
  }
  expect(err).toBeInstanceOf(SelfsupError);
  expect((err as Error).message).toMatch(/^m\.safetensors/);
  expect((err as Error).message).toMatch(pattern);
}

describe('safetensors encode/decode', () => {
  it('round-trips tensors in order with metadata, data 8-byte aligned', () => {
    const bytes = concat(encodeSafetensors(sample(), { format: 'pt', note: 'héllo' }));
    const headerLength = Number(new DataView(bytes.buffer).getBigUint64(0, true));
    expect((8 + headerLength) % 8).toBe(0);
    const { tensors, metadata } = decodeSafetensors(bytes, 'x');
    expect(metadata).toEqual({ format: 'pt', note: 'héllo' });
    expect([...tensors.keys()]).toEqual(['a.weight', 'b.ids', 'c.half', 'd.big', 'e.empty']);
    const a = tensors.get('a.weight')!;
    expect(a.shape).toEqual([2, 3]);
    expect([...toFloat32(a)]).toEqual([...Float32Array.from([1, -2, 3.5, 0, 1e-8, -1e8])]);
    expect([...toFloat32(tensors.get('b.ids')!)]).toEqual([7, -1, 16777216]);
    expect([...toFloat32(tensors.get('c.half')!)]).toEqual([1, -0.5]);
    expect([...toFloat32(tensors.get('d.big')!)]).toEqual([123]);
    expect(tensors.get('e.empty')!.shape).toEqual([0, 4]);
  });

  it('matches the byte layout of the format by hand', () => {
    const bytes = concat(encodeSafetensors({ x: { dtype: 'U8', shape: [2], data: Uint8Array.from([5, 6]) } }));
    const json = '{"x":{"dtype":"U8","shape":[2],"data_offsets":[0,2]}}';
    const padded = json + ' '.repeat((8 - (json.length % 8)) % 8);
    expect(Number(new DataView(bytes.buffer).getBigUint64(0, true))).toBe(padded.length);
    expect(new TextDecoder().decode(bytes.subarray(8, 8 + padded.length))).toBe(padded);
    expect([...bytes.subarray(8 + padded.length)]).toEqual([5, 6]);
  });

  it('reads F32 without a copy when aligned and copies when not', () => {
    const bytes = concat(encodeSafetensors({ w: { dtype: 'F32', shape: [2], data: Float32Array.from([1.5, 2.5]) } }));
    const view = decodeSafetensors(bytes, 'x').tensors.get('w')!;
    const f = toFloat32(view);
    expect(f.buffer).toBe(bytes.buffer);
    const shifted = new Uint8Array(bytes.length + 1);
    shifted.set(bytes, 1);
    const misaligned = decodeSafetensors(shifted.subarray(1), 'x').tensors.get('w')!;
    const g = toFloat32(misaligned);
    expect(g.buffer).not.toBe(shifted.buffer);
    expect([...g]).toEqual([1.5, 2.5]);
  });

  it('converts F16, BF16 and F64 to float32', () => {
    const half = (bits: number[]) => toFloat32({ dtype: 'F16', data: new Uint8Array(Uint16Array.from(bits).buffer) });
    // 1, -2, 65504 (max), 2^-24 (smallest subnormal), 2^-14 (smallest normal), +Inf, 0.333251953125
    expect([...half([0x3c00, 0xc000, 0x7bff, 0x0001, 0x0400, 0x7c00, 0x3555])]).toEqual([
      1,
      -2,
      65504,
      2 ** -24,
      2 ** -14,
      Number.POSITIVE_INFINITY,
      0.333251953125,
    ]);
    expect(Number.isNaN(half([0x7e00])[0])).toBe(true);
    const bf = toFloat32({ dtype: 'BF16', data: new Uint8Array(Uint16Array.from([0x3f80, 0xc040, 0x3eab]).buffer) });
    expect([...bf]).toEqual([1, -3, 0.333984375]);
    const f64 = toFloat32({ dtype: 'F64', data: new Uint8Array(Float64Array.from([0.1, -1e300]).buffer) });
    expect(f64[0]).toBeCloseTo(0.1, 7);
    expect(f64[1]).toBe(Number.NEGATIVE_INFINITY);
    expect(() => toFloat32({ dtype: 'F8_E4M3', data: new Uint8Array(1) }, 'q')).toThrow(/q: F8_E4M3/);
  });

  it('rounds float32 to F16 and BF16 to nearest even', () => {
    const x = Float32Array.from([1, 1 + 2 ** -11, 1 + 3 * 2 ** -11, 65520, 1e-8, -0, 2 ** -24, 3 * 2 ** -26]);
    expect([...fromFloat32(x, 'F16')]).toEqual([0x3c00, 0x3c00, 0x3c02, 0x7c00, 0x0000, 0x8000, 0x0001, 0x0001]);
    const y = Float32Array.from([1, 1 + 2 ** -8, 1 + 3 * 2 ** -8, -3]);
    expect([...fromFloat32(y, 'BF16')]).toEqual([0x3f80, 0x3f80, 0x3f82, 0xc040]);
    // Every finite half value survives float32 → F16 → float32 exactly.
    const all = new Uint16Array(65536).map((_, i) => i);
    const values = toFloat32({ dtype: 'F16', data: new Uint8Array(all.buffer) });
    const back = fromFloat32(values, 'F16');
    const mismatches = [...all].filter((i) => !Number.isNaN(values[i]) && back[i] !== i);
    expect(mismatches).toEqual([]);
  });

  it('refuses inconsistent tensors when encoding', () => {
    expect(() => encodeSafetensors({ w: { dtype: 'F32', shape: [3], data: new Float32Array(2) } })).toThrow(
      /tensor "w": F32 \[3\] needs 12 bytes, its data has 8/,
    );
    expect(() => encodeSafetensors({ __metadata__: { dtype: 'U8', shape: [0], data: new Uint8Array(0) } })).toThrow(
      SelfsupError,
    );
    expect(() => encodeSafetensors({ w: { dtype: 'F16', shape: [1], data: new Float32Array(1) } })).toThrow(
      /needs 2 bytes/,
    );
  });
});

describe('safetensors validation', () => {
  const good = concat(encodeSafetensors(sample(), { format: 'pt' }));

  it('rejects every truncation of a valid file with a SelfsupError', () => {
    for (let n = 0; n < good.length; n++) {
      expect(() => decodeSafetensors(good.subarray(0, n), 't')).toThrow(SelfsupError);
    }
    expect(() => decodeSafetensors(concat([good, new Uint8Array(1)]), 't')).toThrow(/1 bytes after the last tensor/);
  });

  it('never throws anything but a SelfsupError on corrupted bytes', () => {
    const rng = new Rng(11);
    for (let trial = 0; trial < 400; trial++) {
      const bytes = good.slice();
      for (let k = 0; k < 1 + rng.int(4); k++) bytes[rng.int(bytes.length)] = rng.int(256);
      try {
        decodeSafetensors(bytes, 'c');
      } catch (err) {
        expect(err).toBeInstanceOf(SelfsupError);
      }
    }
  });

  it('names the problem in bad headers', () => {
    expectError(new Uint8Array(5), /too short/);
    expectError(handmade({}, undefined, 200_000_000), /over the 100000000-byte limit/);
    expectError(handmade({}, undefined, 50), /runs past the end of the file/);
    expectError(handmade('{"a": '), /not valid JSON/);
    expectError(handmade('[1, 2]'), /header must be a JSON object/);
    expectError(handmade(Uint8Array.from([0x7b, 0xff, 0x7d])), /not valid UTF-8/);
    expectError(handmade({ __metadata__: { a: 1 } }), /"__metadata__"\."a" must be a string/);
    expectError(handmade({ __metadata__: ['x'] }), /"__metadata__" must be an object/);
    expectError(handmade({ w: 3 }), /tensor "w": header entry must be an object/);
    expectError(
      handmade({ w: { dtype: 'F33', shape: [1], data_offsets: [0, 4] } }, new Uint8Array(4)),
      /unknown dtype/,
    );
    expectError(handmade({ w: { dtype: 'F32', shape: [-1], data_offsets: [0, 4] } }, new Uint8Array(4)), /shape must/);
    expectError(handmade({ w: { dtype: 'F32', shape: [1.5], data_offsets: [0, 4] } }, new Uint8Array(4)), /shape must/);
    expectError(handmade({ w: { dtype: 'F32', shape: [1], data_offsets: [4, 0] } }, new Uint8Array(4)), /data_offsets/);
    expectError(handmade({ w: { dtype: 'F32', shape: [1], data_offsets: [0] } }, new Uint8Array(4)), /data_offsets/);
    expectError(handmade({ w: { dtype: 'F32', shape: [1], data_offsets: [0, 8] } }, new Uint8Array(4)), /run past/);
    expectError(
      handmade({ w: { dtype: 'F32', shape: [2], data_offsets: [0, 4] } }, new Uint8Array(4)),
      /tensor "w": F32 \[2\] needs 8 bytes but data_offsets span 4/,
    );
    expectError(
      handmade({ w: { dtype: 'F32', shape: [2 ** 40, 2 ** 40, 2 ** 40], data_offsets: [0, 4] } }, new Uint8Array(4)),
      /needs more than 9007199254740991 bytes/,
    );
    expectError(
      handmade(
        {
          a: { dtype: 'U8', shape: [4], data_offsets: [0, 4] },
          b: { dtype: 'U8', shape: [4], data_offsets: [2, 6] },
        },
        new Uint8Array(6),
      ),
      /tensor "b" overlaps/,
    );
    expectError(
      handmade({ a: { dtype: 'U8', shape: [2], data_offsets: [2, 4] } }, new Uint8Array(4)),
      /gap of 2 bytes before tensor "a"/,
    );
  });

  it('accepts zero-size tensors anywhere and an empty file body', () => {
    const bytes = handmade(
      {
        z: { dtype: 'F32', shape: [0], data_offsets: [0, 0] },
        a: { dtype: 'U8', shape: [2], data_offsets: [0, 2] },
      },
      Uint8Array.from([1, 2]),
    );
    const { tensors } = decodeSafetensors(bytes, 'x');
    expect(tensors.get('z')!.data.length).toBe(0);
    expect(decodeSafetensors(handmade({}), 'x').tensors.size).toBe(0);
  });
});

describe('safetensors files', () => {
  it('writes atomically and reads back; read errors name the path', () => {
    const dir = mkdtempSync(join(tmpdir(), 'selfsup-st-'));
    const file = join(dir, 'model.safetensors');
    writeSafetensors(file, sample(), { format: 'pt' });
    expect(readdirSync(dir)).toEqual(['model.safetensors']);
    const { tensors } = readSafetensors(file);
    expect([...toFloat32(tensors.get('b.ids')!)]).toEqual([7, -1, 16777216]);
    expect(() => readSafetensors(join(dir, 'nope.safetensors'))).toThrow(/nope\.safetensors: not found/);
    expect(() => readSafetensors(dir)).toThrow(SelfsupError);
    writeFileSync(join(dir, 'cut.safetensors'), readFileSync(file).subarray(0, 40));
    expect(() => readSafetensors(join(dir, 'cut.safetensors'))).toThrow(/cut\.safetensors: .*truncated/);
  });
});
