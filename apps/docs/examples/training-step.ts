import { selectBackend } from '@selfsup/backends';
import { clmBatches } from '@selfsup/dataset';
import { createModel } from '@selfsup/model';
import { gpt2Tokenizer } from '@selfsup/tokenizer';
import { AdamW, clipCoefficient, globalNorm, learningRateAt, scaleGradients } from '@selfsup/trainer';
import * as tf from '@tensorflow/tfjs-core';

await selectBackend('auto');

// 1. Tokenization: text → ids
const tokenizer = gpt2Tokenizer();
const tokens = tokenizer.encode('The quick brown fox jumps over the lazy dog');

// 2. Pseudo-labels: the targets are the inputs shifted by one
const batch = clmBatches(tokens, { blockSize: 8, batchSize: 1, mode: 'sequential' }).nextBatch()!;
const inputs = tf.tensor2d(batch.inputs, batch.shape, 'int32'); // [B, T] = [1, 8]
const targets = tf.tensor2d(batch.targets, batch.shape, 'int32'); // [1, 8]

// 3–5. Embedding + position → transformer blocks → logits
const model = createModel({
  objective: 'clm',
  vocabSize: tokenizer.vocabSize,
  blockSize: 8,
  nLayer: 2,
  nHead: 2,
  nEmbd: 32,
});
const logits = model.logits(inputs); // [1, 8, 50257]: a score for every token of the vocabulary, at each position
console.log('logits', logits.shape.join(' × '));

// 6–7. Cross-entropy against the targets, and its gradient for every parameter (backpropagation)
const params = [...model.params.values()];
const { value: loss, grads } = tf.variableGrads(() => model.loss(inputs, targets), params);
console.log(`loss ${loss.dataSync()[0].toFixed(3)} (ln V = ${Math.log(tokenizer.vocabSize).toFixed(3)})`);

// 8. Clip the gradient norm, then one AdamW step at the scheduled learning rate
const byName = new Map([...model.params].map(([name, v]) => [name, grads[v.name]]));
const norm = globalNorm(byName.values()).dataSync()[0];
scaleGradients(byName, clipCoefficient(norm, 1.0));
const optimizer = new AdamW(model.params, model.paramGroups(), {
  beta1: 0.9,
  beta2: 0.99,
  eps: 1e-8,
  weightDecay: 0.1,
});
const schedule = { lrSchedule: 'cosine' as const, lr: 1e-2, minLr: 1e-3, warmupIters: 0, lrDecayIters: 100 };
optimizer.apply(byName, learningRateAt(0, schedule));

console.log(`loss after one step ${model.loss(inputs, targets).dataSync()[0].toFixed(3)}`);
