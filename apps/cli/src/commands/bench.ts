/**
 * `selfsup bench`: milliseconds per training step (forward + loss + backward + clipping + AdamW: the trainer's own
 * step) of a preset's model, with tokens/s, achieved GFLOP/s and peak RSS. With `--backend` it measures that backend
 * in this process; without, it runs each backend of `--configs` in a fresh process of its own (so memory figures do
 * not mix) and PyTorch's step of the same model, and prints them side by side.
 */
import { spawnSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';
import {
  BACKEND_REQUESTS,
  type BackendRequest,
  type KernelTime,
  peakRssMiB,
  profileKernels,
  selectBackend,
  timeSteps,
} from '@selfsup/backends';
import { Rng, readTextFile, usageError } from '@selfsup/core';
import type { LanguageModel } from '@selfsup/model';
import { createModel } from '@selfsup/model';
import {
  AdamW,
  clipCoefficient,
  clmData,
  DEFAULT_OPTIONS,
  globalNorm,
  learningRateAt,
  PRESETS,
  scaleGradients,
  type TrainData,
  Trainer,
  type TrainingOptions,
} from '@selfsup/trainer';
import * as tf from '@tensorflow/tfjs-core';
import { defineCommand } from '../command.js';

export interface BenchResult {
  backend: string;
  threads?: number;
  build?: string;
  adapter?: string;
  fused: boolean;
  preset: string;
  tokensPerStep: number;
  steps: number;
  msPerStep: number;
  p10: number;
  p90: number;
  tokensPerSec: number;
  gflops: number;
  peakRssMiB?: number;
  tensorsBefore: number;
  tensorsAfter: number;
  bytesBefore: number;
  bytesAfter: number;
  rssBeforeMiB: number;
  rssAfterMiB: number;
  firstLoss: number;
  lastLoss: number;
  valLoss?: number;
  profile?: { totalMs: number; kernels: KernelTime[] };
}

interface TorchResult {
  backend: 'pytorch';
  msPerStep: number;
  tokensPerSec: number;
  gflops?: number;
  peakRssMiB?: number;
  threads?: number;
  version?: string;
}

const DEFAULT_CONFIGS = 'cpu,wasm:1,wasm:2';

export const benchCommand = defineCommand({
  name: 'bench',
  summary: 'ms per training step, tokens/s, GFLOP/s and peak RSS per backend, beside PyTorch',
  usage: 'bench [--preset nanogpt-cpu] [--backend NAME [--threads N]] [--steps N] [--profile] [--json]',
  details: [
    "A step is the trainer's: forward, loss, backward, gradient clipping and AdamW, on batches of the preset's shape",
    '(random tokens, or --data FILE as characters). With --backend, that backend is measured here; without, each of',
    `--configs (default ${DEFAULT_CONFIGS}; NAME:THREADS for wasm) runs in a fresh process, then PyTorch's step of the`,
    'same model (packages/model/reference/bench_torch.py with /usr/bin/python3, OMP_NUM_THREADS=2',
    'OPENBLAS_NUM_THREADS=1) unless --no-torch. --profile adds a per-kernel time table (tf.profile of one step).',
  ].join('\n'),
  flags: {
    preset: {
      type: 'string',
      placeholder: 'NAME',
      description: `model and batch shape: ${Object.keys(PRESETS).join(', ')}`,
    },
    backend: { type: 'string', choices: BACKEND_REQUESTS, description: 'measure this backend in this process' },
    threads: { type: 'int', min: 1, description: 'wasm threads' },
    configs: { type: 'string', placeholder: 'LIST', description: `backends to compare (default ${DEFAULT_CONFIGS})` },
    steps: { type: 'int', min: 1, description: 'timed steps (default 20; cpu 3 when comparing)' },
    warmup: { type: 'int', min: 0, description: 'untimed steps first (default 3)' },
    'batch-size': { type: 'int', min: 1, description: "override the preset's batch size" },
    profile: { type: 'boolean', description: 'print the kernels that take the time (one profiled step)' },
    'no-fused': { type: 'boolean', description: "don't register the fused kernels (composite ops only)" },
    'no-torch': { type: 'boolean', description: 'skip the PyTorch reference' },
    data: {
      type: 'string',
      placeholder: 'FILE',
      description: 'train on this text (char-level) instead of random tokens',
    },
    'eval-iters': { type: 'int', min: 1, description: 'with --data: batches for the validation loss after the steps' },
  },
  async run({ flags, positionals, out }) {
    if (positionals.length > 0)
      throw usageError(`unexpected argument '${positionals[0]}' (see \`selfsup bench --help\`)`);
    const presetName = typeof flags.preset === 'string' ? flags.preset : 'nanogpt-cpu';
    const preset = PRESETS[presetName];
    if (!preset)
      throw usageError(`unknown preset '${presetName}' (expected one of ${Object.keys(PRESETS).join(', ')})`);
    const options: TrainingOptions = { ...DEFAULT_OPTIONS, ...preset.options };
    if (typeof flags.batchSize === 'number') options.batchSize = flags.batchSize;
    if (options.objective !== 'clm')
      throw usageError(`selfsup bench measures causal-LM presets; '${presetName}' is ${options.objective}`);

    if (typeof flags.backend === 'string') {
      const result = await benchOne(flags.backend as BackendRequest, presetName, options, flags);
      out.result(result, formatOne(result));
      return 0;
    }
    const configs = parseConfigs(typeof flags.configs === 'string' ? flags.configs : DEFAULT_CONFIGS);
    const rows: (BenchResult | TorchResult | { backend: string; error: string })[] = [];
    for (const c of configs) {
      out.log(`bench: ${c.label} …`);
      rows.push(runChild(c, presetName, flags));
    }
    if (!flags.noTorch) {
      out.log('bench: pytorch …');
      rows.push(runTorch(presetName, typeof flags.steps === 'number' ? flags.steps : 20));
    }
    out.result({ preset: presetName, results: rows }, formatTable(presetName, options, rows));
    return 0;
  },
});

interface Config {
  backend: BackendRequest;
  threads?: number;
  label: string;
}

function parseConfigs(text: string): Config[] {
  return text.split(',').map((part) => {
    const [name, threads] = part.trim().split(':');
    if (!BACKEND_REQUESTS.includes(name as BackendRequest)) {
      throw usageError(`--configs: unknown backend '${name}' (expected ${BACKEND_REQUESTS.join(', ')}, wasm:THREADS)`);
    }
    const t = threads === undefined ? undefined : Number(threads);
    if (t !== undefined && !(Number.isInteger(t) && t >= 1))
      throw usageError(`--configs: bad thread count in '${part}'`);
    return { backend: name as BackendRequest, threads: t, label: t ? `${name} ${t}T` : name };
  });
}

/** Tokens to train on: `--data` as characters (train/val 90/10, nanoGPT's split), else random ids. */
function benchTokens(
  flags: Record<string, unknown>,
  seed: number,
): { vocab: number; train: Uint16Array; val: Uint16Array } {
  if (typeof flags.data === 'string') {
    const text = readTextFile(flags.data);
    const chars = [...new Set(text)].sort();
    const index = new Map(chars.map((c, i) => [c, i]));
    const ids = Uint16Array.from(text, (c) => index.get(c)!);
    const cut = Math.floor(ids.length * 0.9);
    return { vocab: chars.length, train: ids.subarray(0, cut), val: ids.subarray(cut) };
  }
  const rng = new Rng(seed);
  const ids = Uint16Array.from({ length: 100_000 }, () => rng.int(65));
  return { vocab: 65, train: ids.subarray(0, 90_000), val: ids.subarray(90_000) };
}

export async function benchOne(
  request: BackendRequest,
  presetName: string,
  options: TrainingOptions,
  flags: Record<string, unknown>,
): Promise<BenchResult> {
  const fused = !flags.noFused;
  const choice = await selectBackend(request, {
    fused,
    ...(typeof flags.threads === 'number' ? { threads: flags.threads } : {}),
  });
  const data = benchTokens(flags, options.seed);
  const model = createModel(
    {
      objective: 'clm',
      vocabSize: data.vocab,
      blockSize: options.blockSize,
      nLayer: options.nLayer,
      nHead: options.nHead,
      nEmbd: options.nEmbd,
      dropout: options.dropout,
      bias: options.bias,
    },
    { seed: options.seed },
  );
  const trainData = clmData(
    { train: data.train, val: data.val },
    { blockSize: options.blockSize, batchSize: options.batchSize },
  );
  const steps = typeof flags.steps === 'number' ? flags.steps : 20;
  const warmup = typeof flags.warmup === 'number' ? flags.warmup : 3;
  const evalIters = typeof flags.evalIters === 'number' ? flags.evalIters : 20;
  // WebGPU cannot read back synchronously in Node (tfjs's readSync needs OffscreenCanvas), and the trainer's step
  // reads its loss with dataSync(); there the same step runs here with async reads, from the trainer's own parts.
  const stepper =
    choice.name === 'webgpu' ? asyncStepper(model, trainData, options) : syncStepper(model, trainData, options);
  const losses: number[] = [];
  const times = await timeSteps(
    async () => {
      losses.push(await stepper.step());
    },
    { steps, warmup },
  );
  const profile = flags.profile ? await profileKernels(() => stepper.step()) : undefined;
  const valLoss = typeof flags.data === 'string' ? await stepper.valLoss(evalIters) : undefined;
  const tokensPerStep = options.batchSize * options.blockSize;
  const flops = model.flopsPerToken(options.blockSize) * tokensPerStep;
  const result: BenchResult = {
    backend: choice.name,
    ...(choice.threads ? { threads: choice.threads } : {}),
    ...(choice.build ? { build: choice.build } : {}),
    ...(choice.adapter ? { adapter: choice.adapter } : {}),
    fused: choice.fusedKernels.length > 0,
    preset: presetName,
    tokensPerStep,
    steps,
    msPerStep: times.median,
    p10: times.p10,
    p90: times.p90,
    tokensPerSec: (tokensPerStep * 1000) / times.median,
    gflops: flops / times.median / 1e6,
    peakRssMiB: peakRssMiB(),
    tensorsBefore: times.tensorsBefore,
    tensorsAfter: times.tensorsAfter,
    bytesBefore: times.bytesBefore,
    bytesAfter: times.bytesAfter,
    rssBeforeMiB: times.rssBefore,
    rssAfterMiB: times.rssAfter,
    firstLoss: losses[0],
    lastLoss: losses[losses.length - 1],
    ...(valLoss !== undefined ? { valLoss } : {}),
    ...(profile ? { profile } : {}),
  };
  stepper.dispose();
  model.dispose();
  tf.disposeVariables();
  return result;
}

interface Stepper {
  /** One training step; resolves to its loss. */
  step(): Promise<number>;
  valLoss(batches: number): Promise<number>;
  dispose(): void;
}

/** The trainer's own step (forward, loss, backward, clipping, AdamW). */
function syncStepper(model: LanguageModel, data: TrainData, options: TrainingOptions): Stepper {
  const trainer = new Trainer({ model, data, options });
  return {
    step: async () => trainer.trainStep().loss,
    valLoss: async (batches) => trainer.meanLoss('val', batches),
    dispose: () => trainer.dispose(),
  };
}

/** The same step as the trainer's, reading values back asynchronously (WebGPU in Node). */
function asyncStepper(model: LanguageModel, data: TrainData, options: TrainingOptions): Stepper {
  const optimizer = new AdamW(model.params, model.paramGroups(), {
    beta1: options.beta1,
    beta2: options.beta2,
    eps: options.eps,
    weightDecay: options.weightDecay,
  });
  const vars = [...model.params.entries()];
  const stream = data.stream('train', options.seed);
  let stepIndex = 0;
  const tensors = (b: { inputs: Int32Array; labels: Int32Array; batchSize: number; blockSize: number }) => {
    const shape: [number, number] = [b.batchSize, b.blockSize];
    return [tf.tensor2d(b.inputs, shape, 'int32'), tf.tensor2d(b.labels, shape, 'int32')] as const;
  };
  return {
    async step() {
      const [inputs, labels] = tensors(stream.next());
      const { value, grads } = tf.variableGrads(
        () => model.loss(inputs, labels, { training: true, dropoutSeed: options.seed + stepIndex }),
        vars.map(([, v]) => v),
      );
      const byName = new Map(vars.map(([name, v]) => [name, grads[v.name]] as [string, tf.Tensor]));
      const norm = globalNorm(byName.values());
      const both = tf.stack([value, norm]);
      const [loss, gradNorm] = await both.data();
      scaleGradients(byName, clipCoefficient(gradNorm, options.gradClip));
      optimizer.apply(byName, learningRateAt(stepIndex, options));
      stepIndex += 1;
      tf.dispose([inputs, labels, value, norm, both, ...byName.values()]);
      return loss;
    },
    async valLoss(batches) {
      const val = data.stream('val', options.seed + 1);
      let sum = 0;
      for (let i = 0; i < batches; i++) {
        const [inputs, labels] = tensors(val.next());
        const loss = model.loss(inputs, labels);
        sum += (await loss.data())[0];
        tf.dispose([inputs, labels, loss]);
      }
      return sum / batches;
    },
    dispose: () => optimizer.dispose(),
  };
}

/** Runs one configuration in a fresh `selfsup bench --backend …` process and reads its JSON. */
function runChild(
  c: Config,
  presetName: string,
  flags: Record<string, unknown>,
): BenchResult | { backend: string; error: string } {
  const args = [process.argv[1], 'bench', '--preset', presetName, '--backend', c.backend, '--json'];
  if (c.threads) args.push('--threads', String(c.threads));
  const steps = typeof flags.steps === 'number' ? flags.steps : c.backend === 'cpu' ? 3 : 20;
  args.push('--steps', String(steps));
  if (c.backend === 'cpu') args.push('--warmup', '1');
  else if (typeof flags.warmup === 'number') args.push('--warmup', String(flags.warmup));
  for (const f of ['profile', 'noFused'] as const)
    if (flags[f]) args.push(f === 'noFused' ? '--no-fused' : '--profile');
  if (typeof flags.batchSize === 'number') args.push('--batch-size', String(flags.batchSize));
  if (typeof flags.data === 'string') args.push('--data', flags.data);
  const r = spawnSync(process.execPath, args, { encoding: 'utf8', maxBuffer: 64 << 20 });
  try {
    return JSON.parse(r.stdout) as BenchResult;
  } catch {
    const why = (r.stderr || r.stdout || `exit ${r.status}`).trim().split('\n').pop();
    return { backend: c.label, error: why ?? 'failed' };
  }
}

/** PyTorch's step of the same model (the model package's reference script), if python3 with torch is here. */
function runTorch(presetName: string, steps: number): TorchResult | { backend: string; error: string } {
  if (presetName !== 'nanogpt-cpu') return { backend: 'pytorch', error: `no PyTorch reference for ${presetName}` };
  let script: string | undefined;
  try {
    const req = createRequire(import.meta.url);
    script = join(dirname(req.resolve('@selfsup/model/package.json')), 'reference', 'bench_torch.py');
  } catch {
    script = undefined;
  }
  if (!script || !existsSync(script)) return { backend: 'pytorch', error: 'reference script bench_torch.py not found' };
  const python = existsSync('/usr/bin/python3') ? '/usr/bin/python3' : 'python3';
  const args = [script, '--steps', String(steps), '--warmup', '3', '--threads', '2'];
  const env = { ...process.env, OMP_NUM_THREADS: '2', OPENBLAS_NUM_THREADS: '1' };
  const r = spawnSync(python, args, { encoding: 'utf8', env, maxBuffer: 16 << 20 });
  try {
    const lines = r.stdout.trim().split('\n');
    const parsed = JSON.parse(lines[lines.length - 1]) as Record<string, number | string>;
    const ms = Number(parsed.msPerStep);
    if (!Number.isFinite(ms)) throw new Error('no msPerStep');
    const tokens = Number(parsed.batch) * Number(parsed.block);
    return {
      backend: 'pytorch',
      msPerStep: ms,
      tokensPerSec: (tokens * 1000) / ms,
      ...(parsed.version !== undefined ? { version: String(parsed.version) } : {}),
      threads: Number(parsed.threads),
    };
  } catch {
    const why = (r.stderr || r.stdout || `exit ${r.status}`).trim().split('\n').pop();
    return { backend: 'pytorch', error: why ?? 'failed' };
  }
}

function label(r: { backend: string; threads?: number }): string {
  return r.threads && r.backend !== 'pytorch' ? `${r.backend} ${r.threads}T` : r.backend;
}

function formatOne(r: BenchResult): string {
  const lines = [
    `${label(r)} on ${r.preset}${r.fused ? '' : ' (no fused kernels)'}: ${r.msPerStep.toFixed(1)} ms/step ` +
      `(p10 ${r.p10.toFixed(1)}, p90 ${r.p90.toFixed(1)}), ${Math.round(r.tokensPerSec)} tokens/s, ` +
      `${r.gflops.toFixed(1)} GFLOP/s, peak RSS ${r.peakRssMiB?.toFixed(0) ?? '?'} MiB, ` +
      `tensors ${r.tensorsBefore} → ${r.tensorsAfter}, RSS ${r.rssBeforeMiB.toFixed(0)} → ${r.rssAfterMiB.toFixed(0)} MiB, loss ${r.firstLoss.toFixed(3)} → ${r.lastLoss.toFixed(3)}` +
      (r.valLoss !== undefined ? `, val loss ${r.valLoss.toFixed(4)}` : ''),
  ];
  if (r.profile) lines.push('', formatProfile(r.profile));
  return lines.join('\n');
}

export function formatProfile(p: { totalMs: number; kernels: KernelTime[] }, top = 15): string {
  const rows = p.kernels
    .slice(0, top)
    .map(
      (k) =>
        `  ${k.kernel.padEnd(30)} ${String(k.calls).padStart(5)} ${k.ms.toFixed(1).padStart(9)} ${(100 * k.share).toFixed(1).padStart(6)}%`,
    );
  return [
    `kernel time of one step: ${p.totalMs.toFixed(1)} ms`,
    `  ${'kernel'.padEnd(30)} ${'calls'.padStart(5)} ${'ms'.padStart(9)} ${'share'.padStart(7)}`,
    ...rows,
  ].join('\n');
}

function formatTable(
  presetName: string,
  options: TrainingOptions,
  rows: (BenchResult | TorchResult | { backend: string; error: string })[],
): string {
  const torch = rows.find((r): r is TorchResult => r.backend === 'pytorch' && 'msPerStep' in r);
  const head = `${presetName}: ${options.nLayer} layers, ${options.nHead} heads, ${options.nEmbd} wide, block ${options.blockSize}, batch ${options.batchSize}`;
  const lines = [
    head,
    `  ${'backend'.padEnd(12)} ${'ms/step'.padStart(9)} ${'tokens/s'.padStart(9)} ${'GFLOP/s'.padStart(8)} ${'peak RSS'.padStart(9)} ${'× torch'.padStart(8)}`,
  ];
  for (const r of rows) {
    if ('error' in r) {
      lines.push(`  ${r.backend.padEnd(12)} failed: ${r.error}`);
      continue;
    }
    const ratio = torch ? (r.msPerStep / torch.msPerStep).toFixed(2) : '-';
    const gf = 'gflops' in r && r.gflops !== undefined ? r.gflops.toFixed(1) : '-';
    const rss = r.peakRssMiB !== undefined ? `${r.peakRssMiB.toFixed(0)} MiB` : '-';
    lines.push(
      `  ${label(r).padEnd(12)} ${r.msPerStep.toFixed(1).padStart(9)} ${Math.round(r.tokensPerSec).toString().padStart(9)} ${gf.padStart(8)} ${rss.padStart(9)} ${ratio.padStart(8)}`,
    );
  }
  for (const r of rows) if ('profile' in r && r.profile) lines.push('', `${label(r)}:`, formatProfile(r.profile));
  return lines.join('\n');
}

export { parseConfigs };
