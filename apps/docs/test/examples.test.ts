/**
 * The docs' code blocks are files under examples/, pulled into the pages with `<<< @/../examples/NAME`. This test
 * runs every one of them in Node against the real packages and checks what it prints, so a page cannot show code
 * that no longer works.
 */
import { mkdtempSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { SRC, sitePages } from './pages';

const EXAMPLES = fileURLToPath(new URL('../examples', import.meta.url));
const examples = readdirSync(EXAMPLES).filter((f) => /\.(ts|sh|py)$/.test(f));
const pageSources = sitePages().map((p) => ({ ...p, text: readFileSync(join(SRC, p.source), 'utf8') }));

/** Imports `examples/NAME` and returns the lines it printed with console.log. */
async function runExample(name: string): Promise<string[]> {
  const lines: string[] = [];
  const spy = vi.spyOn(console, 'log').mockImplementation((...args: unknown[]) => {
    lines.push(args.map((a) => (typeof a === 'string' ? a : JSON.stringify(a))).join(' '));
  });
  try {
    await import(/* @vite-ignore */ join(EXAMPLES, name));
  } finally {
    spy.mockRestore();
  }
  return lines;
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
  beforeAll(() => {
    cwd = process.cwd();
    work = mkdtempSync(join(tmpdir(), 'selfsup-docs-examples-'));
    process.chdir(work);
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
});
