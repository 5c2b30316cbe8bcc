/** `selfsup sample`: text from a trained causal LM, streamed as it is generated. */
import { usageError } from '@selfsup/core';
import { loadRun, sampleText } from '@selfsup/trainer';
import { BACKEND_FLAGS, useBackend } from '../backend.js';
import { defineCommand } from '../command.js';

export const sampleCommand = defineCommand({
  name: 'sample',
  summary: 'generate text from a trained causal LM (clm) run',
  usage: 'sample --run RUN [--prompt TEXT] [--max-new-tokens N] [--temperature T] [--top-k K] [--top-p P] [--seed S]',
  details:
    "Defaults follow nanoGPT's sample.py: 200 new tokens (here), temperature 0.8, top-k 200. The prompt defaults to a newline.",
  flags: {
    run: { type: 'string', placeholder: 'RUN', description: 'a run folder (or a Hugging Face GPT-2 folder)' },
    prompt: { type: 'string', placeholder: 'TEXT', description: 'text to continue (default a newline)' },
    'max-new-tokens': { type: 'int', min: 0, description: 'tokens to generate (default 200)' },
    temperature: { type: 'number', min: 0, description: 'sampling temperature; 0 = greedy (default 0.8)' },
    'top-k': { type: 'int', min: 1, description: 'sample from the K most likely tokens (default 200)' },
    'top-p': {
      type: 'number',
      min: 0,
      exclusiveMin: true,
      max: 1,
      description: 'nucleus sampling: the smallest set with this probability',
    },
    seed: { type: 'int', min: 0, description: 'seed of the sampler (default 1337)' },
    ...BACKEND_FLAGS,
  },
  async run({ flags, positionals, out }) {
    if (positionals.length > 0)
      throw usageError(`unexpected argument '${positionals[0]}' (give the prompt with --prompt)`);
    if (typeof flags.run !== 'string') throw usageError('--run is required (a run folder)');
    await useBackend(flags);
    const loaded = loadRun(flags.run);
    try {
      if (loaded.model.config.objective !== 'clm') {
        throw usageError(
          `${flags.run} is a masked LM (mlm): sample needs a causal LM run; use \`selfsup fill-mask\` for it`,
        );
      }
      const started = performance.now();
      const stream = !out.json;
      const prompt = typeof flags.prompt === 'string' ? flags.prompt : undefined;
      if (stream) process.stdout.write(prompt ?? '');
      const maxNewTokens = typeof flags.maxNewTokens === 'number' ? flags.maxNewTokens : 200;
      const text = await sampleText(loaded.model, loaded.tokenizer, {
        prompt,
        maxNewTokens,
        temperature: typeof flags.temperature === 'number' ? flags.temperature : undefined,
        topK: typeof flags.topK === 'number' ? flags.topK : undefined,
        topP: typeof flags.topP === 'number' ? flags.topP : undefined,
        seed: typeof flags.seed === 'number' ? flags.seed : 1337,
        onText: stream ? (t) => process.stdout.write(t) : undefined,
      });
      const seconds = (performance.now() - started) / 1000;
      if (stream) process.stdout.write('\n');
      else out.result({ run: flags.run, step: loaded.step, prompt: prompt ?? '\n', text, maxNewTokens, seconds });
      return 0;
    } finally {
      loaded.dispose();
    }
  },
});
