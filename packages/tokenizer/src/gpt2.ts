/**
 * The real GPT-2 tokenizer (50,257 tokens: 256 bytes, 50,000 merges, `<|endoftext|>` = 50256), built from the
 * ranks js-tiktoken ships (`js-tiktoken/ranks/gpt2`). tiktoken stores ranks (token bytes → rank) rather than
 * merges; the merges are recovered as Hugging Face's converter does: each token, in rank order, is BPE-encoded
 * with the merges of lower rank, which leaves exactly two tokens — the pair that merges into it, at its rank.
 */

import { runtimeError } from '@selfsup/core';
import gpt2Ranks from 'js-tiktoken/ranks/gpt2';
import { BpeTokenizer } from './bpe.js';
import { BYTE_TO_CHAR } from './byte-level.js';
import { applyMerges, MergeTable } from './merge-table.js';

export const GPT2_VOCAB_SIZE = 50257;
export const GPT2_END_OF_TEXT = '<|endoftext|>';

let shared: BpeTokenizer | undefined;

/** GPT-2's tokenizer. Built once per process (about 0.1 s) and shared: tokenizers are immutable. */
export function gpt2Tokenizer(): BpeTokenizer {
  shared ??= buildGpt2();
  return shared;
}

function decodeBase64(s: string): Uint8Array {
  const binary = atob(s);
  const out = new Uint8Array(binary.length);
  for (let i = 0; i < binary.length; i++) out[i] = binary.charCodeAt(i);
  return out;
}

/** Token bytes by rank, from js-tiktoken's compact format (lines of `<char> <first rank> <base64 token>...`). */
export function parseTiktokenRanks(bpeRanks: string): Uint8Array[] {
  const byRank: Uint8Array[] = [];
  for (const line of bpeRanks.split('\n')) {
    if (!line) continue;
    const fields = line.split(' ');
    const offset = Number.parseInt(fields[1], 10);
    for (let i = 2; i < fields.length; i++) byRank[offset + i - 2] = decodeBase64(fields[i]);
  }
  return byRank;
}

function buildGpt2(): BpeTokenizer {
  const byRank = parseTiktokenRanks(gpt2Ranks.bpe_ranks);
  const specials = gpt2Ranks.special_tokens;
  const vocab: string[] = [];
  const byteId = new Int32Array(256).fill(-1);
  byRank.forEach((bytes, rank) => {
    vocab[rank] = Array.from(bytes, (b) => BYTE_TO_CHAR[b]).join('');
    if (bytes.length === 1) byteId[bytes[0]] = rank;
  });
  for (const [token, id] of Object.entries(specials)) vocab[id] = token;
  if (vocab.length !== GPT2_VOCAB_SIZE || byteId.includes(-1)) {
    throw runtimeError(`js-tiktoken's GPT-2 ranks are not the expected ${GPT2_VOCAB_SIZE} tokens`);
  }
  const table = new MergeTable(50000);
  const merges: [number, number][] = [];
  const ids = new Int32Array(256);
  const scratch = new Int32Array(256);
  byRank.forEach((bytes, rank) => {
    if (bytes.length < 2) return;
    for (let i = 0; i < bytes.length; i++) ids[i] = byteId[bytes[i]];
    const n = applyMerges(table, ids, bytes.length, scratch);
    if (n !== 2) throw runtimeError(`GPT-2 token ${rank} does not split into one merge`);
    merges.push([ids[0], ids[1]]);
    table.set(ids[0], ids[1], rank, rank);
  });
  return new BpeTokenizer({ vocab, merges, specialTokens: { ...specials } });
}
