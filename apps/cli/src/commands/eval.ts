/** `selfsup eval`: a trained model's loss and perplexity on a whole split of prepared data. */
import { usageError } from '@selfsup/core';
import { evaluateRun, type MlmPositionLoss } from '@selfsup/trainer';
import { BACKEND_FLAGS, useBackend } from '../backend.js';
import { defineCommand } from '../command.js';
import { count } from '../format.js';

export const evalCommand = defineCommand({
  name: 'eval',
  summary: 'loss and perplexity of a run on prepared data (every token of the split once)',
  usage: 'eval --run RUN [--data DIR] [--split val|train] [--batch-size N] [--max-batches N]',
  details:
    'DIR defaults to the data the run was trained on. clm: non-overlapping windows; mlm: every block, masked with a fixed seed, with the loss split into [MASK] / random-token / unchanged positions and the unigram baseline.',
  flags: {
    run: { type: 'string', placeholder: 'RUN', description: 'a run folder' },
    data: { type: 'string', placeholder: 'DIR', description: 'a prepared-data folder (default: the run’s)' },
    split: { type: 'string', choices: ['val', 'train'], description: 'which split (default val)' },
    'batch-size': { type: 'int', min: 1, description: 'rows per batch (default the run’s)' },
    'max-batches': { type: 'int', min: 1, description: 'stop after N batches (default: the whole split)' },
    ...BACKEND_FLAGS,
  },
  async run({ flags, positionals, out }) {
    if (positionals.length > 0) throw usageError(`unexpected argument '${positionals[0]}'`);
    if (typeof flags.run !== 'string') throw usageError('--run is required (a run folder)');
    await useBackend(flags);
    const r = evaluateRun(flags.run, {
      data: typeof flags.data === 'string' ? flags.data : undefined,
      split: flags.split === 'train' ? 'train' : 'val',
      batchSize: typeof flags.batchSize === 'number' ? flags.batchSize : undefined,
      maxBatches: typeof flags.maxBatches === 'number' ? flags.maxBatches : undefined,
    });
    const lines = [
      `${r.split} loss ${r.loss.toFixed(4)}, perplexity ${r.perplexity.toFixed(2)} (step ${r.step ?? '?'}; ${count(r.tokens)} tokens in ${r.batches} batches, ${r.seconds.toFixed(1)} s)`,
    ];
    if (r.mlm) {
      const kind = (name: string, k: MlmPositionLoss) => `${name} ${k.loss.toFixed(4)} (${count(k.tokens)})`;
      lines.push(
        `by position: ${kind('[MASK]', r.mlm.masked)} · ${kind('random token', r.mlm.random)} · ${kind('unchanged', r.mlm.unchanged)}`,
        `unigram baseline ${r.mlm.unigramBaseline.toFixed(4)}: [MASK] positions are ${(r.mlm.unigramBaseline - r.mlm.masked.loss).toFixed(3)} nats under it (what the model reads from context)`,
      );
    }
    out.result(r, lines.join('\n'));
    return 0;
  },
});
