/** `selfsup prepare`: text in, `tokenizer.json` + `train.bin` + `val.bin` + `meta.json` out (DESIGN.md §3–4). */
import { usageError } from '@selfsup/core';
import { type PrepareProgress, prepareData } from '@selfsup/dataset';
import { defineCommand } from '../command.js';
import { bar, formatDuration } from '../output.js';

const PHASES: Record<PrepareProgress['phase'], string> = {
  read: 'reading',
  tokenizer: 'building the tokenizer',
  encode: 'encoding',
  write: 'writing',
};

export const prepareCommand = defineCommand({
  name: 'prepare',
  summary: 'tokenize a corpus into train.bin / val.bin (nanoGPT style) with its tokenizer.json',
  usage: 'prepare --data SRC --tokenizer char|bpe:N|wordpiece:N|gpt2|FILE --out DIR [--val-fraction 0.1]',
  details: [
    'SRC is a text file, a folder (every .txt/.md file in it), a glob, a .jsonl file with a "text" field per line,',
    'or "brown" (the Brown corpus, built in). char, bpe:N and wordpiece:N learn their vocabulary from SRC; gpt2 is',
    "GPT-2's tokenizer; FILE is a tokenizer.json. The first (1 - val-fraction) of the token stream is train, the rest",
    'val, as in nanoGPT. DIR is written whole or not at all.',
  ].join('\n'),
  flags: {
    data: { type: 'string', placeholder: 'SRC', description: 'the corpus: file, folder, glob, .jsonl or "brown"' },
    tokenizer: {
      type: 'string',
      placeholder: 'KIND',
      description: 'char (default), bpe:N, wordpiece:N, gpt2 or a tokenizer.json',
    },
    out: { type: 'string', placeholder: 'DIR', description: 'the folder to write' },
    'val-fraction': {
      type: 'number',
      placeholder: 'F',
      min: 0,
      max: 0.99,
      description: 'share of tokens kept for validation (default 0.1)',
    },
  },
  async run({ flags, out, signal }) {
    if (typeof flags.data !== 'string')
      throw usageError('--data is required (a file, folder, glob, .jsonl or "brown")');
    if (typeof flags.out !== 'string') throw usageError('--out is required (the folder to write)');
    const tokenizer = typeof flags.tokenizer === 'string' ? flags.tokenizer : 'char';
    const started = performance.now();
    let last = 0;
    const onProgress = (p: PrepareProgress) => {
      const now = performance.now();
      if (now - last < 100 && p.done < p.total) return;
      last = now;
      const elapsed = (now - started) / 1000;
      if (p.phase === 'encode' && p.total > 0) {
        const rate = p.done / Math.max(elapsed, 1e-3);
        const eta = rate > 0 ? (p.total - p.done) / rate : Number.NaN;
        out.progress(
          `${PHASES.encode} ${bar(p.done / p.total)} ${(p.done / 1e6).toFixed(1)}/${(p.total / 1e6).toFixed(1)}M chars  ETA ${formatDuration(eta)}`,
        );
      } else out.progress(`${PHASES[p.phase]}…`);
    };
    let result: Awaited<ReturnType<typeof prepareData>>;
    try {
      result = await prepareData({
        source: flags.data,
        tokenizer,
        outDir: flags.out,
        valFraction: typeof flags.valFraction === 'number' ? flags.valFraction : undefined,
        onProgress,
        signal,
      });
    } catch (err) {
      if (signal.aborted) {
        out.log('interrupted: nothing was written');
        return 130;
      }
      throw err;
    }
    const { meta, seconds } = result;
    const n = (x: number) => x.toLocaleString('en-US');
    out.result(
      {
        outDir: result.outDir,
        source: meta.source,
        sourceKind: meta.sourceKind,
        documents: meta.documents,
        characters: meta.characters,
        tokenizer: meta.tokenizer,
        vocabSize: meta.vocabSize,
        tokens: meta.tokens,
        train: meta.split.train,
        val: meta.split.val,
        valFraction: meta.split.valFraction,
        bytesPerToken: meta.bytesPerToken,
        seconds,
      },
      [
        `length of dataset in characters: ${n(meta.characters)} (${n(meta.documents)} document${meta.documents === 1 ? '' : 's'})`,
        `vocab size: ${n(meta.vocabSize)} (${meta.tokenizer.spec})`,
        `train has ${n(meta.split.train)} tokens`,
        `val has ${n(meta.split.val)} tokens`,
        `wrote ${result.outDir}/{tokenizer.json,train.bin,val.bin,meta.json} in ${seconds.total.toFixed(2)} s`,
      ].join('\n'),
    );
    return 0;
  },
});
