import { createHash } from 'node:crypto';
import { existsSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { SelfsupError } from '@selfsup/core';
import { trainChar } from '@selfsup/tokenizer';
import { describe, expect, it } from 'vitest';
import { IGNORE_INDEX } from './clm-batches.js';
import { readCorpus } from './corpus.js';
import { mlmBatches } from './mlm-batches.js';
import { mlmBlocks } from './mlm-blocks.js';
import { prepareData, splitSizes } from './prepare.js';
import { openPreparedData } from './prepared-folder.js';
import { openTokenFile } from './token-file.js';
import { type DataTokenizer, mlmOptionsFor, mlmSpecialIds, parseTokenizerSpec } from './tokenizer-spec.js';

const TINY_SHAKESPEARE = join(
  dirname(fileURLToPath(import.meta.url)),
  '..',
  '..',
  '..',
  '..',
  'shared',
  'data',
  'tinyshakespeare.txt',
);
const haveShakespeare = existsSync(TINY_SHAKESPEARE);

const tmp = () => mkdtempSync(join(tmpdir(), 'selfsup-prepare-'));

function tree(files: Record<string, string | Uint8Array>): string {
  const root = tmp();
  for (const [name, content] of Object.entries(files)) {
    const path = join(root, name);
    mkdirSync(dirname(path), { recursive: true });
    writeFileSync(path, content);
  }
  return root;
}

async function rejection(p: Promise<unknown>): Promise<SelfsupError> {
  try {
    await p;
  } catch (err) {
    expect(err).toBeInstanceOf(SelfsupError);
    return err as SelfsupError;
  }
  throw new Error('expected a rejection');
}

describe('prepareData', () => {
  it.runIf(haveShakespeare)("reproduces nanoGPT's shakespeare_char prepare.py exactly", async () => {
    const out = join(tmp(), 'shakespeare_char');
    const result = await prepareData({ source: TINY_SHAKESPEARE, tokenizer: 'char', outDir: out });
    expect(result.meta.vocabSize).toBe(65);
    expect(result.meta.split).toEqual({ valFraction: 0.1, train: 1_003_854, val: 111_540 });
    expect(readdirSync(out).sort()).toEqual(['meta.json', 'tokenizer.json', 'train.bin', 'val.bin']);
    // Reference: nanoGPT's data/shakespeare_char/prepare.py run with numpy (chars = sorted(set(data)); train_ids =
    // np.array(encode(data[:int(n*0.9)]), dtype=np.uint16)); the sha256 of train_ids.tobytes() / val_ids.tobytes().
    const sha = (path: string) => createHash('sha256').update(readFileSync(path).subarray(1024)).digest('hex');
    expect(sha(join(out, 'train.bin'))).toBe('6ec305602a99ac2802745a134e1f5e33e2231b4855525b00b9aebb730ac2626f');
    expect(sha(join(out, 'val.bin'))).toBe('d37d30cc0c8327c270d493299c3dca54135f6d5f1c9ef60cda78076e311204b1');
    const data = openPreparedData(out);
    expect(Array.from(data.train.tokens.subarray(0, 16))).toEqual([
      18, 47, 56, 57, 58, 1, 15, 47, 58, 47, 64, 43, 52, 10, 0, 14,
    ]);
    expect(Array.from(data.val.tokens.subarray(0, 16))).toEqual([
      12, 0, 0, 19, 30, 17, 25, 21, 27, 10, 0, 19, 53, 53, 42, 1,
    ]);
    const itos = "\n !$&',-.3:;?ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz";
    expect(Array.from(itos, (_, i) => result.tokenizer.idToToken(i)).join('')).toBe(itos);
    const meta = JSON.parse(readFileSync(join(out, 'meta.json'), 'utf8'));
    expect(meta).toMatchObject({
      format: 'selfsup-prepared-data',
      source: TINY_SHAKESPEARE,
      sourceKind: 'file',
      tokens: 1_115_394,
      characters: 1_115_394,
      layout: 'documents',
      bytesPerToken: 2,
    });
    expect(meta.tokenizer).toEqual({ spec: 'char', kind: 'char', vocabSize: 65, endOfTextId: null });
  });

  it('splits the token stream like nanoGPT: floor(n · (1 − f)) train, the rest val', () => {
    expect(splitSizes(1_115_394, 0.1)).toEqual({ train: 1_003_854, val: 111_540 });
    expect(splitSizes(10, 0.25)).toEqual({ train: 7, val: 3 });
    expect(splitSizes(10, 0)).toEqual({ train: 10, val: 0 });
  });

  it('joins documents with the end-of-text token of a trained BPE tokenizer', async () => {
    const root = tree({ 'a.txt': 'the cat sat on the mat. '.repeat(20), 'b.txt': 'a dog ran in the fog. '.repeat(20) });
    const out = join(root, 'out');
    const result = await prepareData({ source: root, tokenizer: 'bpe:300', outDir: out, valFraction: 0.2 });
    const eot = result.tokenizer.endOfTextId;
    expect(eot).toBeTypeOf('number');
    expect(result.meta.separators.document).toBe(eot);
    const data = openPreparedData(out);
    const all = [...data.train.tokens, ...data.val.tokens];
    expect(all.filter((t) => t === eot)).toHaveLength(1);
    const at = all.indexOf(eot as number);
    const enc = (s: string) => Array.from(result.tokenizer.encode(s));
    expect(all.slice(0, at)).toEqual(enc('the cat sat on the mat. '.repeat(20)));
    expect(all.slice(at + 1)).toEqual(enc('a dog ran in the fog. '.repeat(20)));
    expect(data.meta.split.val).toBe(all.length - Math.floor(all.length * 0.8));
  });

  it('separates documents by a blank line for a char tokenizer (no end-of-text token)', async () => {
    const root = tree({ 'a.txt': 'abc', 'b.txt': 'de\n', 'c.txt': 'f' });
    const result = await prepareData({ source: root, tokenizer: 'char', outDir: join(root, 'out'), valFraction: 0 });
    const data = openPreparedData(join(root, 'out'));
    expect(result.tokenizer.decode(data.train.tokens)).toBe('abc\n\nde\n\nf');
    expect(data.val.count).toBe(0);
  });

  it('marks documents with [CLS] and sentences with [SEP] for WordPiece, ready for MLM blocks', async () => {
    const root = tree({ 'a.txt': 'the cat sat.\nthe dog ran.\n', 'b.txt': 'a bird flew.\n' });
    const out = join(root, 'out');
    const result = await prepareData({ source: root, tokenizer: 'wordpiece:200', outDir: out, valFraction: 0 });
    const ids = mlmSpecialIds(result.tokenizer)!;
    expect(ids).toBeDefined();
    expect(result.meta.layout).toBe('sentences');
    const data = openPreparedData(out);
    const stream = Array.from(data.train.tokens);
    const sentence = (s: string) => Array.from(result.tokenizer.encode(s, { addSpecialTokens: false }));
    expect(stream).toEqual([
      ids.clsTokenId,
      ...sentence('the cat sat.'),
      ids.sepTokenId,
      ...sentence('the dog ran.'),
      ids.sepTokenId,
      ids.clsTokenId,
      ...sentence('a bird flew.'),
      ids.sepTokenId,
    ]);
    const blocks = mlmBlocks(data.train.tokens, { blockSize: 32, ...ids });
    expect(blocks.count).toBe(2); // one block per document
  });

  it('encodes special-token strings in the corpus as ordinary text', async () => {
    const root = tree({ 'a.txt': 'say [MASK] and <|endoftext|> aloud. '.repeat(30) });
    for (const spec of ['bpe:300', 'wordpiece:200']) {
      const result = await prepareData({
        source: join(root, 'a.txt'),
        tokenizer: spec,
        outDir: join(root, spec.replace(':', '-')),
        valFraction: 0,
      });
      const stream = Array.from(openPreparedData(result.outDir).train.tokens);
      for (const [name, id] of Object.entries(result.tokenizer.specialTokens)) {
        if (name === '[CLS]' || name === '[SEP]' || name === '[UNK]') continue; // the layout's own marks; [UNK] may occur
        expect(stream.includes(id), `${spec} ${name}`).toBe(false);
      }
    }
  });

  it('feeds MLM blocks and batches from a WordPiece folder, with whole-word masking from the tokenizer', async () => {
    const text = 'the unbelievable player was playing unbelievably well.\nthe players played on.\n';
    const root = tree({ 'a.txt': text.repeat(40), 'b.txt': text.repeat(30) });
    const result = await prepareData({
      source: root,
      tokenizer: 'wordpiece:120',
      outDir: join(root, 'out'),
      valFraction: 0,
    });
    const o = mlmOptionsFor(result.tokenizer, { wholeWordMask: true });
    expect(o.specialTokenIds).toEqual([0, 1, 2, 3, 4]);
    expect(o.wordContinuation?.some((v) => v === 1)).toBe(true);
    const blocks = mlmBlocks(openPreparedData(join(root, 'out')).train.tokens, { blockSize: 64, ...o });
    const batch = mlmBatches(blocks, { batchSize: 8, seed: 1, ...o }).nextBatch()!;
    expect(batch.shape).toEqual([8, 64]);
    for (let i = 0; i < batch.labels.length; i++) {
      // a selected ## piece always has its word start selected too
      const label = batch.labels[i];
      if (label !== IGNORE_INDEX && o.wordContinuation![label] === 1)
        expect(batch.labels[i - 1]).not.toBe(IGNORE_INDEX);
    }
    expect(() => mlmOptionsFor(trainChar('abc'))).toThrow(
      /needs a tokenizer with \[CLS\], \[SEP\], \[PAD\] and \[MASK\] \(use wordpiece:N\); this one is char/,
    );
  });

  it('prepares the built-in Brown corpus offline', async () => {
    const out = join(tmp(), 'brown');
    const result = await prepareData({ source: 'brown', tokenizer: 'char', outDir: out });
    expect(result.meta.sourceKind).toBe('brown');
    expect(result.meta.documents).toBe(500);
    expect(result.meta.tokens).toBe(
      readCorpus('brown').documents.reduce(
        (n, d, i, all) => n + d.text.length + (i > 0 ? (all[i - 1].text.endsWith('\n') ? 1 : 2) : 0),
        0,
      ),
    );
    expect(result.meta.vocabSize).toBeLessThan(100);
  });

  it('refuses bad input with one clear line, writing nothing', async () => {
    const root = tree({
      'good.txt': 'hello world\n',
      'folder/a.txt': 'ok',
      'folder/b.txt': Uint8Array.from([0x61, 0xfe]),
      'other/keep.txt': 'mine',
    });
    const out = join(root, 'out');
    expect(
      (await rejection(prepareData({ source: join(root, 'missing.txt'), tokenizer: 'char', outDir: out }))).message,
    ).toMatch(/missing.txt: not found/);
    expect(
      (await rejection(prepareData({ source: join(root, 'folder'), tokenizer: 'char', outDir: out }))).message,
    ).toMatch(/b.txt: not valid UTF-8 \(first invalid byte at offset 1\)/);
    expect(
      (await rejection(prepareData({ source: join(root, 'good.txt'), tokenizer: 'bpe:x', outDir: out }))).message,
    ).toMatch(/bpe:x: the vocabulary size/);
    expect(
      (await rejection(prepareData({ source: join(root, 'good.txt'), tokenizer: 'nope.json', outDir: out }))).message,
    ).toMatch(/--tokenizer nope.json: not found/);
    expect(
      (await rejection(prepareData({ source: join(root, 'good.txt'), tokenizer: 'char', outDir: out, valFraction: 1 })))
        .message,
    ).toMatch(/--val-fraction/);
    expect(
      (await rejection(prepareData({ source: join(root, 'good.txt'), tokenizer: 'char', outDir: join(root, 'other') })))
        .message,
    ).toMatch(/other: the folder exists and is not a prepared-data folder/);
    expect(
      (
        await rejection(
          prepareData({ source: join(root, 'good.txt'), tokenizer: 'char', outDir: join(root, 'good.txt') }),
        )
      ).message,
    ).toMatch(/is a file/);
    expect(existsSync(out)).toBe(false);
    expect(readdirSync(root).sort()).toEqual(['folder', 'good.txt', 'other']);
    expect(readFileSync(join(root, 'other', 'keep.txt'), 'utf8')).toBe('mine');
  });

  it('replaces an earlier prepared folder whole, and leaves it untouched when a run fails', async () => {
    const root = tree({ 'a.txt': 'aaaa bbbb\n'.repeat(10), 'b.txt': 'the other text\n'.repeat(10) });
    const out = join(root, 'out');
    await prepareData({ source: join(root, 'a.txt'), tokenizer: 'char', outDir: out });
    const before = readFileSync(join(out, 'train.bin'));
    const failing: DataTokenizer = {
      kind: 'char',
      vocabSize: 256,
      specialTokens: {},
      endOfTextId: undefined,
      encode: (text: string) => Int32Array.from(text, (c) => c.charCodeAt(0)),
      decode: (ids: ArrayLike<number>) => String.fromCharCode(...Array.from(ids)),
      idToToken: (id: number) => String.fromCharCode(id),
      toJSON: () => {
        throw new SelfsupError('disk full (simulated)', { kind: 'runtime' });
      },
    };
    await rejection(prepareData({ source: join(root, 'b.txt'), tokenizer: failing, outDir: out }));
    expect(readFileSync(join(out, 'train.bin')).equals(before)).toBe(true);
    expect(readdirSync(root).sort()).toEqual(['a.txt', 'b.txt', 'out']); // no staging folder left
    await prepareData({ source: join(root, 'b.txt'), tokenizer: 'char', outDir: out });
    expect(readFileSync(join(out, 'train.bin')).equals(before)).toBe(false);
    expect(openPreparedData(out).meta.source).toBe(join(root, 'b.txt'));
    expect(readdirSync(root).sort()).toEqual(['a.txt', 'b.txt', 'out']);
  });

  it('stops when aborted and writes nothing', async () => {
    const root = tree({ 'big.txt': 'to be or not to be\n'.repeat(200_000) });
    const controller = new AbortController();
    const p = prepareData({
      source: join(root, 'big.txt'),
      tokenizer: 'char',
      outDir: join(root, 'out'),
      signal: controller.signal,
      onProgress: (e) => e.phase === 'encode' && controller.abort(),
    });
    expect((await rejection(p)).message).toMatch(/interrupted/);
    expect(readdirSync(root)).toEqual(['big.txt']);
  });
});

describe('openPreparedData', () => {
  it('checks the folder against its meta.json', async () => {
    const root = tree({ 'a.txt': 'hello there\n'.repeat(50) });
    const out = join(root, 'out');
    await prepareData({ source: join(root, 'a.txt'), tokenizer: 'char', outDir: out });
    const data = openPreparedData(out);
    expect(data.train.count + data.val.count).toBe(600);
    expect(data.tokenizer.vocabSize).toBe(data.meta.vocabSize);
    const meta = JSON.parse(readFileSync(join(out, 'meta.json'), 'utf8'));
    writeFileSync(join(out, 'meta.json'), JSON.stringify({ ...meta, split: { ...meta.split, train: 1 } }));
    expect(() => openPreparedData(out)).toThrow(/meta.json says 1 \+ 60/);
    writeFileSync(join(out, 'meta.json'), JSON.stringify({ ...meta, vocabSize: 3 }));
    expect(() => openPreparedData(out)).toThrow(SelfsupError);
    expect(() => openPreparedData(root)).toThrow(/not a prepared-data folder \(no meta.json\)/);
    expect(() => openPreparedData(join(root, 'nothing'))).toThrow(/nothing: not found/);
    expect(openTokenFile(join(out, 'train.bin')).vocabSize).toBe(meta.vocabSize);
  });

  it('parses --tokenizer values', () => {
    expect(parseTokenizerSpec('char')).toEqual({ kind: 'char' });
    expect(parseTokenizerSpec('gpt2')).toEqual({ kind: 'gpt2' });
    expect(parseTokenizerSpec('bpe:8000')).toEqual({ kind: 'bpe', vocabSize: 8000 });
    expect(parseTokenizerSpec('wordpiece:30522')).toEqual({ kind: 'wordpiece', vocabSize: 30522 });
    expect(() => parseTokenizerSpec('bpe:')).toThrow(/positive integer/);
    expect(() => parseTokenizerSpec('wordpiece:-3')).toThrow(/positive integer/);
    expect(() => parseTokenizerSpec('bpe:1e3')).toThrow(/positive integer/);
    expect(() => parseTokenizerSpec('sentencepiece')).toThrow(
      /not found \(expected char, bpe:N, wordpiece:N, gpt2 or a tokenizer.json file\)/,
    );
  });
});
