/**
 * The in-page trainer (.vitepress/theme/widgets/tiny-gpt.ts) steps with `Trainer.trainStepAsync()` so WebGPU works in
 * a page; it must be the update `selfsup train` makes with `Trainer.trainStep()`. Same seed, same data, same model:
 * the two must give the same losses step for step, to the last bit.
 */
import { selectBackend } from '@selfsup/backends';
import { createModel } from '@selfsup/model';
import { trainChar } from '@selfsup/tokenizer';
import { clmData, Trainer } from '@selfsup/trainer';
import { beforeAll, expect, it } from 'vitest';
import { TINY_CORPUS } from '../.vitepress/theme/widgets/tiny-corpus';
import { startTinyGpt, TINY_GPT } from '../.vitepress/theme/widgets/tiny-gpt';

beforeAll(async () => {
  await selectBackend('cpu');
});

it('takes the same steps as Trainer.trainStep and the loss falls', async () => {
  const config = { ...TINY_GPT, steps: 8, nLayer: 1, nEmbd: 32, blockSize: 16, batchSize: 4 };
  const run = await startTinyGpt(config);
  const mine: number[] = [];
  for (let i = 0; i < config.steps; i++) mine.push((await run.step()).loss);

  const tokenizer = trainChar(TINY_CORPUS);
  const tokens = tokenizer.encode(TINY_CORPUS);
  const cut = Math.floor(tokens.length * 0.9);
  const data = clmData({ train: tokens.subarray(0, cut), val: tokens.subarray(cut) }, config);
  const o = run.options;
  const model = createModel(
    {
      objective: 'clm',
      vocabSize: tokenizer.vocabSize,
      blockSize: o.blockSize,
      nLayer: o.nLayer,
      nHead: o.nHead,
      nEmbd: o.nEmbd,
    },
    { seed: config.seed },
  );
  const trainer = new Trainer({ model, data, options: o });
  const reference: number[] = [];
  for (let i = 0; i < config.steps; i++) reference.push(trainer.trainStep().loss);

  expect(mine).toEqual(reference);
  expect(mine[0]).toBeCloseTo(Math.log(tokenizer.vocabSize), 0);
  expect(mine.at(-1)!).toBeLessThan(mine[0] - 0.3);
  trainer.dispose();
  model.dispose();
  run.dispose();
});
