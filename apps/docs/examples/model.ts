import { selectBackend } from '@selfsup/backends';
import { createModel, generate, loadModel, saveModel } from '@selfsup/model';

await selectBackend('auto');

// nanoGPT's CPU shape: 4 layers, 4 heads, 128 wide, context 64, for a 65-character vocabulary
const gpt = createModel(
  { objective: 'clm', vocabSize: 65, blockSize: 64, nLayer: 4, nHead: 4, nEmbd: 128 },
  { seed: 1 },
);
console.log(`${gpt.numParams().toLocaleString('en-US')} parameters, ${gpt.params.size} tensors`);

// Sampling with a KV cache (an untrained model writes noise, but any seed gives the same noise again)
const first = await generate(gpt, [0, 1, 2], { maxNewTokens: 20, temperature: 0.8, topK: 20, seed: 7 });
const second = await generate(gpt, [0, 1, 2], { maxNewTokens: 20, temperature: 0.8, topK: 20, seed: 7 });
console.log('same seed, same tokens:', first.newTokens.join(',') === second.newTokens.join(','));

// Hugging Face GPT-2 weights: model.safetensors + config.json
await saveModel(gpt, 'my-model');
const loaded = await loadModel('my-model');
console.log('loaded', loaded.config.objective, loaded.numParams() === gpt.numParams());
