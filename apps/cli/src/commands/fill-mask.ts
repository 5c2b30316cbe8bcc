/** `selfsup fill-mask`: the most likely tokens for each [MASK] in a text, from a trained masked LM. */
import { usageError } from '@selfsup/core';
import { fillMask } from '@selfsup/model';
import { loadRun } from '@selfsup/trainer';
import { BACKEND_FLAGS, useBackend } from '../backend.js';
import { defineCommand } from '../command.js';

export const fillMaskCommand = defineCommand({
  name: 'fill-mask',
  summary: 'predict the [MASK] tokens of a text with a trained masked LM (mlm) run',
  usage: 'fill-mask --run RUN "text with [MASK]" [--top-k K]',
  flags: {
    run: { type: 'string', placeholder: 'RUN', description: 'a run folder (or a Hugging Face BERT folder)' },
    'top-k': { type: 'int', min: 1, description: 'predictions per mask (default 5)' },
    ...BACKEND_FLAGS,
  },
  async run({ flags, positionals, out }) {
    if (typeof flags.run !== 'string') throw usageError('--run is required (a run folder)');
    const text = positionals.join(' ');
    if (text.trim() === '') throw usageError('give the text to complete, with [MASK] where a word is missing');
    if (!text.includes('[MASK]')) throw usageError(`the text has no [MASK]: '${text}'`);
    await useBackend(flags);
    const loaded = loadRun(flags.run);
    try {
      if (loaded.model.config.objective !== 'mlm') {
        throw usageError(
          `${flags.run} is a causal LM (clm): fill-mask needs a masked LM run; use \`selfsup sample\` for it`,
        );
      }
      const topK = typeof flags.topK === 'number' ? flags.topK : 5;
      const masks = await fillMask(loaded.model, loaded.tokenizer, text, { topK });
      const lines: string[] = [];
      masks.forEach((predictions, i) => {
        if (masks.length > 1) lines.push(`[MASK] ${i + 1}:`);
        const width = Math.max(...predictions.map((p) => p.token.length));
        predictions.forEach((p, rank) => {
          lines.push(`${String(rank + 1).padStart(3)}. ${p.token.padEnd(width)}  ${p.score.toFixed(4)}  ${p.sequence}`);
        });
      });
      out.result({ run: flags.run, text, masks }, lines.join('\n'));
      return 0;
    } finally {
      loaded.dispose();
    }
  },
});
