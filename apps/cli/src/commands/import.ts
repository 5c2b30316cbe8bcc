/** `selfsup import`: a Hugging Face folder (such as the one train_ddp.py writes) back into a run folder. */
import { usageError } from '@selfsup/core';
import { importRun } from '@selfsup/trainer';
import { BACKEND_FLAGS, useBackend } from '../backend.js';
import { defineCommand } from '../command.js';

export const importCommand = defineCommand({
  name: 'import',
  summary: 'make a run folder from a Hugging Face folder (the output of train_ddp.py, or any GPT-2/BERT folder)',
  usage: 'import --from DIR --out RUN [--data DIR]',
  details: [
    'DIR needs model.safetensors, config.json (GPT-2 or BERT) and tokenizer.json; the weights are checked against',
    'the config before anything is written. The folder train_ddp.py writes (its --out-dir) also holds its options,',
    'data position and AdamW moments: the run then evaluates on its data and continues with `selfsup train --resume`.',
  ].join('\n'),
  flags: {
    from: { type: 'string', placeholder: 'DIR', description: 'the Hugging Face folder to read' },
    out: { type: 'string', placeholder: 'RUN', description: 'the run folder to make (new or empty)' },
    data: {
      type: 'string',
      placeholder: 'DIR',
      description: 'the prepared data the run uses (default: the folder train_ddp.py trained on)',
    },
    ...BACKEND_FLAGS,
  },
  async run({ flags, positionals, out }) {
    if (positionals.length > 0) throw usageError(`unexpected argument '${positionals[0]}'`);
    if (typeof flags.from !== 'string') throw usageError('--from is required (a Hugging Face folder)');
    if (typeof flags.out !== 'string') throw usageError('--out is required (the run folder to make)');
    await useBackend(flags);
    const r = await importRun(flags.from, flags.out, { data: typeof flags.data === 'string' ? flags.data : undefined });
    const lines = [
      `wrote ${r.out}/{${r.files.join(',')}} (${r.modelType}${r.step !== null ? `, step ${r.step}` : ''})`,
    ];
    if (r.finalEval)
      lines.push(`PyTorch's last ${r.finalEval.split} loss: ${r.finalEval.loss.toFixed(4)} (step ${r.finalEval.step})`);
    if (r.resumable && r.dataFound) lines.push(`continue it here with: selfsup train --out ${r.out} --resume`);
    else if (r.resumable)
      lines.push(`its data folder ${r.data} is not here: pass --data DIR to import, or --data to eval`);
    else lines.push('no train_state.json: the run samples and evaluates (with --data), but does not resume');
    out.result(r, lines.join('\n'));
    return 0;
  },
});
