/** `selfsup export`: a run as a Hugging Face folder (model.safetensors, config.json, tokenizer.json). */
import { usageError } from '@selfsup/core';
import { exportRun } from '@selfsup/trainer';
import { defineCommand } from '../command.js';

export const exportCommand = defineCommand({
  name: 'export',
  summary: 'write a run as a Hugging Face folder that transformers loads unchanged',
  usage: 'export --run RUN --out DIR',
  details:
    'DIR gets model.safetensors and config.json (GPT-2 or BERT names), tokenizer.json and tokenizer_config.json.',
  flags: {
    run: { type: 'string', placeholder: 'RUN', description: 'a run folder' },
    out: { type: 'string', placeholder: 'DIR', description: 'the folder to write (new, empty, or an earlier export)' },
  },
  run({ flags, positionals, out }) {
    if (positionals.length > 0) throw usageError(`unexpected argument '${positionals[0]}'`);
    if (typeof flags.run !== 'string') throw usageError('--run is required (a run folder)');
    if (typeof flags.out !== 'string') throw usageError('--out is required (the folder to write)');
    const r = exportRun(flags.run, flags.out);
    out.result(r, `wrote ${r.out}/{${r.files.join(',')}} (${r.modelType}${r.step !== null ? `, step ${r.step}` : ''})`);
    return 0;
  },
});
