import { existsSync, mkdtempSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { cliBuilt, runCli, TINY_SHAKESPEARE } from './run-cli.js';

const tmp = () => mkdtempSync(join(tmpdir(), 'selfsup-cli-prepare-'));

describe.runIf(cliBuilt())('selfsup prepare', () => {
  it.runIf(existsSync(TINY_SHAKESPEARE))(
    "matches nanoGPT's shakespeare_char split and prints the sizes as JSON",
    () => {
      const out = join(tmp(), 'shakespeare_char');
      const r = runCli(['prepare', '--data', TINY_SHAKESPEARE, '--tokenizer', 'char', '--out', out, '--json']);
      expect(r.code).toBe(0);
      const result = JSON.parse(r.stdout);
      expect(result).toMatchObject({
        outDir: out,
        vocabSize: 65,
        tokens: 1_115_394,
        train: 1_003_854,
        val: 111_540,
        valFraction: 0.1,
        bytesPerToken: 2,
      });
      expect(readdirSync(out).sort()).toEqual(['meta.json', 'tokenizer.json', 'train.bin', 'val.bin']);
      expect(readFileSync(join(out, 'train.bin')).length).toBe(1024 + 2 * 1_003_854);
      expect(r.stderr).toBe(''); // no progress bar off a TTY
    },
  );

  it('prints nanoGPT-style sizes in text mode, and honours --val-fraction', () => {
    const root = tmp();
    writeFileSync(join(root, 'a.txt'), 'hello world, hello data.\n'.repeat(40));
    const r = runCli(['prepare', '--data', join(root, 'a.txt'), '--out', join(root, 'out'), '--val-fraction', '0.25']);
    expect(r.code).toBe(0);
    expect(r.stdout).toContain('length of dataset in characters: 1,000');
    expect(r.stdout).toContain('vocab size: 13 (char)');
    expect(r.stdout).toContain('train has 750 tokens');
    expect(r.stdout).toContain('val has 250 tokens');
  });

  it('prepares the built-in Brown corpus with a trained BPE tokenizer', () => {
    const out = join(tmp(), 'brown');
    const r = runCli(['prepare', '--data', 'brown', '--tokenizer', 'bpe:600', '--out', out, '--json']);
    expect(r.code).toBe(0);
    const result = JSON.parse(r.stdout);
    expect(result).toMatchObject({ sourceKind: 'brown', documents: 500, vocabSize: 600 });
    expect(result.train + result.val).toBe(result.tokens);
    const meta = JSON.parse(readFileSync(join(out, 'meta.json'), 'utf8'));
    expect(meta.separators.document).toBe(meta.tokenizer.endOfTextId);
  });

  it('exits 2 with one line and writes nothing on bad input', () => {
    const root = tmp();
    writeFileSync(join(root, 'bad.txt'), Uint8Array.from([0x68, 0x69, 0xff]));
    writeFileSync(join(root, 'bad.jsonl'), '{"text": "ok"}\n{"txt": "no"}\n');
    writeFileSync(join(root, 'good.txt'), 'some text\n');
    const out = join(root, 'out');
    const cases: [string[], RegExp][] = [
      [['--data', join(root, 'missing.txt'), '--out', out], /missing.txt: not found/],
      [['--data', join(root, 'bad.txt'), '--out', out], /bad.txt: not valid UTF-8 \(first invalid byte at offset 2\)/],
      [
        ['--data', join(root, 'bad.jsonl'), '--out', out],
        /bad.jsonl line 2: expected a JSON object with a string "text" field/,
      ],
      [['--data', join(root, 'good.txt'), '--tokenizer', 'bpe:lots', '--out', out], /bpe:lots/],
      [
        ['--data', join(root, 'good.txt'), '--out', out, '--val-fraction', '1.5'],
        /--val-fraction: expected a value ≤ 0.99/,
      ],
      [['--data', join(root, 'good.txt')], /--out is required/],
      [['--out', out], /--data is required/],
      [['--data', join(root, 'good.txt'), '--out', root], /the folder exists and is not a prepared-data folder/],
    ];
    for (const [args, message] of cases) {
      const r = runCli(['prepare', ...args]);
      expect(r.code, args.join(' ')).toBe(2);
      expect(r.stderr).toMatch(message);
      expect(r.stderr.trim().split('\n')).toHaveLength(1);
      expect(r.stderr).not.toMatch(/\n\s+at /); // no stack trace
    }
    const json = runCli(['prepare', '--data', join(root, 'missing.txt'), '--out', out, '--json']);
    expect(JSON.parse(json.stdout)).toMatchObject({ kind: 'input', exitCode: 2 });
    expect(existsSync(out)).toBe(false);
    expect(readdirSync(root).sort()).toEqual(['bad.jsonl', 'bad.txt', 'good.txt']);
  });

  it('documents itself in --help', () => {
    const r = runCli(['prepare', '--help']);
    expect(r.code).toBe(0);
    expect(r.stdout).toContain(
      'Usage: selfsup prepare --data SRC --tokenizer char|bpe:N|wordpiece:N|gpt2|FILE --out DIR',
    );
    expect(r.stdout).toContain('--val-fraction');
  });
});
