/** `selfsup export`: a run as a Hugging Face folder; with `--for pytorch`, also everything `train_ddp.py` needs. */
import { usageError } from '@selfsup/core';
import { exportForPytorch, exportRun, TRAIN_DDP_SCRIPT } from '@selfsup/trainer';
import { defineCommand } from '../command.js';
import { readTemplate } from '../templates.js';

export const exportCommand = defineCommand({
  name: 'export',
  summary: 'write a run as a Hugging Face folder that transformers loads unchanged (--for pytorch: to train on)',
  usage: 'export --run RUN --out DIR [--for pytorch]',
  details: [
    'DIR gets model.safetensors and config.json (GPT-2 or BERT names), tokenizer.json and tokenizer_config.json.',
    'With --for pytorch it also gets the token files (train.bin, val.bin, meta.json), the AdamW moments, the loss',
    'history, train_config.json (the run’s options and data position) and train_ddp.py, which continues the run in',
    'PyTorch: `torchrun --nproc_per_node N DIR/train_ddp.py --max-iters M`; bring the result back with `selfsup import`.',
  ].join('\n'),
  flags: {
    run: { type: 'string', placeholder: 'RUN', description: 'a run folder' },
    out: { type: 'string', placeholder: 'DIR', description: 'the folder to write (new, empty, or an earlier export)' },
    for: {
      type: 'string',
      choices: ['pytorch'],
      description: 'pytorch: add the data, optimizer state and train_ddp.py (DistributedDataParallel)',
    },
  },
  run({ flags, positionals, out }) {
    if (positionals.length > 0) throw usageError(`unexpected argument '${positionals[0]}'`);
    if (typeof flags.run !== 'string') throw usageError('--run is required (a run folder)');
    if (typeof flags.out !== 'string') throw usageError('--out is required (the folder to write)');
    if (flags.for === 'pytorch') {
      const r = exportForPytorch(flags.run, flags.out, { script: readTemplate(TRAIN_DDP_SCRIPT) });
      const script = `${r.out}/${TRAIN_DDP_SCRIPT}`;
      out.result(
        r,
        [
          `wrote ${r.out}/{${r.files.join(',')}} (${r.modelType}${r.step !== null ? `, step ${r.step}` : ''})`,
          `continue it in PyTorch:  torchrun --nproc_per_node N ${script} --max-iters M   (or python3 ${script})`,
          `then bring it back:      selfsup import --from ${r.out}/out --out RUN`,
        ].join('\n'),
      );
      return 0;
    }
    const r = exportRun(flags.run, flags.out);
    out.result(r, `wrote ${r.out}/{${r.files.join(',')}} (${r.modelType}${r.step !== null ? `, step ${r.step}` : ''})`);
    return 0;
  },
});
