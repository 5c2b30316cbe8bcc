/** `selfsup backends`: what can run here, why or why not, and what `auto` picks; `--verify` checks them against cpu. */
import { type BackendName, compareBackends, decideAuto, listBackends } from '@selfsup/backends';
import { Rng, runtimeError, usageError } from '@selfsup/core';
import { createModel } from '@selfsup/model';
import * as tf from '@tensorflow/tfjs-core';
import { defineCommand } from '../command.js';

export const backendsCommand = defineCommand({
  name: 'backends',
  summary: 'list the compute backends available here and which one `auto` picks, with reasons',
  usage: 'backends [--threads N] [--verify] [--json]',
  details: [
    'auto prefers tensorflow on a CUDA GPU, then WebGPU on a real (not software) adapter, then tensorflow on the CPU,',
    'then wasm (threaded), then cpu. Listing starts nothing beyond loading the optional modules to probe them.',
    "--verify runs a small GPT's loss, every gradient and their global norm on each available backend and compares",
    'them with cpu (tolerance 1e-4 relative); exit 1 when one differs.',
  ].join('\n'),
  flags: {
    threads: { type: 'int', min: 1, description: 'wasm threads (default: the cores of this machine, at most 8)' },
    verify: {
      type: 'boolean',
      description: 'check each available backend against cpu on a small GPT (loss, gradients)',
    },
    only: { type: 'string', placeholder: 'LIST', description: 'with --verify: these backends only (comma-separated)' },
  },
  async run({ flags, positionals, out }) {
    if (positionals.length > 0)
      throw usageError(`unexpected argument '${positionals[0]}' (see \`selfsup backends --help\`)`);
    const options = typeof flags.threads === 'number' ? { threads: flags.threads } : {};
    const backends = await listBackends(options);
    const auto = decideAuto(backends);
    const width = Math.max(...backends.map((b) => b.name.length)) + 2;
    const lines = [
      ...backends.map((b) => `${b.available ? '✓' : '✗'} ${b.name.padEnd(width)}${b.reason}`),
      '',
      `auto → ${auto.name}: ${auto.reason.replace(/^auto: /, '')}`,
    ];
    if (!flags.verify) {
      out.result({ backends, auto }, lines.join('\n'));
      return 0;
    }
    let names = backends.filter((b) => b.available && b.name !== 'cpu').map((b) => b.name);
    if (typeof flags.only === 'string') {
      const wanted = flags.only.split(',').map((s) => s.trim());
      for (const w of wanted)
        if (!backends.some((b) => b.name === w)) throw usageError(`--only: unknown backend '${w}'`);
      names = names.filter((n) => wanted.includes(n));
    }
    const verify = await compareBackends(smallGptLossAndGrads, ['cpu', ...names] as BackendName[], options);
    lines.push('', 'verify (a 2-layer GPT: loss and every gradient, against cpu):');
    for (const v of verify.slice(1)) {
      lines.push(
        `  ${v.ok ? '✓' : '✗'} ${v.backend.padEnd(width)}${v.error ?? `max |Δ| ${v.maxAbsDiff.toExponential(2)}`}`,
      );
    }
    out.result({ backends, auto, verify }, lines.join('\n'));
    if (verify.some((v) => !v.ok))
      throw runtimeError(`backend ${verify.find((v) => !v.ok)!.backend} does not match cpu`);
    return 0;
  },
});

/** Loss and gradients of a small seeded GPT on seeded tokens, in parameter order. */
function smallGptLossAndGrads(): tf.Tensor[] {
  const model = createModel(
    { objective: 'clm', vocabSize: 37, blockSize: 16, nLayer: 2, nHead: 2, nEmbd: 32 },
    { seed: 7 },
  );
  const rng = new Rng(11);
  const ids = Int32Array.from({ length: 3 * 17 }, () => rng.int(37));
  const inputs = tf.tensor2d(
    Int32Array.from({ length: 48 }, (_, i) => ids[Math.floor(i / 16) * 17 + (i % 16)]),
    [3, 16],
    'int32',
  );
  const labels = tf.tensor2d(
    Int32Array.from({ length: 48 }, (_, i) => ids[Math.floor(i / 16) * 17 + (i % 16) + 1]),
    [3, 16],
    'int32',
  );
  const vars = [...model.params.values()];
  const { value, grads } = tf.variableGrads(() => model.loss(inputs, labels), vars);
  const g = vars.map((v) => grads[v.name]);
  // The global gradient norm as clipping takes it: one AddN over every parameter (WebGPU needs our AddN for this).
  const norm = tf.tidy(() => tf.sqrt(tf.addN(g.map((t) => tf.sum(tf.square(t))))));
  const out = [value, norm, ...g];
  tf.dispose([inputs, labels]);
  model.dispose();
  return out;
}
