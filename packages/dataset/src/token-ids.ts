/** The id arrays the batch makers accept, and a cheap way to get one from anything array-like. */
import { inputError } from '@selfsup/core';

/** Token ids as the batch makers read them: a token file's view (uint16/uint32) or an `Int32Array`. */
export type TokenIds = Uint16Array | Uint32Array | Int32Array;

/** Typed arrays pass through untouched (no copy); anything else array-like is copied once into an `Int32Array`. */
export function asTokenIds(ids: ArrayLike<number>, what = 'tokens'): TokenIds {
  if (ids instanceof Uint16Array || ids instanceof Uint32Array || ids instanceof Int32Array) return ids;
  if (ids === null || typeof ids !== 'object' || typeof (ids as ArrayLike<number>).length !== 'number') {
    throw inputError(`${what}: expected an array of token ids`);
  }
  const out = new Int32Array(ids.length);
  for (let i = 0; i < ids.length; i++) {
    const id = ids[i];
    if (!Number.isInteger(id) || id < 0 || id > 0x7fffffff)
      throw inputError(`${what}: element ${i} is ${id}, not a token id`);
    out[i] = id;
  }
  return out;
}
