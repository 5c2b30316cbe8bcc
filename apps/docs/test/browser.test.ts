/**
 * The built site in a real browser: Debian's Chromium driven by playwright-core, serving .vitepress/dist on
 * 127.0.0.1 with the cross-origin isolation headers. Every page (English and Chinese) must load with no console
 * error and no request to another host; the widgets must show what the real packages compute; the in-page GPT must
 * train on wasm and on WebGPU (SwiftShader here) on the backend it reports, with a falling loss. Screenshots and the
 * training figures go to test-results/docs/. Skipped, with the reason printed, only when Chromium is not installed.
 */
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { mlmCollate } from '@selfsup/dataset';
import { gpt2Tokenizer, trainChar, trainWordPiece } from '@selfsup/tokenizer';
import type { Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { TINY_CORPUS } from '../.vitepress/theme/widgets/tiny-corpus';
import { WIDGET_WORDPIECE_VOCAB } from '../.vitepress/theme/widgets/tokenizers';
import { openSession, RESULTS, type Session, skipReason } from './browser';
import { sitePages } from './pages';

const reason = skipReason();
if (reason) console.log(`skipping the docs browser tests: ${reason}`);

const SENTENCE = 'The quick brown fox jumps over the lazy dog';

interface TrainingFigures {
  backend: string;
  size: string;
  steps: number;
  firstLoss: number;
  lastLoss: number;
  tokensPerSec: number;
  seconds: number;
}
const figures: TrainingFigures[] = [];

describe.skipIf(reason)('the built site in Chromium', () => {
  let session: Session;
  let page: Page;

  beforeAll(async () => {
    session = await openSession();
    page = await session.context.newPage();
  }, 120_000);

  afterAll(async () => {
    if (figures.length) writeFileSync(join(RESULTS, 'training.json'), `${JSON.stringify(figures, null, 2)}\n`);
    await session?.close();
  });

  async function open(url: string) {
    await page.goto(session.url + url, { waitUntil: 'load' });
    await page.waitForSelector('.VPContent');
    await page.waitForFunction(() => !document.querySelector('.widget[data-state="loading"]'), null, {
      timeout: 60_000,
    });
  }

  it('loads every page, English and Chinese, without console errors or outside requests', async () => {
    const pages = sitePages();
    expect(pages.length).toBeGreaterThanOrEqual(28);
    for (const p of pages) {
      await open(p.url);
      expect(await page.getAttribute('html', 'lang'), p.url).toBe(p.locale === 'zh' ? 'zh-CN' : 'en-US');
      expect(await page.locator('.widget[data-state="error"]').count(), `${p.url} has a widget in error`).toBe(0);
      expect(await page.evaluate(() => crossOriginIsolated), p.url).toBe(true);
      // The API reference makes the package pages very tall: those get the first screen only.
      await page.screenshot({ path: join(RESULTS, `${p.slug}.png`), fullPage: !p.source.includes('packages/') });
      expect(session.takeProblems(), p.url).toEqual([]);
    }
  });

  it('has dark mode and local search in both languages', async () => {
    await open('/zh/guide/self-supervised.html');
    await page.locator('.VPNavBarAppearance .VPSwitchAppearance').click();
    expect(await page.evaluate(() => document.documentElement.classList.contains('dark'))).toBe(true);
    await page.screenshot({ path: join(RESULTS, 'zh-guide-self-supervised-dark.png') });
    await page.locator('.VPNavBarAppearance .VPSwitchAppearance').click();
    for (const [url, query, expected] of [
      ['/guide/causal-lm.html', 'pseudo-labels', 'Supervised or self-supervised?'],
      ['/zh/guide/causal-lm.html', '伪标签', '监督还是自监督？'],
    ]) {
      await open(url);
      await page.locator('.VPNavBarSearch button').click();
      await page.locator('.VPLocalSearchBox input').fill(query);
      await expect
        .poll(() => page.locator('.VPLocalSearchBox .results').textContent(), { timeout: 10_000 })
        .toContain(expected);
      await page.keyboard.press('Escape');
    }
    expect(session.takeProblems()).toEqual([]);
  });

  it('tokenizer playground: the ids @selfsup/tokenizer gives, for each kind', async () => {
    await open('/guide/training-step.html');
    const widget = page.locator('.tokenizer-playground');
    await widget.locator('textarea').fill(SENTENCE);
    const expected = {
      gpt2: [...gpt2Tokenizer().encode(SENTENCE)],
      char: [...trainChar(SENTENCE).encode(SENTENCE)],
      wordpiece: [...trainWordPiece(TINY_CORPUS, { vocabSize: WIDGET_WORDPIECE_VOCAB }).encode(SENTENCE)],
    };
    expect(expected.gpt2).toEqual([464, 2068, 7586, 21831, 18045, 625, 262, 16931, 3290]);
    for (const [kind, ids] of Object.entries(expected)) {
      await widget.locator(`input[data-choice="${kind}"]`).check();
      await expect.poll(() => widget.getAttribute('data-ids'), { timeout: 20_000 }).toBe(ids.join(', '));
      expect(await widget.locator('.chip').count()).toBe(ids.length);
    }
    await widget.screenshot({ path: join(RESULTS, 'widget-tokenizer-playground.png') });
    expect(session.takeProblems()).toEqual([]);
  });

  it('shift-by-one table: each target is the next input', async () => {
    await open('/guide/causal-lm.html');
    const widget = page.locator('.shift-table');
    const text = 'Self-supervised learning makes its own labels.';
    await widget.locator('textarea').fill(text);
    const ids = [...gpt2Tokenizer().encode(text)];
    await expect.poll(() => widget.getAttribute('data-targets'), { timeout: 20_000 }).toBe(ids.slice(1).join(','));
    expect(await widget.getAttribute('data-inputs')).toBe(ids.slice(0, -1).join(','));
    expect(await widget.locator('tbody tr').count()).toBe(ids.length - 1);
    expect(await widget.locator('tbody tr').last().locator('td.context').textContent()).toBe(
      'Self-supervised learning makes its own labels',
    );
    await widget.locator('input[data-choice="char"]').check();
    await expect.poll(() => widget.locator('tbody tr').count(), { timeout: 20_000 }).toBe(text.length - 1);
    await widget.screenshot({ path: join(RESULTS, 'widget-shift-table.png') });
    expect(session.takeProblems()).toEqual([]);
  });

  it('masking demo: the collation @selfsup/dataset makes for the seed', async () => {
    await open('/guide/masked-lm.html');
    const widget = page.locator('.masking-demo');
    const text = 'the fisher rows out before the sun and casts the net.';
    await widget.locator('textarea').fill(text);
    await widget.locator('input[type="number"]').fill('11');
    const tok = trainWordPiece(TINY_CORPUS, { vocabSize: WIDGET_WORDPIECE_VOCAB });
    const ids = tok.encode(text, { addSpecialTokens: true });
    const want = mlmCollate(ids, {
      maskTokenId: tok.maskTokenId,
      vocabSize: tok.vocabSize,
      specialTokenIds: [tok.padTokenId, tok.unkTokenId, tok.clsTokenId, tok.sepTokenId, tok.maskTokenId],
      mlmProbability: 0.15,
      seed: 11,
    });
    await expect.poll(() => widget.getAttribute('data-labels'), { timeout: 20_000 }).toBe(want.labels.join(','));
    expect(await widget.getAttribute('data-inputs')).toBe(want.inputs.join(','));
    const labels = want.labels;
    expect(labels[0]).toBe(-100);
    expect(labels.at(-1)).toBe(-100);
    await widget.screenshot({ path: join(RESULTS, 'widget-masking-demo.png') });
    expect(session.takeProblems()).toEqual([]);
  });

  /** Runs the in-page GPT for `steps` steps on `backend`; returns what the widget reports. */
  async function train(backend: string, size: 'small' | 'tiny', steps: number, timeout: number) {
    await open('/guide/train-in-browser.html');
    const widget = page.locator('.train-in-browser');
    await page.waitForSelector('.train-in-browser [data-testid="start"]:not([disabled])', { timeout: 60_000 });
    await widget.locator('[data-testid="backend"]').selectOption(backend);
    await widget.locator('[data-testid="size"]').selectOption(size);
    await widget.locator('[data-testid="steps"]').fill(String(steps));
    const started = Date.now();
    await widget.locator('[data-testid="start"]').click();
    await page.waitForSelector('.train-in-browser:is([data-state="done"], [data-state="error"])', { timeout });
    const seconds = (Date.now() - started) / 1000;
    const data = await widget.evaluate((el) => ({ ...(el as HTMLElement).dataset }));
    const error = data.state === 'error' ? ((await widget.locator('.error').textContent()) ?? '') : '';
    const losses = (data.losses ?? '').split(',').filter(Boolean).map(Number);
    await page.screenshot({ path: join(RESULTS, `train-in-browser-${backend}.png`), fullPage: true });
    return { data, error, losses, seconds };
  }

  function checkTraining(backend: string, size: string, run: Awaited<ReturnType<typeof train>>) {
    const { data, error, losses, seconds } = run;
    expect(error, `training on ${backend} failed`).toBe('');
    expect(data.state).toBe('done');
    expect(data.step).toBe('30');
    expect(losses).toHaveLength(30);
    // The backend that ran is the one chosen: the widget reads tf.getBackend() after every step.
    expect(data.chosen).toBe(backend);
    expect(data.tfBackend).toBe(backend);
    const mean = (xs: number[]) => xs.reduce((a, b) => a + b, 0) / xs.length;
    const first = mean(losses.slice(0, 5));
    const last = mean(losses.slice(-5));
    expect(last).toBeLessThan(first - 0.3);
    const tokensPerSec = Number(data.tokensPerSec);
    expect(tokensPerSec).toBeGreaterThan(0);
    figures.push({
      backend,
      size,
      steps: losses.length,
      firstLoss: losses[0],
      lastLoss: losses.at(-1)!,
      tokensPerSec,
      seconds,
    });
    console.log(
      `in-page GPT on ${backend} (${size}): 30 steps, loss ${losses[0].toFixed(3)} → ${losses.at(-1)!.toFixed(3)}, ${tokensPerSec} tokens/s, ${seconds.toFixed(1)} s`,
    );
  }

  it('trains the in-page GPT for 30 steps on wasm', async () => {
    const run = await train('wasm', 'small', 30, 180_000);
    checkTraining('wasm', 'small', run);
    expect(session.takeProblems()).toEqual([]);
  }, 240_000);

  it('trains the in-page GPT for 30 steps on WebGPU (SwiftShader)', async () => {
    expect(await page.evaluate(async () => Boolean(await navigator.gpu?.requestAdapter())), 'no WebGPU adapter').toBe(
      true,
    );
    const run = await train('webgpu', 'tiny', 30, 400_000);
    checkTraining('webgpu', 'tiny', run);
    // tfjs warns (console.warn) about slow synchronous reads; errors would fail here.
    expect(session.takeProblems()).toEqual([]);
  }, 480_000);

  it('trains the tiny BERT and fills a mask', async () => {
    await open('/guide/train-in-browser.html');
    const widget = page.locator('.fill-mask');
    await widget.locator('input[type="number"]').fill('60');
    await widget.locator('[data-testid="train"]').click();
    await page.waitForSelector('.fill-mask:is([data-state="ready"], [data-state="error"])', { timeout: 180_000 });
    expect(await widget.getAttribute('data-state')).toBe('ready');
    expect(await widget.getAttribute('data-step')).toBe('60');
    const rows = widget.locator('table.predictions tbody tr');
    await expect.poll(() => rows.count()).toBe(5);
    expect(await rows.first().locator('td.sequence').textContent()).toMatch(/^the baker bakes .+ in the morning\.$/);
    await widget.screenshot({ path: join(RESULTS, 'widget-fill-mask.png') });
    expect(session.takeProblems()).toEqual([]);
  }, 240_000);
});
