/**
 * The CLI's bad-input matrix: every command run as a user runs it (the built binary) with missing files, empty files,
 * folders where files are expected (and files where folders are), non-UTF-8 text, unknown flags, values of the wrong
 * type or out of range, and the mistakes particular to a command (a resume with another model shape, fill-mask
 * without [MASK], sample on a masked-LM run). Each must exit 2 with exactly one line on stderr that names the flag or
 * file and what was expected — no stack trace — and leave the disk exactly as it was (the folder tree, sizes and
 * modification times are compared before and after).
 */
import { spawn } from 'node:child_process';
import { mkdirSync, mkdtempSync, readdirSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import { CLI_BIN, type CliResult, cliBuilt, microFlags, runCli } from './run-cli.js';

const W = mkdtempSync(join(tmpdir(), 'selfsup-bad-input-'));
const p = (name: string) => join(W, name);
const MICRO = microFlags({ 'max-iters': '2', 'eval-interval': '2' });

/** A user's environment: without the SwiftShader settings the backends tests add (auto probes the GPU as is). */
const USER_ENV = Object.fromEntries(
  Object.entries(process.env).filter(([k]) => k !== 'VK_ICD_FILENAMES' && k !== 'LD_LIBRARY_PATH'),
);

/** Every entry under W: path, kind, size and modification time. */
function snapshot(): string[] {
  return readdirSync(W, { recursive: true, withFileTypes: true })
    .map((e) => {
      const path = join(e.parentPath, e.name);
      const st = statSync(path);
      return `${path} ${e.isDirectory() ? 'dir' : 'file'} ${e.isDirectory() ? '' : st.size} ${st.mtimeMs}`;
    })
    .sort();
}

function run(args: string[]): Promise<CliResult> {
  return new Promise((resolve) => {
    const child = spawn(process.execPath, [CLI_BIN, ...args], {
      cwd: W,
      env: USER_ENV,
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (d) => {
      stdout += d;
    });
    child.stderr.on('data', (d) => {
      stderr += d;
    });
    child.on('close', (code) => resolve({ code: code ?? 128, stdout, stderr }));
  });
}

/** [args, what the one stderr line must say]. */
type Case = [string[], RegExp];

function cases(): Record<string, Case[]> {
  let outs = 0;
  const out = () => p(`new-run-${outs++}`); // a folder each (cases run side by side)
  const corpus = p('corpus.txt');
  const empty = p('empty.txt');
  const latin1 = p('latin1.txt');
  const dir = p('a-folder');
  const missing = p('missing.txt');
  const clm = p('clm-run');
  const mlm = p('mlm-run');
  const data = p('prepared');
  const tok = p('prepared/tokenizer.json');
  const q = (s: string) => s.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
  const names = (file: string, what: string) => new RegExp(`${q(file)}.*${what}`);
  return {
    prepare: [
      [['prepare', '--data', missing, '--tokenizer', 'char', '--out', p('o')], names(missing, 'not found')],
      [['prepare', '--data', empty, '--tokenizer', 'char', '--out', p('o')], names(empty, 'empty|no text')],
      [['prepare', '--data', latin1, '--tokenizer', 'char', '--out', p('o')], names(latin1, 'not valid UTF-8')],
      [['prepare', '--data', corpus, '--tokenizer', dir, '--out', p('o')], names(dir, 'directory|folder|expected')],
      [
        ['prepare', '--data', corpus, '--tokenizer', p('empty.json'), '--out', p('o')],
        names('empty.json', 'JSON|empty'),
      ],
      [['prepare', '--data', corpus, '--tokenizer', 'char', '--out', corpus], names(corpus, 'file, expected a folder')],
      [
        ['prepare', '--data', corpus, '--tokenizer', 'char', '--out', p('o'), '--val-fraction', 'abc'],
        /--val-fraction: expected a number, got 'abc'/,
      ],
      [
        ['prepare', '--data', corpus, '--tokenizer', 'char', '--out', p('o'), '--val-fraction', '2'],
        /--val-fraction: expected a value/,
      ],
      [['prepare', '--data', corpus, '--tokenizer', 'bpe:x', '--out', p('o')], /--tokenizer.*bpe:x/],
      [['prepare', '--data', corpus, '--tokenizer', 'char'], /--out/],
      [['prepare', '--bogus'], /unknown flag --bogus/],
    ],
    tokenizer: [
      [
        ['tokenizer', 'train', '--kind', 'bpe', '--vocab-size', '300', '--data', missing, '--out', p('t.json')],
        names(missing, 'not found'),
      ],
      [
        ['tokenizer', 'train', '--kind', 'bpe', '--vocab-size', '300', '--data', empty, '--out', p('t.json')],
        names(empty, 'empty|no text'),
      ],
      [
        ['tokenizer', 'train', '--kind', 'bpe', '--vocab-size', '300', '--data', latin1, '--out', p('t.json')],
        names(latin1, 'not valid UTF-8'),
      ],
      [
        ['tokenizer', 'train', '--kind', 'bpe', '--vocab-size', '300', '--data', corpus, '--out', dir],
        names(dir, 'directory|folder'),
      ],
      [
        ['tokenizer', 'train', '--kind', 'bpe', '--vocab-size', 'abc', '--data', corpus, '--out', p('t.json')],
        /--vocab-size: expected an integer, got 'abc'/,
      ],
      [
        ['tokenizer', 'train', '--kind', 'bpe', '--vocab-size', '0', '--data', corpus, '--out', p('t.json')],
        /--vocab-size: expected a value/,
      ],
      [
        ['tokenizer', 'train', '--kind', 'unigram', '--vocab-size', '300', '--data', corpus, '--out', p('t.json')],
        /--kind: expected one of/,
      ],
      [['tokenizer', 'encode', '--tokenizer', p('missing.json'), 'hello'], names('missing.json', 'not found')],
      [['tokenizer', 'encode', '--tokenizer', p('empty.json'), 'hello'], names('empty.json', 'JSON|empty')],
      [['tokenizer', 'encode', '--tokenizer', dir, 'hello'], names(dir, 'directory|folder')],
      [['tokenizer', 'encode', '--tokenizer', p('latin1.json'), 'hello'], names('latin1.json', 'not valid UTF-8')],
      [['tokenizer', 'encode', '--tokenizer', tok, '--file', latin1], names(latin1, 'not valid UTF-8')],
      [['tokenizer', 'encode', '--tokenizer', tok, '--file', dir], names(dir, 'directory|folder')],
      [
        ['tokenizer', 'decode', '--tokenizer', tok, '--file', p('not-json.json')],
        names('not-json.json', 'not valid JSON'),
      ],
      [['tokenizer', 'decode', '--tokenizer', tok, 'abc'], /abc/],
      [['tokenizer', 'decode', '--tokenizer', tok, '999999'], /999999/],
      [['tokenizer', 'shrink'], /unknown sub-command 'shrink'/],
      [['tokenizer', 'encode', '--bogus'], /unknown flag --bogus/],
    ],
    train: [
      [['train', '--out', out(), '--data', missing, ...MICRO], names(missing, 'not found')],
      [['train', '--out', out(), '--data', empty, ...MICRO], names(empty, 'empty|no text')],
      [['train', '--out', out(), '--data', latin1, ...MICRO], names(latin1, 'not valid UTF-8')],
      [['train', '--out', out(), '--data', data, '--config', p('empty.json'), ...MICRO], names('empty.json', 'JSON')],
      [
        ['train', '--out', out(), '--data', data, '--config', p('latin1.json'), ...MICRO],
        names('latin1.json', 'UTF-8'),
      ],
      [
        ['train', '--out', out(), '--data', data, '--config', p('folder.json'), ...MICRO],
        names('folder.json', 'directory|folder'),
      ],
      [
        ['train', '--out', out(), '--data', data, '--config', p('config.js'), ...MICRO],
        /--config .*config\.js: expected a \.json file/,
      ],
      [['train', '--out', corpus, '--data', data, ...MICRO], names(corpus, 'file, expected a folder')],
      [['train', '--out', out(), '--data', data, ...MICRO, '--lr', 'abc'], /--lr: expected a number, got 'abc'/],
      [
        ['train', '--out', out(), '--data', data, ...MICRO, '--block-size', '0'],
        /--block-size: expected a value ≥ 1, got 0/,
      ],
      [
        ['train', '--out', out(), '--data', data, ...MICRO, '--n-head', '3', '--n-embd', '128'],
        /--n-embd 128 is not divisible by --n-head 3/,
      ],
      [
        ['train', '--out', out(), '--data', data, ...MICRO, '--max-iters', '-1'],
        /--max-iters: expected a value ≥ 0, got -1/,
      ],
      [['train', '--out', out(), '--data', data, ...MICRO, '--backend', 'tpu'], /--backend: expected one of/],
      [
        ['train', '--out', out(), '--data', data, ...MICRO, '--objective', 'mlm', '--mlm-row-tokens', '2'],
        /--mlm-row-tokens 2 leaves no room for a token between \[CLS\] and \[SEP\]: use 0 \(fill the block\) or 3 and up/,
      ],
      [
        ['train', '--out', out(), '--data', data, ...MICRO, '--mlm-row-tokens', '-1'],
        /--mlm-row-tokens: expected a value ≥ 0, got -1/,
      ],
      [
        ['train', '--out', out(), '--data', data, ...MICRO, '--objective', 'seq2seq'],
        /--objective: expected one of clm, mlm/,
      ],
      [['train', '--out', out(), '--data', data, ...MICRO, '--n-embd', '100000000'], /parameters/],
      [['train', '--out', out(), '--data', data, ...MICRO, '--bogus'], /unknown flag --bogus/],
      [
        ['train', '--out', clm, '--resume', '--n-layer', '3', '--backend', 'cpu'],
        /--resume: --n-layer 3 \(the run has 1\) differs from the run/,
      ],
      [
        ['train', '--out', clm, '--resume', '--data', p('other-data'), '--backend', 'cpu'],
        /--resume: --data .*other-data/,
      ],
      [['train', '--out', p('empty-run'), '--resume', '--backend', 'cpu'], /--resume: .*empty-run has no checkpoint/],
      [['train', '--out', clm, '--data', data, ...MICRO], /already holds a run/],
    ],
    sample: [
      [['sample', '--run', p('missing-run')], names('missing-run', 'not found')],
      [['sample', '--run', p('empty-run')], names('empty-run', 'no checkpoint')],
      [['sample', '--run', corpus], names(corpus, 'file, expected a run folder')],
      [['sample', '--run', mlm, '--backend', 'cpu'], /mlm-run is a masked LM \(mlm\): sample needs a causal LM run/],
      [['sample', '--run', clm, '--temperature', '-1'], /--temperature: expected a value ≥ 0, got -1/],
      [['sample', '--run', clm, '--top-k', '0'], /--top-k: expected a value ≥ 1, got 0/],
      [['sample', '--run', clm, '--top-p', '2'], /--top-p: expected a value/],
      [['sample', '--run', clm, '--max-new-tokens', 'abc'], /--max-new-tokens: expected an integer, got 'abc'/],
      [['sample', '--run', clm, '--seed', '1.5'], /--seed: expected an integer/],
      [['sample', '--run', clm, 'stray'], /unexpected argument 'stray'/],
      [['sample'], /--run is required/],
      [['sample', '--run', clm, '--bogus'], /unknown flag --bogus/],
    ],
    'fill-mask': [
      [['fill-mask', '--run', mlm, 'no mask in this text'], /the text has no \[MASK\]/],
      [['fill-mask', '--run', mlm], /give the text/],
      [
        ['fill-mask', '--run', clm, '--backend', 'cpu', 'the [MASK] sat'],
        /clm-run is a causal LM \(clm\): fill-mask needs a masked LM/,
      ],
      [['fill-mask', '--run', p('missing-run'), 'a [MASK]'], names('missing-run', 'not found')],
      [['fill-mask', '--run', mlm, '--top-k', 'abc', 'a [MASK]'], /--top-k: expected an integer, got 'abc'/],
      [['fill-mask', '--run', mlm, '--top-k', '0', 'a [MASK]'], /--top-k: expected a value ≥ 1, got 0/],
    ],
    eval: [
      [['eval', '--run', p('missing-run')], names('missing-run', 'not found')],
      [['eval', '--run', clm, '--data', p('missing-data')], names('missing-data', 'not found')],
      [['eval', '--run', clm, '--data', corpus], names(corpus, 'prepared|folder')],
      [['eval', '--run', clm, '--data', dir], names(dir, 'not a prepared-data folder')],
      [['eval', '--run', clm, '--data', p('mlm-data')], /vocabulary has \d+ tokens, the model's \d+/],
      [['eval', '--run', clm, '--split', 'test'], /--split: expected one of val, train/],
      [['eval', '--run', clm, '--batch-size', '0'], /--batch-size: expected a value ≥ 1, got 0/],
      [['eval', '--run', clm, '--max-batches', 'x'], /--max-batches: expected an integer, got 'x'/],
    ],
    export: [
      [['export', '--run', p('missing-run'), '--out', p('e')], names('missing-run', 'not found')],
      [['export', '--run', clm, '--out', corpus], names(corpus, 'file, expected a folder')],
      [['export', '--run', clm, '--out', data], names(data, 'not an earlier export')],
      [['export', '--run', clm, '--out', p('e'), '--for', 'tensorflow'], /--for: expected one of/],
      [['export', '--run', clm], /--out/],
    ],
    import: [
      [['import', '--from', p('missing-hf'), '--out', p('i')], names('missing-hf', 'not found')],
      [['import', '--from', dir, '--out', p('i')], names(dir, 'config\\.json|model\\.safetensors|missing')],
      [['import', '--from', corpus, '--out', p('i')], names(corpus, 'file|folder')],
      [['import', '--from', p('hf'), '--out', clm], names(clm, 'not empty|already|exists')],
      [['import', '--from', p('hf')], /--out is required/],
    ],
    plot: [
      [['plot', '--run', p('missing-run'), '--out', p('x.svg')], names('missing-run', 'not found')],
      [['plot', '--run', clm, '--out', p('x.gif')], /x\.gif.*\.svg or \.png/],
      [['plot', '--run', clm, '--out', p('x.svg'), '--width', '10'], /--width: expected a value ≥ 200, got 10/],
      [['plot', '--run', clm, '--out', p('x.svg'), '--height', 'tall'], /--height: expected an integer, got 'tall'/],
      [['plot', '--run', clm, '--out', dir], names(dir, 'directory|folder|\\.svg or \\.png')],
    ],
    bench: [
      [['bench', '--preset', 'gpt-9'], /unknown preset 'gpt-9'|--preset: expected one of/],
      [['bench', '--steps', '0'], /--steps: expected a value ≥ 1, got 0/],
      [['bench', '--backend', 'tpu'], /--backend: expected one of/],
      [['bench', '--backend', 'cpu', '--data', p('missing-data'), '--steps', '1'], names('missing-data', 'not found')],
      [['bench', '--bogus'], /unknown flag --bogus/],
    ],
    backends: [
      [['backends', '--threads', '0'], /--threads: expected a value ≥ 1, got 0/],
      [['backends', '--bogus'], /unknown flag --bogus/],
      [['backends', 'extra'], /unexpected argument 'extra'/],
    ],
    '(none)': [[['frobnicate'], /unknown command 'frobnicate'/]],
  };
}

describe.runIf(cliBuilt())('the bad-input matrix', () => {
  beforeAll(() => {
    const text = Array.from(
      { length: 300 },
      (_, i) => `The cat sat on the mat. The dog ran to the log number ${i % 9}.\n`,
    ).join('');
    writeFileSync(p('corpus.txt'), text);
    writeFileSync(p('empty.txt'), '');
    writeFileSync(p('latin1.txt'), Buffer.from('caf\xe9 na\xefve\n', 'latin1'));
    writeFileSync(p('empty.json'), '');
    writeFileSync(p('latin1.json'), Buffer.from('{"a": "caf\xe9"}', 'latin1'));
    writeFileSync(p('not-json.json'), '[1, 2,');
    writeFileSync(p('config.js'), 'module.exports = { n_layer: 2 }');
    for (const d of ['a-folder', 'folder.json', 'empty-run']) mkdirSync(p(d));
    const ok = (r: CliResult) => expect(r.code, r.stderr).toBe(0);
    ok(runCli(['prepare', '--data', p('corpus.txt'), '--tokenizer', 'char', '--out', p('prepared')]));
    ok(runCli(['prepare', '--data', p('corpus.txt'), '--tokenizer', 'char', '--out', p('other-data')]));
    ok(runCli(['train', '--out', p('clm-run'), '--data', p('prepared'), ...MICRO]));
    ok(
      runCli([
        'train',
        '--out',
        p('mlm-run'),
        '--objective',
        'mlm',
        '--data',
        p('corpus.txt'),
        '--tokenizer',
        'wordpiece:60',
        ...MICRO,
      ]),
    );
    ok(runCli(['prepare', '--data', p('corpus.txt'), '--tokenizer', 'wordpiece:60', '--out', p('mlm-data')]));
    ok(runCli(['export', '--run', p('clm-run'), '--out', p('hf')]));
  }, 120_000);

  const all = Object.entries(cases()).flatMap(([command, list]) => list.map((c) => ({ command, c })));
  it(`every command refuses bad input: exit 2, one line naming it, nothing written (${all.length} cases)`, async () => {
    const failures: string[] = [];
    const covered = new Set<string>();
    // A few at a time (each is a process start); the folder is compared around each batch, then per case on a change.
    for (let i = 0; i < all.length; i += 3) {
      const batch = all.slice(i, i + 3);
      const before = snapshot();
      const results = await Promise.all(batch.map(({ c: [args] }) => run(args)));
      const after = snapshot();
      batch.forEach(({ command, c: [args, message] }, k) => {
        covered.add(command);
        const r = results[k];
        const lines = r.stderr.split('\n').filter((l) => l.trim() !== '');
        const problems: string[] = [];
        if (r.code !== 2) problems.push(`exit ${r.code}`);
        if (lines.length !== 1) problems.push(`${lines.length} stderr lines`);
        if (!/^selfsup: /.test(lines[0] ?? '')) problems.push('no "selfsup: " line');
        if (!message.test(lines.at(-1) ?? '')) problems.push(`message does not match ${message}`);
        if (/\n\s+at |internal error/.test(r.stderr)) problems.push('stack trace');
        if (problems.length)
          failures.push(
            `selfsup ${args.join(' ')}\n    ${problems.join('; ')}\n    stderr: ${r.stderr.trim().split('\n').join('\n            ')}`,
          );
      });
      if (after.join('\n') !== before.join('\n')) {
        const changed = [
          ...after.filter((l) => !before.includes(l)),
          ...before.filter((l) => !after.includes(l)).map((l) => `(gone) ${l}`),
        ];
        failures.push(
          `the disk changed during: ${batch.map(({ c: [args] }) => args.join(' ')).join(' | ')}\n    ${changed.join('\n    ')}`,
        );
      }
    }
    expect(failures, failures.join('\n')).toEqual([]);
    expect([...covered].sort()).toEqual(['(none)', ...(await commandNames())].sort());
  }, 300_000);
});

/** The command names `selfsup --help` lists, so a new command without cases fails the matrix. */
async function commandNames(): Promise<string[]> {
  const help = await run(['--help']);
  const start = help.stdout.indexOf('Commands:');
  return help.stdout
    .slice(start)
    .split('\n')
    .slice(1)
    .map((l) => /^ {2}(\S+)/.exec(l)?.[1])
    .filter((n): n is string => n !== undefined);
}
