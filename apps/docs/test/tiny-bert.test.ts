/**
 * The in-page BERT (.vitepress/theme/widgets/tiny-bert.ts): its loss falls from about ln V and fillMask ranks
 * candidates for a [MASK]. (The widget's full 800 steps, after which "the baker bakes [MASK] …" gives "bread", take
 * too long for the suite; the browser test runs the widget itself.)
 */
import { selectBackend } from '@selfsup/backends';
import { beforeAll, expect, it } from 'vitest';
import { startTinyBert, TINY_BERT } from '../.vitepress/theme/widgets/tiny-bert';

beforeAll(async () => {
  await selectBackend('wasm', { threads: 1 });
});

it('trains a tiny BERT whose loss falls, and fills a mask', async () => {
  const steps = 40;
  const run = await startTinyBert({ ...TINY_BERT, steps, nEmbd: 32 });
  const losses: number[] = [];
  for (let i = 0; i < steps; i++) losses.push((await run.step()).loss);
  const mean = (xs: number[]) => xs.reduce((a, b) => a + b) / xs.length;
  expect(mean(losses.slice(0, 5))).toBeCloseTo(Math.log(run.vocabSize), 0);
  expect(mean(losses.slice(-5))).toBeLessThan(mean(losses.slice(0, 5)) - 0.5);
  const [predictions] = await run.fill('the baker bakes [MASK] in the morning.', 5);
  expect(predictions).toHaveLength(5);
  for (let i = 1; i < 5; i++) expect(predictions[i].score).toBeLessThanOrEqual(predictions[i - 1].score);
  expect(predictions[0].sequence).toMatch(/^the baker bakes .+ in the morning\.$/);
  run.dispose();
});
