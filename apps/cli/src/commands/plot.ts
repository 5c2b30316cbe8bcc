/** `selfsup plot`: the train/val loss curves of a run, as SVG or PNG. */
import { usageError } from '@selfsup/core';
import { plotRun } from '@selfsup/trainer';
import { defineCommand } from '../command.js';

export const plotCommand = defineCommand({
  name: 'plot',
  summary: "draw a run's loss curves from metrics.jsonl (.svg or .png)",
  usage: 'plot --run RUN --out loss.svg|loss.png [--width W --height H --title TEXT]',
  flags: {
    run: { type: 'string', placeholder: 'RUN', description: 'a run folder' },
    out: { type: 'string', placeholder: 'FILE', description: 'the image to write: .svg or .png' },
    width: { type: 'int', min: 200, max: 8000, description: 'pixels (default 800)' },
    height: { type: 'int', min: 150, max: 8000, description: 'pixels (default 480)' },
    title: { type: 'string', placeholder: 'TEXT', description: 'chart title (default: loss — RUN)' },
  },
  run({ flags, positionals, out }) {
    if (positionals.length > 0) throw usageError(`unexpected argument '${positionals[0]}'`);
    if (typeof flags.run !== 'string') throw usageError('--run is required (a run folder)');
    if (typeof flags.out !== 'string') throw usageError('--out is required (loss.svg or loss.png)');
    const r = plotRun(flags.run, flags.out, {
      ...(typeof flags.width === 'number' ? { width: flags.width } : {}),
      ...(typeof flags.height === 'number' ? { height: flags.height } : {}),
      ...(typeof flags.title === 'string' ? { title: flags.title } : {}),
    });
    out.result(r, `wrote ${r.out} (${r.trainPoints} logged steps, ${r.evalPoints} evaluations)`);
    return 0;
  },
});
