import { existsSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { cliBuilt, runCli, TINY_SHAKESPEARE } from './run-cli.js';

const tmp = () => mkdtempSync(join(tmpdir(), 'selfsup-cli-tokenizer-'));

describe.runIf(cliBuilt())('selfsup tokenizer', () => {
  it('has --help for the command and each sub-command', () => {
    const top = runCli(['tokenizer', '--help']);
    expect(top.code).toBe(0);
    expect(top.stdout).toContain('Usage: selfsup tokenizer train|encode|decode');
    for (const sub of ['train', 'encode', 'decode']) {
      const r = runCli(['tokenizer', sub, '--help']);
      expect(r.code).toBe(0);
      expect(r.stdout).toContain(`Usage: selfsup tokenizer ${sub}`);
      expect(r.stdout).toContain(sub === 'train' ? '--vocab-size N' : '--tokenizer FILE|gpt2');
    }
    expect(runCli(['tokenizer']).code).toBe(2);
    expect(runCli(['tokenizer', 'frobnicate']).stderr).toMatch(/unknown sub-command 'frobnicate'/);
  });

  it('encodes and decodes with GPT-2', () => {
    const enc = runCli(['tokenizer', 'encode', '--tokenizer', 'gpt2', 'Hello world']);
    expect(enc.code).toBe(0);
    expect(enc.stdout).toBe('15496 995\n');
    const json = runCli(['tokenizer', 'encode', '--tokenizer', 'gpt2', '--json', 'Hello', 'world']);
    expect(JSON.parse(json.stdout)).toEqual([15496, 995]);
    const dec = runCli(['tokenizer', 'decode', '--tokenizer', 'gpt2', '15496', '995']);
    expect(dec.stdout).toBe('Hello world\n');
    const dec2 = runCli(['tokenizer', 'decode', '--tokenizer', 'gpt2', '[15496,995,50256]', '--json']);
    expect(JSON.parse(dec2.stdout)).toEqual({ text: 'Hello world<|endoftext|>' });
    const skip = runCli(['tokenizer', 'decode', '--tokenizer', 'gpt2', '15496 995 50256', '--skip-special-tokens']);
    expect(skip.stdout).toBe('Hello world\n');
  });

  it('follows tiktoken’s special-token rules', () => {
    const refused = runCli(['tokenizer', 'encode', '--tokenizer', 'gpt2', 'a<|endoftext|>b']);
    expect(refused.code).toBe(2);
    expect(refused.stderr).toMatch(
      /^selfsup: the text contains the special token '<\|endoftext\|>' at offset 1;.*--allowed-special all/,
    );
    expect(refused.stdout).toBe('');
    expect(
      runCli(['tokenizer', 'encode', '--tokenizer', 'gpt2', '--allowed-special', 'all', 'a<|endoftext|>b']).stdout,
    ).toBe('64 50256 65\n');
    expect(
      runCli(['tokenizer', 'encode', '--tokenizer', 'gpt2', '--disallowed-special', 'none', 'a<|endoftext|>b']).stdout,
    ).toBe('64 27 91 437 1659 5239 91 29 65\n');
  });

  it.runIf(existsSync(TINY_SHAKESPEARE))(
    'trains each kind on tiny Shakespeare; the files encode and decode a file round trip',
    () => {
      const dir = tmp();
      const sample = join(dir, 'sample.txt');
      writeFileSync(sample, readFileSync(TINY_SHAKESPEARE, 'utf8').slice(0, 20_000));
      const char = runCli([
        'tokenizer',
        'train',
        '--kind',
        'char',
        '--data',
        TINY_SHAKESPEARE,
        '--out',
        join(dir, 'char.json'),
        '--json',
      ]);
      expect(char.code).toBe(0);
      expect(JSON.parse(char.stdout)).toMatchObject({ kind: 'char', vocabSize: 65 });
      const bpe = runCli([
        'tokenizer',
        'train',
        '--kind',
        'bpe',
        '--vocab-size',
        '1000',
        '--data',
        TINY_SHAKESPEARE,
        '--out',
        join(dir, 'bpe.json'),
      ]);
      expect(bpe.code).toBe(0);
      expect(bpe.stdout).toMatch(/^wrote .*bpe\.json: bpe, 1,000 tokens \(743 merges\), learned in [\d.]+ s\n$/);
      const wp = runCli([
        'tokenizer',
        'train',
        '--kind',
        'wordpiece',
        '--vocab-size',
        '2000',
        '--data',
        sample,
        '--data',
        TINY_SHAKESPEARE,
        '--out',
        join(dir, 'wp.json'),
        '--json',
      ]);
      expect(wp.code).toBe(0);
      expect(JSON.parse(wp.stdout)).toMatchObject({
        kind: 'wordpiece',
        vocabSize: 2000,
        specialTokens: { '[PAD]': 0, '[UNK]': 1, '[CLS]': 2, '[SEP]': 3, '[MASK]': 4 },
      });
      const model = JSON.parse(readFileSync(join(dir, 'wp.json'), 'utf8')).model;
      expect(model.type).toBe('WordPiece');

      for (const name of ['char.json', 'bpe.json', 'gpt2']) {
        const tok = name === 'gpt2' ? 'gpt2' : join(dir, name);
        const enc = runCli(['tokenizer', 'encode', '--tokenizer', tok, '--file', sample, '--json']);
        expect(enc.code).toBe(0);
        const ids = join(dir, `${name}.ids.json`);
        writeFileSync(ids, enc.stdout);
        const dec = runCli(['tokenizer', 'decode', '--tokenizer', tok, '--file', ids, '--json']);
        expect(JSON.parse(dec.stdout).text).toBe(readFileSync(sample, 'utf8'));
      }
      const cls = runCli([
        'tokenizer',
        'encode',
        '--tokenizer',
        join(dir, 'wp.json'),
        '--add-special-tokens',
        '--json',
        'To be, or not to be',
      ]);
      const clsIds = JSON.parse(cls.stdout);
      expect(clsIds[0]).toBe(2);
      expect(clsIds.at(-1)).toBe(3);
      expect(
        runCli([
          'tokenizer',
          'decode',
          '--tokenizer',
          join(dir, 'wp.json'),
          ...clsIds.map(String),
          '--skip-special-tokens',
        ]).stdout,
      ).toBe('to be, or not to be\n');
    },
  );

  it('exits 2 with one clear line and writes no file on bad input', () => {
    const dir = tmp();
    const text = join(dir, 'text.txt');
    writeFileSync(text, 'hello world\n');
    writeFileSync(join(dir, 'empty.txt'), '');
    writeFileSync(join(dir, 'broken.json'), '{"model": ');
    writeFileSync(
      join(dir, 'wrong.json'),
      JSON.stringify({
        model: { type: 'BPE', vocab: { a: 0, b: 5 }, merges: [] },
        pre_tokenizer: { type: 'ByteLevel' },
      }),
    );
    writeFileSync(join(dir, 'ids.json'), '{"ids": [1]}');
    mkdirSync(join(dir, 'folder'));
    const out = join(dir, 'out.json');
    const cases: [string[], RegExp][] = [
      [
        ['train', '--kind', 'bpe', '--vocab-size', '300', '--data', join(dir, 'missing.txt'), '--out', out],
        /missing\.txt: not found/,
      ],
      [
        ['train', '--kind', 'bpe', '--vocab-size', '300', '--data', join(dir, 'empty.txt'), '--out', out],
        /the corpus is empty/,
      ],
      [
        ['train', '--kind', 'bpe', '--vocab-size', '100', '--data', text, '--out', out],
        /vocabSize 100 is smaller than the base alphabet \(256 bytes \+ 1 special tokens = 257\)/,
      ],
      [
        ['train', '--kind', 'wordpiece', '--vocab-size', '6', '--data', text, '--out', out],
        /vocabSize 6 is smaller than the base alphabet/,
      ],
      [
        ['train', '--kind', 'char', '--vocab-size', '3', '--data', text, '--out', out],
        /--vocab-size 3 is smaller than the base alphabet \(9 characters/,
      ],
      [['train', '--kind', 'bpe', '--data', text, '--out', out], /--vocab-size is required for --kind bpe/],
      [
        ['train', '--kind', 'bpe', '--vocab-size', '300', '--data', text, '--out', join(dir, 'nope', 'x.json')],
        /the folder .*nope does not exist/,
      ],
      [
        ['train', '--kind', 'bpe', '--vocab-size', '300', '--data', text, '--out', join(dir, 'folder')],
        /is a folder, expected a file name/,
      ],
      [
        ['train', '--kind', 'sentencepiece', '--data', text, '--out', out],
        /--kind: expected one of char, bpe, wordpiece/,
      ],
      [
        ['train', '--kind', 'bpe', '--vocab-size', 'x', '--data', text, '--out', out],
        /--vocab-size: expected an integer/,
      ],
      [['encode', '--tokenizer', join(dir, 'missing.json'), 'hi'], /missing\.json: not found/],
      [['encode', '--tokenizer', join(dir, 'broken.json'), 'hi'], /broken\.json: not valid JSON/],
      [
        ['encode', '--tokenizer', join(dir, 'wrong.json'), 'hi'],
        /wrong\.json: model\.vocab: ids must run from 0 to 5 without gaps; id 1 is missing/,
      ],
      [['encode', '--tokenizer', join(dir, 'folder'), 'hi'], /folder: is a directory/],
      [['encode', '--tokenizer', 'gpt2'], /nothing to encode/],
      [['encode', '--tokenizer', 'gpt2', '--file', join(dir, 'missing.txt')], /missing\.txt: not found/],
      [['decode', '--tokenizer', 'gpt2', '1', 'two'], /IDS: 'two' is not a token id/],
      [
        ['decode', '--tokenizer', 'gpt2', '99999'],
        /token id 99999 at position 0 is not in this tokenizer's vocabulary/,
      ],
      [
        ['decode', '--tokenizer', 'gpt2', '--file', join(dir, 'ids.json')],
        /ids\.json: expected a JSON array of token ids/,
      ],
      [['decode', '--tokenizer', 'gpt2', '--file', join(dir, 'broken.json')], /broken\.json: not valid JSON/],
    ];
    for (const [args, message] of cases) {
      const r = runCli(['tokenizer', ...args]);
      expect(r.code, `${args.join(' ')} → ${r.stderr}`).toBe(2);
      expect(r.stderr, args.join(' ')).toMatch(message);
      expect(r.stderr.trim().split('\n')).toHaveLength(1);
      expect(r.stdout).toBe('');
    }
    expect(readdirSync(dir).sort()).toEqual([
      'broken.json',
      'empty.txt',
      'folder',
      'ids.json',
      'text.txt',
      'wrong.json',
    ]);
    const json = runCli(['tokenizer', 'decode', '--tokenizer', 'gpt2', '99999', '--json']);
    expect(JSON.parse(json.stdout)).toMatchObject({ kind: 'input', exitCode: 2 });
  });
});
