/**
 * The docs' code blocks are files under examples/, pulled into the pages with `<<< @/../examples/NAME`. This test
 * runs every one of them in Node against the real packages (TypeScript examples in-process, shell examples with the
 * built `selfsup` command) and checks what they print, so a page cannot show code that no longer works.
 *
 * Training examples are run shortened — the test rewrites only their iteration count (and, for the command line,
 * adds a small batch and one eval batch) so the suite stays fast; every call, flag and file is otherwise as shown.
 */
import { execFileSync } from 'node:child_process';
import {
  chmodSync,
  existsSync,
  mkdirSync,
  mkdtempSync,
  readdirSync,
  readFileSync,
  rmSync,
  writeFileSync,
} from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';

/** The Python with PyTorch (Debian's python3-torch; CI installs it). */
const PYTHON = '/usr/bin/python3';
function hasTorch(): boolean {
  try {
    execFileSync(PYTHON, ['-c', 'import torch, numpy'], { stdio: 'ignore' });
    return true;
  } catch {
    return false;
  }
}
const torchMissing = hasTorch() ? undefined : `${PYTHON} cannot import torch and numpy (apt-get install python3-torch)`;
if (torchMissing) console.log(`skipping the PyTorch round trip: ${torchMissing}`);

import { TINY_CORPUS } from '../.vitepress/theme/widgets/tiny-corpus';
import { SRC, sitePages } from './pages';

const EXAMPLES = fileURLToPath(new URL('../examples', import.meta.url));
const examples = readdirSync(EXAMPLES).filter((f) => /\.(ts|sh|py)$/.test(f));
const pageSources = sitePages().map((p) => ({ ...p, text: readFileSync(join(SRC, p.source), 'utf8') }));

const CLI = fileURLToPath(new URL('../../cli/dist/bin.js', import.meta.url));

/** Imports `examples/NAME` (after `rewrite`, if any) and returns the lines it printed with console.log. */
async function runExample(name: string, rewrite?: [RegExp, string]): Promise<string[]> {
  let file = join(EXAMPLES, name);
  if (rewrite) {
    const source = readFileSync(file, 'utf8');
    expect(source, `${name} no longer contains ${rewrite[0]}`).toMatch(rewrite[0]);
    file = join(EXAMPLES, `.test-${name}`);
    writeFileSync(file, source.replace(rewrite[0], rewrite[1]));
  }
  const lines: string[] = [];
  const spy = vi.spyOn(console, 'log').mockImplementation((...args: unknown[]) => {
    lines.push(args.map((a) => (typeof a === 'string' ? a : JSON.stringify(a))).join(' '));
  });
  try {
    await import(/* @vite-ignore */ file);
  } finally {
    spy.mockRestore();
    if (rewrite) rmSync(file, { force: true });
  }
  return lines;
}

/** Runs a shell example with the built `selfsup` on PATH; returns its stdout. */
function runShell(name: string, bin: string, shorten = '--max-iters 2 --eval-iters 1 --batch-size 4'): string {
  const source = readFileSync(join(EXAMPLES, name), 'utf8');
  expect(source).toMatch(/--max-iters \d+/);
  const script = source.replace(/--max-iters \d+/g, shorten);
  return execFileSync('bash', ['-euo', 'pipefail', '-c', script], {
    encoding: 'utf8',
    env: { ...process.env, PATH: `${bin}:${process.env.PATH}` },
    stdio: ['ignore', 'pipe', 'pipe'],
    timeout: 240_000,
  });
}

describe('examples are what the pages show', () => {
  it('every snippet a page imports exists, and every example is shown on a page', () => {
    const used = new Set<string>();
    for (const page of pageSources) {
      for (const m of page.text.matchAll(/^<<< @\/\.\.\/examples\/([\w.-]+)/gm)) {
        expect(examples, `${page.source} imports examples/${m[1]}`).toContain(m[1]);
        used.add(m[1]);
      }
    }
    for (const name of examples) expect(used, `examples/${name} is on no page`).toContain(name);
  });

  it('the quick-start pages have no code block that does not come from examples/', () => {
    for (const page of pageSources.filter((p) => p.source.endsWith('quick-start.md'))) {
      expect(page.text, page.source).not.toMatch(/^```/m);
      expect(page.text, page.source).toMatch(/^<<< @\/\.\.\/examples\//m);
    }
  });
});

describe('examples run', () => {
  let cwd: string;
  let work: string;
  let bin: string;
  beforeAll(() => {
    cwd = process.cwd();
    work = mkdtempSync(join(tmpdir(), 'selfsup-docs-examples-'));
    process.chdir(work);
    // The examples' input.txt: the docs' built-in text, repeated to a few tens of kilobytes.
    writeFileSync('input.txt', TINY_CORPUS.repeat(20));
    bin = join(work, 'bin');
    mkdirSync(bin);
    writeFileSync(join(bin, 'selfsup'), `#!/bin/sh\nexec "${process.execPath}" "${CLI}" "$@"\n`);
    writeFileSync(join(bin, 'python3'), `#!/bin/sh\nexec ${PYTHON} "$@"\n`);
    chmodSync(join(bin, 'selfsup'), 0o755);
    chmodSync(join(bin, 'python3'), 0o755);
  });
  afterAll(() => {
    process.chdir(cwd);
    rmSync(work, { recursive: true, force: true });
  });

  it('clm-targets.ts: targets are the inputs shifted by one', async () => {
    const out = await runExample('clm-targets.ts');
    expect(out[0]).toBe('input_tokens  464 2068 7586 21831 18045 625 262 16931');
    expect(out[1]).toBe('target_tokens 2068 7586 21831 18045 625 262 16931 3290');
    expect(out[2]).toBe('0: "The" → " quick"');
    expect(out[9]).toBe('7: "The quick brown fox jumps over the lazy" → " dog"');
  });

  it('mlm-labels.ts: labels hold the original id where chosen and -100 elsewhere', async () => {
    const out = await runExample('mlm-labels.ts');
    const original = out[0].replace(/^original\s+/, '').split(' ');
    const inputs = out[1].replace(/^inputs\s+/, '').split(' ');
    const labels = out[2]
      .replace(/^labels\s+/, '')
      .split(' ')
      .map(Number);
    expect(original[0]).toBe('[CLS]');
    expect(original.at(-1)).toBe('[SEP]');
    expect(inputs).toHaveLength(original.length);
    const chosen = labels.filter((l) => l !== -100).length;
    expect(chosen).toBeGreaterThan(0);
    expect(out[3]).toBe(`${chosen} of ${original.length - 2} tokens chosen`);
    for (let i = 0; i < labels.length; i++) {
      // Not chosen: the input is the original token. Special tokens are never chosen.
      if (labels[i] === -100) expect(inputs[i]).toBe(original[i]);
    }
    expect(labels[0]).toBe(-100);
    expect(labels.at(-1)).toBe(-100);
  });

  it('training-step.ts: one update by hand lowers the loss on its batch', async () => {
    const out = await runExample('training-step.ts');
    expect(out[0]).toBe('logits 1 × 8 × 50257');
    const [, before, lnV] = out[1].match(/^loss (\d+\.\d+) \(ln V = (\d+\.\d+)\)$/)!.map(Number);
    expect(lnV).toBeCloseTo(Math.log(50257), 3);
    expect(Math.abs(before - lnV)).toBeLessThan(0.5); // a fresh model guesses nearly uniformly
    const after = Number(out[2].match(/^loss after one step (\d+\.\d+)$/)![1]);
    expect(after).toBeLessThan(before);
  });

  it('backends.ts: lists the backends and runs on the one auto chose', async () => {
    const out = await runExample('backends.ts');
    for (const name of ['wasm', 'cpu', 'webgpu', 'webgl', 'tensorflow']) {
      expect(
        out.some((l) => new RegExp(`^[✓✗] ${name}\\s`).test(l)),
        name,
      ).toBe(true);
    }
    expect(out).toContain('✓ cpu        plain JavaScript (always available, slowest)');
    const chosen = out.find((l) => l.startsWith('auto → '))!.match(/^auto → (\w+):/)![1];
    expect(out.at(-1)).toBe(`tfjs is running on ${chosen}`);
  });

  it('tokenizers.ts: the four kinds, and tokenizer.json round trip', async () => {
    const out = await runExample('tokenizers.ts');
    expect(out[0]).toBe('gpt2 15496 995 → Hello world');
    const [char, bpe, bert] = out[1].replace('vocabulary sizes ', '').split(' ').map(Number);
    expect(char).toBe(
      new Set('the cat sat on the mat because it was tired. the dog sat on the step because it was cold.').size,
    );
    expect(bpe).toBeLessThanOrEqual(280);
    expect(bert).toBeLessThanOrEqual(60);
    expect(out[2]).toMatch(/^wordpiece \[CLS\] the cat was co(ld| ##\w+)+ \. \[SEP\]$/); // "cold" is rare here: pieces
    expect(out[3]).toBe('same ids after loading: true');
  });

  it('model.ts: create, generate reproducibly, save and load', async () => {
    const out = await runExample('model.ts');
    expect(out[0]).toMatch(/^[\d,]+ parameters, \d+ tensors$/);
    expect(out[1]).toBe('same seed, same tokens: true');
    expect(out[2]).toBe('loaded clm true');
    expect(existsSync('my-model/model.safetensors')).toBe(true);
  });

  it('quick-start-gpt.sh: prepare, train, sample and eval from the command line', () => {
    expect(existsSync(CLI), `${CLI} is missing: build the CLI first (the root \`pnpm test\` does)`).toBe(true);
    const out = runShell('quick-start-gpt.sh', bin);
    expect(existsSync('data/mytext/train.bin')).toBe(true);
    for (const f of ['model.safetensors', 'config.json', 'tokenizer.json', 'trainer_state.json', 'metrics.jsonl']) {
      expect(existsSync(join('runs/mytext', f)), f).toBe(true);
    }
    expect(out).toMatch(/^the /m);
    expect(out).toMatch(/perplexity/);
  });

  it('quick-start-bert.sh: a masked LM and fill-mask from the command line', () => {
    expect(existsSync(CLI), `${CLI} is missing: build the CLI first (the root \`pnpm test\` does)`).toBe(true);
    const out = runShell('quick-start-bert.sh', bin);
    expect(JSON.parse(readFileSync('runs/bert/config.json', 'utf8')).model_type).toBe('bert');
    expect(out).toMatch(/the baker bakes \S+ in the morning\./);
  });

  it('quick-start-train.ts: train() prepares, trains, evaluates and samples', async () => {
    const out = await runExample('quick-start-train.ts', [
      /flags: \{ maxIters: 2000 \}/,
      'flags: { maxIters: 2, evalIters: 1, batchSize: 4 }',
    ]);
    expect(out[0]).toMatch(/^backend: (wasm|cpu|webgpu|tensorflow) \(/);
    expect(out.some((l) => /^step 2: train \d+\.\d{3}, val \d+\.\d{3}$/.test(l))).toBe(true);
    expect(out.some((l) => l.startsWith('sample: '))).toBe(true);
    expect(existsSync('runs/library/model.safetensors')).toBe(true);
  });

  it('quick-start-loop.ts: the pieces by hand, and the loss falls below ln V', async () => {
    const out = await runExample('quick-start-loop.ts', [/maxIters: 500/, 'maxIters: 100']);
    const vocab = new Set(TINY_CORPUS).size;
    const step = out.find((l) => l.startsWith('step 100: loss '));
    expect(step).toBeDefined();
    expect(Number(step!.match(/loss (\d+\.\d+)/)![1])).toBeLessThan(Math.log(vocab) - 0.5);
    expect(out.some((l) => /^train loss \d+\.\d{3}, val loss \d+\.\d{3}$/.test(l))).toBe(true);
    expect(out.at(-1)).toMatch(/^the /);
  });

  it.skipIf(torchMissing)('moving-to-pytorch.sh: export, train on in PyTorch, import back, sample', () => {
    // Needs the run quick-start-gpt.sh made (2 steps); PyTorch takes it to step 4.
    expect(existsSync('runs/mytext/model.safetensors'), 'quick-start-gpt.sh must run first').toBe(true);
    const out = runShell('moving-to-pytorch.sh', bin, '--max-iters 4');
    for (const f of ['model.safetensors', 'config.json', 'tokenizer.json', 'tokenizer_config.json']) {
      expect(existsSync(join('hf/mytext', f)), f).toBe(true);
    }
    expect(JSON.parse(readFileSync('hf/mytext/config.json', 'utf8')).model_type).toBe('gpt2');
    expect(existsSync('pt/mytext/train_ddp.py')).toBe(true);
    expect(JSON.parse(readFileSync('runs/mytext-pytorch/trainer_state.json', 'utf8')).step).toBe(4);
    expect(out).toMatch(/^the /m);
  });

  it('load-*-in-transformers.py: valid Python, and the folders hold what transformers reads', () => {
    // transformers is not installed here, so the scripts are compiled, not run; what they load is checked instead.
    for (const name of ['load-in-transformers.py', 'load-bert-in-transformers.py']) {
      execFileSync(PYTHON, ['-m', 'py_compile', join(EXAMPLES, name)], { stdio: 'pipe' });
      rmSync(join(EXAMPLES, '__pycache__'), { recursive: true, force: true });
    }
    execFileSync(join(bin, 'selfsup'), ['export', '--run', 'runs/bert', '--out', 'hf/bert'], { stdio: 'pipe' });
    const gpt = JSON.parse(readFileSync('hf/mytext/config.json', 'utf8'));
    expect(gpt.architectures).toEqual(['GPT2LMHeadModel']);
    const bert = JSON.parse(readFileSync('hf/bert/config.json', 'utf8'));
    expect(bert.model_type).toBe('bert');
    for (const dir of ['hf/mytext', 'hf/bert']) {
      expect(JSON.parse(readFileSync(join(dir, 'tokenizer_config.json'), 'utf8')).tokenizer_class).toBeDefined();
      expect(JSON.parse(readFileSync(join(dir, 'tokenizer.json'), 'utf8')).model.type).toMatch(
        /^(BPE|WordPiece|WordLevel)$/,
      );
    }
  });
});
