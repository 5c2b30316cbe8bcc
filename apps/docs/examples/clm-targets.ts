import { clmBatches } from '@selfsup/dataset';
import { gpt2Tokenizer } from '@selfsup/tokenizer';

const tokenizer = gpt2Tokenizer();
const tokens = tokenizer.encode('The quick brown fox jumps over the lazy dog'); // 9 tokens

// One window of T = 8: inputs are tokens 0…7, targets are tokens 1…8.
const batch = clmBatches(tokens, { blockSize: 8, batchSize: 1, mode: 'sequential' }).nextBatch()!;
console.log('input_tokens ', batch.inputs.join(' '));
console.log('target_tokens', batch.targets.join(' '));

for (let t = 0; t < batch.inputs.length; t++) {
  const context = tokenizer.decode(batch.inputs.subarray(0, t + 1));
  const target = tokenizer.decode([batch.targets[t]]);
  console.log(`${t}: ${JSON.stringify(context)} → ${JSON.stringify(target)}`);
}
