import { readFileSync } from 'node:fs';
import { selectBackend } from '@selfsup/backends';
import { createModel } from '@selfsup/model';
import { trainChar } from '@selfsup/tokenizer';
import { clmData, DEFAULT_OPTIONS, sampleText, Trainer } from '@selfsup/trainer';

await selectBackend('auto');

// Text → token ids
const text = readFileSync('input.txt', 'utf8');
const tokenizer = trainChar(text); // the sorted distinct characters are the vocabulary
const tokens = tokenizer.encode(text); // Int32Array
const cut = Math.floor(tokens.length * 0.9);

// Ids → shift-by-one batches: the targets are the inputs moved one place left
const shape = { nLayer: 2, nHead: 4, nEmbd: 64, blockSize: 64 };
const options = { ...DEFAULT_OPTIONS, ...shape, batchSize: 12, maxIters: 500 };
const data = clmData({ train: tokens.subarray(0, cut), val: tokens.subarray(cut) }, options);

// A GPT-2-shaped model and the training loop: loss → backward → clip → AdamW
const model = createModel({ objective: 'clm', vocabSize: tokenizer.vocabSize, ...shape });
const trainer = new Trainer({ model, data, options });
for (let i = 0; i < options.maxIters; i++) {
  const { step, loss, tokensPerSec } = trainer.trainStep();
  if (step % 100 === 0) console.log(`step ${step}: loss ${loss.toFixed(3)}, ${tokensPerSec.toFixed(0)} tokens/s`);
}
const { trainLoss, valLoss } = trainer.evaluate();
console.log(`train loss ${trainLoss.toFixed(3)}, val loss ${valLoss.toFixed(3)}`);
console.log(await sampleText(model, tokenizer, { prompt: 'the ', maxNewTokens: 100 }));
