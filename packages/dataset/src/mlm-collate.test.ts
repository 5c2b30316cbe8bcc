import { Rng } from '@selfsup/core';
import { describe, expect, it } from 'vitest';
import { IGNORE_INDEX } from './clm-batches.js';
import { MlmCollator, mlmCollate, wordPieceContinuations } from './mlm-collate.js';

// A BERT-like id layout: 0 [PAD], 1 [UNK], 2 [CLS], 3 [SEP], 4 [MASK], then ordinary tokens.
const PAD = 0;
const CLS = 2;
const SEP = 3;
const MASK = 4;
const SPECIALS = [0, 1, 2, 3, 4];
const VOCAB = 1000;

/** ≥ 100,000 tokens in rows of 128: [CLS] … [SEP] [PAD]…, like real MLM blocks. */
function corpusRows(rows: number, T = 128): Int32Array {
  const rng = new Rng(99);
  const ids = new Int32Array(rows * T);
  for (let r = 0; r < rows; r++) {
    const len = 100 + rng.int(T - 100 + 1);
    ids[r * T] = CLS;
    for (let t = 1; t < len - 1; t++) ids[r * T + t] = 5 + rng.int(VOCAB - 5);
    ids[r * T + len - 1] = SEP;
    for (let t = len; t < T; t++) ids[r * T + t] = PAD;
  }
  return ids;
}

const options = { maskTokenId: MASK, vocabSize: VOCAB, specialTokenIds: SPECIALS };

describe('mlmCollate — Hugging Face semantics', () => {
  const ids = corpusRows(1000);
  const ordinary = ids.filter((id) => id > 4).length;
  const { inputs, labels, selectedCount } = mlmCollate(ids, { ...options, seed: 7, rowLength: 128 });

  it('selects 15% ± 0.5% of ordinary tokens and splits them 80/10/10 ± 1%', () => {
    expect(ordinary).toBeGreaterThan(100_000);
    let masked = 0;
    let random = 0;
    let kept = 0;
    let selected = 0;
    for (let i = 0; i < ids.length; i++) {
      if (labels[i] === IGNORE_INDEX) continue;
      selected++;
      if (inputs[i] === MASK) masked++;
      else if (inputs[i] === ids[i]) kept++;
      else random++;
    }
    expect(selected).toBe(selectedCount);
    expect(Math.abs(selected / ordinary - 0.15)).toBeLessThan(0.005);
    // A random draw can pick the original token (1 in 995); such positions read as "kept".
    expect(Math.abs(masked / selected - 0.8)).toBeLessThan(0.01);
    expect(Math.abs(random / selected - 0.1)).toBeLessThan(0.01);
    expect(Math.abs(kept / selected - 0.1)).toBeLessThan(0.01);
  });

  it('never selects a special token and never draws one as a replacement', () => {
    let bad = 0;
    let specials = 0;
    for (let i = 0; i < ids.length; i++) {
      if (ids[i] <= 4) {
        specials++;
        if (labels[i] !== IGNORE_INDEX || inputs[i] !== ids[i]) bad++;
      } else if (inputs[i] !== ids[i] && inputs[i] !== MASK && inputs[i] <= 4) bad++;
    }
    expect(specials).toBeGreaterThan(2000);
    expect(bad).toBe(0);
  });

  it('labels are the original id exactly where selected, -100 elsewhere, and unselected tokens are untouched', () => {
    let bad = 0;
    for (let i = 0; i < ids.length; i++) {
      if (labels[i] === IGNORE_INDEX ? inputs[i] !== ids[i] : labels[i] !== ids[i]) bad++;
    }
    expect(bad).toBe(0);
    // Every changed input is a selected one.
    let changed = 0;
    for (let i = 0; i < ids.length; i++) if (inputs[i] !== ids[i]) changed += labels[i] === IGNORE_INDEX ? 1000 : 1;
    expect(changed).toBeGreaterThan(0);
    expect(changed).toBeLessThan(selectedCount);
  });

  it('same seed → same output; another seed → another output; the input is not modified', () => {
    const copy = ids.slice();
    const again = mlmCollate(ids, { ...options, seed: 7, rowLength: 128 });
    const same = (a: Int32Array, b: Int32Array) => a.length === b.length && a.every((v, i) => v === b[i]);
    expect(same(again.inputs, inputs)).toBe(true);
    expect(same(again.labels, labels)).toBe(true);
    expect(same(mlmCollate(ids, { ...options, seed: 8 }).labels, labels)).toBe(false);
    expect(same(ids, copy)).toBe(true);
  });

  it('honours other probabilities (Hugging Face mask_replace_prob / random_replace_prob)', () => {
    const r = mlmCollate(ids, { ...options, mlmProbability: 0.3, maskReplaceProb: 1, randomReplaceProb: 0, seed: 1 });
    let selected = 0;
    let notMasked = 0;
    for (let i = 0; i < ids.length; i++) {
      if (r.labels[i] === IGNORE_INDEX) continue;
      selected++;
      if (r.inputs[i] !== MASK) notMasked++;
    }
    expect(notMasked).toBe(0);
    expect(Math.abs(selected / ordinary - 0.3)).toBeLessThan(0.005);
    const none = mlmCollate(ids, { ...options, mlmProbability: 0 });
    expect(none.selectedCount).toBe(0);
    expect(() => mlmCollate(ids, { ...options, maskReplaceProb: 0.8, randomReplaceProb: 0.3 })).toThrow(/at most 1/);
    expect(() => mlmCollate(ids, { ...options, mlmProbability: 1.5 })).toThrow(/probability/);
    expect(() => mlmCollate([5, VOCAB], options)).toThrow(/token 1000 at position 1/);
    expect(() => mlmCollate([5], { ...options, maskTokenId: VOCAB })).toThrow(/maskTokenId/);
  });

  it('replacement draws are uniform over the non-special ids', () => {
    const c = new MlmCollator({
      maskTokenId: MASK,
      vocabSize: 10,
      specialTokenIds: SPECIALS,
      maskReplaceProb: 0,
      randomReplaceProb: 1,
      mlmProbability: 1,
    });
    expect(Array.from(c.replacementPool)).toEqual([5, 6, 7, 8, 9]);
    const counts = new Map<number, number>();
    const r = c.collate(new Int32Array(50_000).fill(5), new Rng(2));
    for (const id of r.inputs) counts.set(id, (counts.get(id) ?? 0) + 1);
    expect([...counts.keys()].sort()).toEqual([5, 6, 7, 8, 9]);
    for (const n of counts.values()) expect(Math.abs(n / 50_000 - 0.2)).toBeLessThan(0.01);
  });
});

describe('whole-word masking', () => {
  // tokens: 5 "play", 6 "##ing", 7 "##ed", 8 "the", 9 "un", 10 "##believ", 11 "##able"
  const names = [
    '[PAD]',
    '[UNK]',
    '[CLS]',
    '[SEP]',
    '[MASK]',
    'play',
    '##ing',
    '##ed',
    'the',
    'un',
    '##believ',
    '##able',
  ];
  const cont = wordPieceContinuations(names.length, (id) => names[id]);

  it('marks ## pieces as continuations', () => {
    expect(Array.from(cont)).toEqual([0, 0, 0, 0, 0, 0, 1, 1, 0, 0, 1, 1]);
  });

  it('selects a word with all its pieces or none of them', () => {
    const sentence = [CLS, 8, 5, 6, 9, 10, 11, 8, 5, 7, SEP]; // the playing unbelievable the played
    const words = [[1], [2, 3], [4, 5, 6], [7], [8, 9]];
    const ids = new Int32Array(sentence.length * 4000);
    for (let r = 0; r < 4000; r++) ids.set(sentence, r * sentence.length);
    const { labels, inputs } = mlmCollate(ids, {
      maskTokenId: MASK,
      vocabSize: names.length,
      specialTokenIds: SPECIALS,
      wordContinuation: cont,
      seed: 5,
      rowLength: sentence.length,
    });
    let selectedWords = 0;
    let totalWords = 0;
    let selectedTokens = 0;
    let tokens = 0;
    for (let r = 0; r < 4000; r++) {
      const o = r * sentence.length;
      expect(labels[o]).toBe(IGNORE_INDEX);
      expect(labels[o + 10]).toBe(IGNORE_INDEX);
      for (const w of words) {
        const sel = w.map((t) => labels[o + t] !== IGNORE_INDEX);
        expect(new Set(sel).size).toBe(1);
        totalWords++;
        tokens += w.length;
        if (sel[0]) {
          selectedWords++;
          selectedTokens += w.length;
          for (const t of w) expect(labels[o + t]).toBe(sentence[t]);
        } else for (const t of w) expect(inputs[o + t]).toBe(sentence[t]);
      }
    }
    expect(Math.abs(selectedWords / totalWords - 0.15)).toBeLessThan(0.01);
    expect(Math.abs(selectedTokens / tokens - 0.15)).toBeLessThan(0.01);
  });

  it('does not join a continuation to a word across a row boundary or a special token', () => {
    // Row of length 2: [play ##ing] [##ed ##ing]: the second row's "##ed" starts a new word.
    const ids = Int32Array.from([5, 6, 7, 6, CLS, 6, 6]);
    let splitRows = 0;
    let splitSpecial = 0;
    for (let seed = 0; seed < 400; seed++) {
      const { labels } = mlmCollate(ids.subarray(0, 4), {
        maskTokenId: MASK,
        vocabSize: names.length,
        specialTokenIds: SPECIALS,
        wordContinuation: cont,
        seed,
        rowLength: 2,
      });
      if ((labels[1] !== IGNORE_INDEX) !== (labels[2] !== IGNORE_INDEX)) splitRows++;
      const r = mlmCollate(ids.subarray(4), {
        maskTokenId: MASK,
        vocabSize: names.length,
        specialTokenIds: SPECIALS,
        wordContinuation: cont,
        seed,
      });
      expect(r.labels[1] !== IGNORE_INDEX).toBe(r.labels[2] !== IGNORE_INDEX);
      if (r.labels[0] !== IGNORE_INDEX) splitSpecial++;
    }
    expect(splitRows).toBeGreaterThan(0);
    expect(splitSpecial).toBe(0);
  });
});
