/**
 * The safetensors format (https://huggingface.co/docs/safetensors): 8 bytes of little-endian header length N, N bytes
 * of JSON header `{name: {dtype, shape, data_offsets: [begin, end]}, "__metadata__": {string: string}}`, then the raw
 * little-endian tensor bytes. No TensorFlow here: the model and the trainer (optimizer state) both use it.
 *
 * Reading a file a stranger handed us, so every length, offset and size is checked before anything is allocated or
 * indexed, and every failure names the file and the tensor.
 */
import { readFileSync, statSync } from 'node:fs';
import { writeFileAtomicSync } from './atomic-write.js';
import { describeFsError, inputError, isInputFsError, runtimeError, usageError } from './errors.js';
import { decodeUtf8, parseJson, quoteJson } from './json.js';

/** Element sizes in bytes of every dtype the format defines. */
export const SAFETENSORS_DTYPE_SIZES = {
  BOOL: 1,
  U8: 1,
  I8: 1,
  F8_E4M3: 1,
  F8_E5M2: 1,
  U16: 2,
  I16: 2,
  F16: 2,
  BF16: 2,
  U32: 4,
  I32: 4,
  F32: 4,
  U64: 8,
  I64: 8,
  F64: 8,
} as const;

export type SafetensorsDtype = keyof typeof SAFETENSORS_DTYPE_SIZES;

/** The largest header we accept (the reference implementation's limit). */
export const MAX_SAFETENSORS_HEADER_BYTES = 100_000_000;

export type TypedArray =
  | Float32Array
  | Float64Array
  | Int8Array
  | Int16Array
  | Int32Array
  | Uint8Array
  | Uint16Array
  | Uint32Array
  | BigInt64Array
  | BigUint64Array;

/** One tensor to write: `data` holds exactly product(shape) elements of `dtype` (F16/BF16 as raw Uint16Array bits). */
export interface SafetensorsTensor {
  dtype: SafetensorsDtype;
  shape: readonly number[];
  data: TypedArray;
}

/** One tensor read back: `data` is a view into the file's bytes (no copy). */
export interface SafetensorsView {
  dtype: SafetensorsDtype;
  shape: number[];
  data: Uint8Array;
}

export interface DecodedSafetensors {
  /** Tensors in the file's data order. */
  tensors: Map<string, SafetensorsView>;
  metadata: Record<string, string>;
}

const HOST_IS_LITTLE_ENDIAN = new Uint8Array(new Uint16Array([1]).buffer)[0] === 1;

function isDtype(value: unknown): value is SafetensorsDtype {
  return typeof value === 'string' && Object.hasOwn(SAFETENSORS_DTYPE_SIZES, value);
}

/** Little-endian bytes of a typed array (a view when the host is little-endian, a swapped copy otherwise). */
function littleEndianBytes(data: TypedArray): Uint8Array {
  const bytes = new Uint8Array(data.buffer, data.byteOffset, data.byteLength);
  const size = data.BYTES_PER_ELEMENT;
  if (HOST_IS_LITTLE_ENDIAN || size === 1) return bytes;
  const out = new Uint8Array(bytes.length);
  for (let i = 0; i < bytes.length; i += size) for (let k = 0; k < size; k++) out[i + k] = bytes[i + size - 1 - k];
  return out;
}

/**
 * Serialises tensors (in the order given) and optional string metadata. Returns the file as chunks for
 * `writeFileAtomicSync`; tensor chunks are views of the callers' arrays, not copies.
 */
export function encodeSafetensors(
  tensors: Record<string, SafetensorsTensor> | ReadonlyMap<string, SafetensorsTensor>,
  metadata?: Record<string, string>,
): Uint8Array[] {
  const entries: [string, SafetensorsTensor][] =
    tensors instanceof Map ? [...tensors.entries()] : Object.entries(tensors as Record<string, SafetensorsTensor>);
  const header: Record<string, unknown> = {};
  if (metadata !== undefined) {
    for (const [k, v] of Object.entries(metadata)) {
      if (typeof v !== 'string') throw usageError(`safetensors metadata "${k}" must be a string, got ${typeof v}`);
    }
    header.__metadata__ = metadata;
  }
  const chunks: Uint8Array[] = [];
  let offset = 0;
  for (const [name, t] of entries) {
    if (name === '__metadata__') throw usageError('"__metadata__" cannot be a tensor name');
    if (!isDtype(t.dtype)) throw usageError(`tensor "${name}": unknown safetensors dtype ${String(t.dtype)}`);
    if (!t.shape.every((d) => Number.isSafeInteger(d) && d >= 0)) {
      throw usageError(`tensor "${name}": shape [${t.shape.join(', ')}] must hold non-negative integers`);
    }
    const count = t.shape.reduce((a, b) => a * b, 1);
    const nbytes = count * SAFETENSORS_DTYPE_SIZES[t.dtype];
    if (t.data.byteLength !== nbytes) {
      throw usageError(
        `tensor "${name}": ${t.dtype} [${t.shape.join(', ')}] needs ${nbytes} bytes, its data has ${t.data.byteLength}`,
      );
    }
    if (t.data.BYTES_PER_ELEMENT !== 1 && t.data.BYTES_PER_ELEMENT !== SAFETENSORS_DTYPE_SIZES[t.dtype]) {
      throw usageError(`tensor "${name}": ${t.dtype} data given as ${t.data.constructor.name}`);
    }
    header[name] = { dtype: t.dtype, shape: [...t.shape], data_offsets: [offset, offset + nbytes] };
    offset += nbytes;
    chunks.push(littleEndianBytes(t.data));
  }
  let json = JSON.stringify(header);
  // Pad with spaces so the data section starts 8-byte aligned (as the reference writer does).
  const raw = new TextEncoder().encode(json);
  const padded = Math.ceil(raw.length / 8) * 8;
  json += ' '.repeat(padded - raw.length);
  const headerBytes = new TextEncoder().encode(json);
  const prefix = new Uint8Array(8);
  new DataView(prefix.buffer).setBigUint64(0, BigInt(headerBytes.length), true);
  return [prefix, headerBytes, ...chunks];
}

/** Writes a safetensors file atomically (a crash leaves the old file or the new one). */
export function writeSafetensors(
  path: string,
  tensors: Record<string, SafetensorsTensor> | ReadonlyMap<string, SafetensorsTensor>,
  metadata?: Record<string, string>,
): void {
  writeFileAtomicSync(path, encodeSafetensors(tensors, metadata));
}

/** Parses safetensors bytes; `what` (usually the path) names the source in errors. Tensor data are views of `bytes`. */
export function decodeSafetensors(bytes: Uint8Array, what: string): DecodedSafetensors {
  if (bytes.length < 8) throw inputError(`${what}: ${bytes.length} bytes is too short for a safetensors file`);
  const n = new DataView(bytes.buffer, bytes.byteOffset, 8).getBigUint64(0, true);
  if (n > BigInt(MAX_SAFETENSORS_HEADER_BYTES)) {
    throw inputError(`${what}: safetensors header length ${n} is over the ${MAX_SAFETENSORS_HEADER_BYTES}-byte limit`);
  }
  const headerLength = Number(n);
  if (8 + headerLength > bytes.length) {
    throw inputError(
      `${what}: safetensors header length ${headerLength} runs past the end of the file (${bytes.length} bytes; truncated?)`,
    );
  }
  const text = decodeUtf8(bytes.subarray(8, 8 + headerLength), `${what} (safetensors header)`);
  const header = parseJson(text, `${what} (safetensors header)`);
  if (typeof header !== 'object' || header === null || Array.isArray(header)) {
    throw inputError(`${what}: safetensors header must be a JSON object`);
  }
  const dataStart = 8 + headerLength;
  const dataLength = bytes.length - dataStart;
  const metadata: Record<string, string> = {};
  const spans: { name: string; begin: number; end: number; view: SafetensorsView }[] = [];
  for (const [name, entry] of Object.entries(header as Record<string, unknown>)) {
    if (name === '__metadata__') {
      if (typeof entry !== 'object' || entry === null || Array.isArray(entry)) {
        throw inputError(`${what}: "__metadata__" must be an object of strings`);
      }
      for (const [k, v] of Object.entries(entry)) {
        if (typeof v !== 'string')
          throw inputError(`${what}: "__metadata__".${quoteJson(k, 120)} must be a string, got ${typeof v}`);
        metadata[k] = v;
      }
      continue;
    }
    const where = `${what}: tensor ${quoteJson(name, 120)}`;
    if (typeof entry !== 'object' || entry === null || Array.isArray(entry)) {
      throw inputError(`${where}: header entry must be an object with dtype, shape and data_offsets`);
    }
    const { dtype, shape, data_offsets: offsets } = entry as Record<string, unknown>;
    if (!isDtype(dtype)) throw inputError(`${where}: unknown dtype ${quoteJson(dtype)}`);
    if (!Array.isArray(shape) || !shape.every((d) => Number.isSafeInteger(d) && d >= 0)) {
      throw inputError(`${where}: shape must be an array of non-negative integers, got ${quoteJson(shape)}`);
    }
    if (
      !Array.isArray(offsets) ||
      offsets.length !== 2 ||
      !offsets.every((o) => Number.isSafeInteger(o) && o >= 0) ||
      offsets[0] > offsets[1]
    ) {
      throw inputError(`${where}: data_offsets must be [begin, end] with 0 ≤ begin ≤ end, got ${quoteJson(offsets)}`);
    }
    const [begin, end] = offsets as [number, number];
    if (end > dataLength) {
      throw inputError(
        `${where}: data_offsets [${begin}, ${end}] run past the ${dataLength}-byte data section (truncated file?)`,
      );
    }
    // Multiply step by step so a huge shape cannot overflow before it is compared with the byte span.
    const span = end - begin;
    const dims = shape as number[];
    let expected = dims.includes(0) ? 0 : SAFETENSORS_DTYPE_SIZES[dtype];
    let overflow = false;
    for (const d of dims) {
      overflow = expected > Number.MAX_SAFE_INTEGER / Math.max(d, 1);
      if (overflow) break;
      expected *= d;
    }
    if (overflow || expected !== span) {
      const need = overflow ? `more than ${Number.MAX_SAFE_INTEGER}` : `${expected}`;
      throw inputError(`${where}: ${dtype} [${dims.join(', ')}] needs ${need} bytes but data_offsets span ${span}`);
    }
    spans.push({
      name,
      begin,
      end,
      view: { dtype, shape: [...dims], data: bytes.subarray(dataStart + begin, dataStart + end) },
    });
  }
  spans.sort((a, b) => a.begin - b.begin || a.end - b.end);
  let cursor = 0;
  for (const s of spans) {
    if (s.begin < cursor)
      throw inputError(`${what}: tensor ${quoteJson(s.name, 120)} overlaps the tensor before it in the data section`);
    if (s.begin > cursor)
      throw inputError(`${what}: gap of ${s.begin - cursor} bytes before tensor ${quoteJson(s.name, 120)}`);
    cursor = s.end;
  }
  if (cursor !== dataLength) {
    throw inputError(`${what}: ${dataLength - cursor} bytes after the last tensor are not described by the header`);
  }
  return { tensors: new Map(spans.map((s) => [s.name, s.view])), metadata };
}

/** Reads and validates a safetensors file. */
export function readSafetensors(path: string): DecodedSafetensors {
  let bytes: Uint8Array;
  try {
    if (statSync(path).isDirectory()) throw Object.assign(new Error('is a directory'), { code: 'EISDIR' });
    bytes = readFileSync(path);
  } catch (err) {
    if (isInputFsError(err)) throw inputError(`${path}: ${describeFsError(err)}`, err);
    throw runtimeError(`cannot read ${path}: ${describeFsError(err)}`, err);
  }
  return decodeSafetensors(bytes, path);
}

let f16TableCache: Float32Array | undefined;

/** Every half-precision bit pattern's float value, built on first use. */
function f16Table(): Float32Array {
  if (f16TableCache) return f16TableCache;
  const t = new Float32Array(65536);
  for (let h = 0; h < 65536; h++) {
    const sign = h & 0x8000 ? -1 : 1;
    const exp = (h >> 10) & 0x1f;
    const frac = h & 0x3ff;
    if (exp === 0) t[h] = sign * frac * 2 ** -24;
    else if (exp === 31) t[h] = frac ? Number.NaN : sign * Number.POSITIVE_INFINITY;
    else t[h] = sign * (1 + frac / 1024) * 2 ** (exp - 15);
  }
  f16TableCache = t;
  return t;
}

function readU16(data: Uint8Array, count: number): Uint16Array {
  if (HOST_IS_LITTLE_ENDIAN && data.byteOffset % 2 === 0) return new Uint16Array(data.buffer, data.byteOffset, count);
  const out = new Uint16Array(count);
  for (let i = 0; i < count; i++) out[i] = data[2 * i] | (data[2 * i + 1] << 8);
  return out;
}

/**
 * The tensor's values as float32: F32 without a copy when the bytes are 4-byte aligned, F16 / BF16 / F64 and the
 * integer dtypes converted. `what` names the tensor in errors.
 */
export function toFloat32(view: { dtype: SafetensorsDtype; data: Uint8Array }, what = 'tensor'): Float32Array {
  const { dtype, data } = view;
  const size = SAFETENSORS_DTYPE_SIZES[dtype];
  if (size === undefined || data.byteLength % size !== 0) {
    throw inputError(`${what}: cannot read ${data.byteLength} bytes as ${String(dtype)}`);
  }
  const count = data.byteLength / size;
  const dv = new DataView(data.buffer, data.byteOffset, data.byteLength);
  switch (dtype) {
    case 'F32': {
      if (HOST_IS_LITTLE_ENDIAN && data.byteOffset % 4 === 0)
        return new Float32Array(data.buffer, data.byteOffset, count);
      const out = new Float32Array(count);
      for (let i = 0; i < count; i++) out[i] = dv.getFloat32(4 * i, true);
      return out;
    }
    case 'F16': {
      const bits = readU16(data, count);
      const table = f16Table();
      const out = new Float32Array(count);
      for (let i = 0; i < count; i++) out[i] = table[bits[i]];
      return out;
    }
    case 'BF16': {
      const bits = readU16(data, count);
      const out = new Float32Array(count);
      const u32 = new Uint32Array(out.buffer);
      for (let i = 0; i < count; i++) u32[i] = bits[i] << 16;
      return out;
    }
    case 'F64': {
      const out = new Float32Array(count);
      if (HOST_IS_LITTLE_ENDIAN && data.byteOffset % 8 === 0)
        out.set(new Float64Array(data.buffer, data.byteOffset, count));
      else for (let i = 0; i < count; i++) out[i] = dv.getFloat64(8 * i, true);
      return out;
    }
    case 'BOOL':
    case 'U8':
      return Float32Array.from(data);
    case 'I8':
      return Float32Array.from(new Int8Array(data.buffer, data.byteOffset, count));
    case 'U16':
      return Float32Array.from(readU16(data, count));
    case 'I16': {
      const out = new Float32Array(count);
      for (let i = 0; i < count; i++) out[i] = dv.getInt16(2 * i, true);
      return out;
    }
    case 'I32':
    case 'U32': {
      const out = new Float32Array(count);
      for (let i = 0; i < count; i++) out[i] = dtype === 'I32' ? dv.getInt32(4 * i, true) : dv.getUint32(4 * i, true);
      return out;
    }
    case 'I64':
    case 'U64': {
      const out = new Float32Array(count);
      for (let i = 0; i < count; i++) {
        out[i] = Number(dtype === 'I64' ? dv.getBigInt64(8 * i, true) : dv.getBigUint64(8 * i, true));
      }
      return out;
    }
    default:
      throw inputError(`${what}: ${dtype} values cannot be read as float32`);
  }
}

/** float32 → IEEE half bits, round to nearest even (overflow → ±Inf, NaN kept). */
function float32ToF16Bits(value: number, f32: Float32Array, u32: Uint32Array): number {
  f32[0] = value;
  const x = u32[0];
  const sign = (x >>> 16) & 0x8000;
  const exp = (x >>> 23) & 0xff;
  let mant = x & 0x7fffff;
  if (exp === 0xff) return sign | 0x7c00 | (mant ? 0x200 : 0);
  const e = exp - 127 + 15;
  if (e >= 31) return sign | 0x7c00;
  if (e <= 0) {
    if (e < -10) return sign;
    mant |= 0x800000;
    const shift = 14 - e;
    const half = 1 << (shift - 1);
    let r = mant >>> shift;
    const rem = mant & ((1 << shift) - 1);
    if (rem > half || (rem === half && r & 1)) r++;
    return sign | r;
  }
  let r = (e << 10) | (mant >>> 13);
  const rem = mant & 0x1fff;
  if (rem > 0x1000 || (rem === 0x1000 && r & 1)) r++; // may carry into the exponent, which is still correct
  return sign | r;
}

/** float32 values encoded as `dtype` for `encodeSafetensors` (F32 is returned as is; F16/BF16 round to nearest even). */
export function fromFloat32(values: Float32Array, dtype: 'F32' | 'F16' | 'BF16'): Float32Array | Uint16Array {
  if (dtype === 'F32') return values;
  const out = new Uint16Array(values.length);
  const f32 = new Float32Array(1);
  const u32 = new Uint32Array(f32.buffer);
  if (dtype === 'F16') {
    for (let i = 0; i < values.length; i++) out[i] = float32ToF16Bits(values[i], f32, u32);
    return out;
  }
  for (let i = 0; i < values.length; i++) {
    f32[0] = values[i];
    const x = u32[0];
    if ((x & 0x7f800000) === 0x7f800000 && x & 0x7fffff) out[i] = (x >>> 16) | 0x40;
    else out[i] = (x + 0x7fff + ((x >>> 16) & 1)) >>> 16;
  }
  return out;
}
