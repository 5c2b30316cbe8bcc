/** `selfsup backends`: what can run here, why or why not, and what `auto` picks. */
import { decideAuto, listBackends } from '@selfsup/backends';
import { usageError } from '@selfsup/core';
import { defineCommand } from '../command.js';

export const backendsCommand = defineCommand({
  name: 'backends',
  summary: 'list the compute backends available here and which one `auto` picks, with reasons',
  usage: 'backends [--threads N] [--json]',
  details:
    'auto prefers tensorflow on a CUDA GPU, then WebGPU on a real (not software) adapter, then tensorflow on the CPU,\nthen wasm (threaded), then cpu. Nothing is started beyond loading the optional modules to probe them.',
  flags: {
    threads: {
      type: 'int',
      min: 1,
      description: 'wasm threads to report (default: the cores of this machine, at most 8)',
    },
  },
  async run({ flags, positionals, out }) {
    if (positionals.length > 0)
      throw usageError(`unexpected argument '${positionals[0]}' (see \`selfsup backends --help\`)`);
    const backends = await listBackends(typeof flags.threads === 'number' ? { threads: flags.threads } : {});
    const auto = decideAuto(backends);
    const width = Math.max(...backends.map((b) => b.name.length)) + 2;
    const text = [
      ...backends.map((b) => `${b.available ? '✓' : '✗'} ${b.name.padEnd(width)}${b.reason}`),
      '',
      `auto → ${auto.name}: ${auto.reason.replace(/^auto: /, '')}`,
    ].join('\n');
    out.result({ backends, auto }, text);
    return 0;
  },
});
