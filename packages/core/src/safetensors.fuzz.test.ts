/**
 * Fuzzing the safetensors reader (model.safetensors, optimizer.safetensors): random bytes, random headers, every
 * truncation and random edits of a valid file, huge declared sizes, deep JSON. Each case must end in success or a
 * SelfsupError; on success every tensor must lie inside the file and match its dtype and shape.
 */
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import {
  type DecodedSafetensors,
  decodeSafetensors,
  encodeSafetensors,
  readSafetensors,
  SAFETENSORS_DTYPE_SIZES,
  toFloat32,
} from './safetensors.js';
import { deepJson, fuzzParams, mutatedBytes, outcome } from './testing/fuzz.js';

const concat = (chunks: Uint8Array[]) => {
  const out = new Uint8Array(chunks.reduce((n, c) => n + c.length, 0));
  let o = 0;
  for (const c of chunks) {
    out.set(c, o);
    o += c.length;
  }
  return out;
};

const VALID = concat(
  encodeSafetensors(
    {
      'transformer.wte.weight': {
        dtype: 'F32',
        shape: [5, 3],
        data: Float32Array.from({ length: 15 }, (_, i) => i / 7),
      },
      'transformer.h.0.ln_1.bias': { dtype: 'F16', shape: [3], data: Uint16Array.of(0x3c00, 0x4000, 0xbc00) },
      step: { dtype: 'I64', shape: [], data: BigInt64Array.of(42n) },
      empty: { dtype: 'BF16', shape: [0, 4], data: new Uint16Array(0) },
    },
    { format: 'pt' },
  ),
);

/** A file from a header object and a data section of `dataLength` bytes. */
function fileWith(header: unknown, dataLength: number, rawHeader?: string): Uint8Array {
  const json = new TextEncoder().encode(rawHeader ?? JSON.stringify(header));
  const prefix = new Uint8Array(8);
  new DataView(prefix.buffer).setBigUint64(0, BigInt(json.length), true);
  return concat([prefix, json, new Uint8Array(dataLength)]);
}

/** The invariants a successful decode promises. */
function checkDecoded(file: DecodedSafetensors, bytes: Uint8Array): void {
  let total = 0;
  for (const [name, view] of file.tensors) {
    const count = view.shape.reduce((a, b) => a * b, 1);
    expect(view.data.byteLength, name).toBe(count * SAFETENSORS_DTYPE_SIZES[view.dtype]);
    expect(view.data.buffer, name).toBe(bytes.buffer);
    expect(view.data.byteOffset + view.data.byteLength).toBeLessThanOrEqual(bytes.byteOffset + bytes.byteLength);
    total += view.data.byteLength;
    const values = outcome(`toFloat32 ${name}`, () => toFloat32(view, name));
    if (values.ok) expect(values.value.length).toBe(count);
  }
  expect(total).toBeLessThanOrEqual(bytes.length);
}

function decodeCase(label: string, bytes: Uint8Array): void {
  const r = outcome(label, () => decodeSafetensors(bytes, 'fuzz.safetensors'));
  if (r.ok) checkDecoded(r.value, bytes);
}

const dtypeArb = fc.oneof(
  fc.constantFrom(...(Object.keys(SAFETENSORS_DTYPE_SIZES) as string[])),
  fc.constantFrom('F128', 'f32', '', 'int4', '__proto__', 'toString'),
  fc.anything({ maxDepth: 1 }),
);
const dimArb = fc.oneof(
  fc.nat(8),
  fc.constantFrom(2 ** 31, 2 ** 32, 2 ** 53, -1, 1.5, 0),
  fc.anything({ maxDepth: 0 }),
);
const entryArb = fc.record(
  {
    dtype: dtypeArb,
    shape: fc.oneof(fc.array(dimArb, { maxLength: 4 }), fc.anything({ maxDepth: 1 })),
    data_offsets: fc.oneof(
      fc.tuple(fc.nat(200), fc.nat(200)),
      fc.tuple(fc.constantFrom(0, 2 ** 53, 2 ** 64, -8), fc.constantFrom(0, 8, 2 ** 53 + 8, 1e300)),
      fc.array(fc.anything({ maxDepth: 0 }), { maxLength: 3 }),
    ),
  },
  { requiredKeys: [] },
);
const headerArb = fc.dictionary(
  fc.oneof(fc.string({ maxLength: 12 }), fc.constantFrom('__metadata__', '__proto__', 'constructor', '')),
  fc.oneof(
    entryArb,
    fc.dictionary(fc.string({ maxLength: 4 }), fc.anything({ maxDepth: 1 })),
    fc.anything({ maxDepth: 1 }),
  ),
  { maxKeys: 6 },
);

describe('safetensors reader under fuzzing', () => {
  it('accepts the valid file it starts from', () => {
    const r = decodeSafetensors(VALID, 'valid');
    expect([...r.tensors.keys()]).toEqual(['transformer.wte.weight', 'transformer.h.0.ln_1.bias', 'step', 'empty']);
    checkDecoded(r, VALID);
  });

  it('random bytes', () => {
    fc.assert(
      fc.property(fc.uint8Array({ maxLength: 300 }), (bytes) => decodeCase('random bytes', bytes)),
      fuzzParams(3000),
    );
  });

  it('a length prefix followed by random bytes', () => {
    fc.assert(
      fc.property(fc.nat(300), fc.uint8Array({ maxLength: 300 }), (n, rest) => {
        const bytes = new Uint8Array(8 + rest.length);
        new DataView(bytes.buffer).setBigUint64(0, BigInt(n), true);
        bytes.set(rest, 8);
        decodeCase('prefix + random', bytes);
      }),
      fuzzParams(3000),
    );
  });

  it('random headers (types, dtypes, shapes, offsets, metadata) with random data lengths', () => {
    fc.assert(
      fc.property(headerArb, fc.nat(256), (header, dataLength) => {
        decodeCase(`header ${JSON.stringify(header)} + ${dataLength} bytes`, fileWith(header, dataLength));
      }),
      fuzzParams(4000),
    );
  });

  it('a truncation at every offset of a valid file', () => {
    for (let n = 0; n < VALID.length; n++) {
      const r = outcome(`truncated at ${n}`, () => decodeSafetensors(VALID.subarray(0, n), 'cut.safetensors'));
      expect(r.ok, `truncated at ${n}`).toBe(false);
    }
  });

  it('bit flips, overwrites, cut-outs and insertions in a valid file', () => {
    fc.assert(
      fc.property(mutatedBytes(VALID), ({ label, bytes }) => decodeCase(label, bytes)),
      fuzzParams(4000),
    );
  });

  it('huge declared sizes are refused before anything is allocated', () => {
    const huge: [string, Uint8Array][] = [];
    for (const n of [2n ** 64n - 1n, 2n ** 63n, 2n ** 40n, 100_000_001n, 99_999_999n]) {
      const b = new Uint8Array(64);
      new DataView(b.buffer).setBigUint64(0, n, true);
      huge.push([`header length ${n}`, b]);
    }
    const entry = (shape: unknown, offsets: unknown, dtype = 'F32') => ({ t: { dtype, shape, data_offsets: offsets } });
    huge.push(['shape 2^30 × 2^30', fileWith(entry([2 ** 30, 2 ** 30], [0, 16]), 16)]);
    huge.push(['shape overflowing 2^53', fileWith(entry([2 ** 26, 2 ** 26, 2 ** 26], [0, 2 ** 53]), 16)]);
    huge.push(['offsets past 2^53', fileWith(entry([4], [2 ** 53, 2 ** 53 + 16]), 16)]);
    huge.push(['offsets 1e300', fileWith(entry([4], [0, 1e300]), 16)]);
    huge.push(['entries that are not objects', fileWith(null, 0, `{${'"a":1,'.repeat(10)}"b":1}`)]);
    for (const [label, bytes] of huge) {
      const r = outcome(label, () => decodeSafetensors(bytes, 'huge.safetensors'), { maxArrayBufferGrowth: 1 << 20 });
      expect(r.ok, label).toBe(false);
    }
  });

  it('deeply nested and very wide JSON headers', () => {
    for (const [label, text] of [
      ['deep array', deepJson(100_000)],
      ['deep object', deepJson(100_000, 'object')],
      ['deep metadata', `{"__metadata__":${deepJson(50_000, 'object')}}`],
      ['deep entry', `{"t":{"dtype":"F32","shape":${deepJson(50_000)},"data_offsets":[0,0]}}`],
      [
        'wide',
        `{${Array.from({ length: 50_000 }, (_, i) => `"t${i}":{"dtype":"U8","shape":[1],"data_offsets":[${i},${i + 1}]}`).join(',')}}`,
      ],
    ] as const) {
      const r = outcome(label, () => decodeSafetensors(fileWith(null, label === 'wide' ? 50_000 : 0, text), label));
      if (label === 'wide') expect(r.ok).toBe(true);
      else expect(r.ok, label).toBe(false);
    }
  });

  it('readSafetensors names the file for a folder, a missing file and garbage', () => {
    const dir = mkdtempSync(join(tmpdir(), 'selfsup-st-fuzz-'));
    writeFileSync(join(dir, 'garbage.safetensors'), 'not a safetensors file at all');
    for (const path of [dir, join(dir, 'missing.safetensors'), join(dir, 'garbage.safetensors')]) {
      const r = outcome(path, () => readSafetensors(path));
      expect(r.ok).toBe(false);
      if (!r.ok) expect(r.error.message).toContain(path);
    }
  });

  it('round-trips random tensors', () => {
    const tensorArb = fc
      .tuple(fc.constantFrom('F32', 'U8', 'I32', 'F16'), fc.array(fc.nat(4), { maxLength: 3 }))
      .map(([dtype, shape]) => {
        const count = shape.reduce((a, b) => a * b, 1);
        const data =
          dtype === 'F32'
            ? Float32Array.from({ length: count }, (_, i) => i * 0.5)
            : dtype === 'I32'
              ? Int32Array.from({ length: count }, (_, i) => -i)
              : dtype === 'F16'
                ? Uint16Array.from({ length: count }, (_, i) => i)
                : Uint8Array.from({ length: count }, (_, i) => i);
        return { dtype, shape, data } as const;
      });
    fc.assert(
      fc.property(
        fc.dictionary(
          fc.string({ minLength: 1, maxLength: 8 }).filter((s) => s !== '__metadata__'),
          tensorArb,
          { maxKeys: 5 },
        ),
        (tensors) => {
          const bytes = concat(encodeSafetensors(tensors));
          const back = decodeSafetensors(bytes, 'roundtrip');
          expect([...back.tensors.keys()].sort()).toEqual(Object.keys(tensors).sort());
          for (const [name, t] of Object.entries(tensors)) {
            const view = back.tensors.get(name)!;
            expect(view.shape).toEqual(t.shape);
            expect([...view.data]).toEqual([...new Uint8Array(t.data.buffer, t.data.byteOffset, t.data.byteLength)]);
          }
        },
      ),
      fuzzParams(500),
    );
  });
});
