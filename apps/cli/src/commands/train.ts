/** `selfsup train`: a GPT (causal LM) or BERT (masked LM) from text, with checkpoints, exact resume and a summary. */
import { readJsonFile, usageError } from '@selfsup/core';
import { PRESETS, parseConfig, resolveOptions, resume, type TrainingRun, train } from '@selfsup/trainer';
import { BACKEND_FLAGS, describeBackend, useBackend } from '../backend.js';
import { defineCommand } from '../command.js';
import { formatSummary, TrainDisplay } from '../train-display.js';
import { trainingFlagSpecs, trainingOptionsFromFlags } from '../training-flags.js';

export const trainCommand = defineCommand({
  name: 'train',
  summary: 'train a GPT-style (clm) or BERT-style (mlm) model; Ctrl-C saves, --resume continues exactly',
  usage:
    'train --out RUN [--data DIR|FILE|brown] [--preset NAME] [--config FILE.json] [--objective clm|mlm] [flags] [--resume]',
  details: [
    'DIR is a `selfsup prepare` folder; FILE (or a folder of .txt files, a glob, a .jsonl file, or "brown") is raw',
    'text, prepared into RUN/data with --tokenizer (char for clm, wordpiece:8000 for mlm). Without --data the',
    'built-in Brown corpus is used. Options come from the preset (default nanogpt-cpu for clm, bert-tiny for mlm),',
    'then --config FILE.json (nanoGPT or camelCase names), then flags. The model is evaluated and saved every',
    '--eval-interval steps and at the end; Ctrl-C (SIGINT) or SIGTERM finishes the step, saves, and exits 130/143.',
    `Presets: ${Object.values(PRESETS)
      .map((p) => p.name)
      .join(', ')}.`,
  ].join('\n'),
  flags: {
    out: { type: 'string', placeholder: 'RUN', description: 'the run folder (checkpoints, metrics.jsonl)' },
    data: {
      type: 'string',
      placeholder: 'SRC',
      description: 'prepared folder, or raw text: file, folder, glob, .jsonl, "brown"',
    },
    preset: { type: 'string', placeholder: 'NAME', description: `a recipe: ${Object.keys(PRESETS).join(', ')}` },
    config: { type: 'string', placeholder: 'FILE.json', description: 'options from a JSON file (flags win)' },
    resume: { type: 'boolean', description: 'continue the run in --out from its checkpoint' },
    'sample-tokens': { type: 'int', min: 0, description: 'clm: tokens of text to generate at the end (default 200)' },
    'keep-last': {
      type: 'int',
      min: 1,
      placeholder: 'N',
      description: 'checkpoints to keep: the newest, and N-1 earlier ones in RUN/checkpoints/ (default 1)',
    },
    ...BACKEND_FLAGS,
    ...trainingFlagSpecs(),
  },
  async run({ flags, positionals, out, signal }) {
    if (positionals.length > 0)
      throw usageError(`unexpected argument '${positionals[0]}' (see \`selfsup train --help\`)`);
    if (typeof flags.out !== 'string') throw usageError('--out is required (the run folder)');
    let config: unknown;
    const configPath = typeof flags.config === 'string' ? flags.config : undefined;
    if (configPath !== undefined) {
      if (!configPath.toLowerCase().endsWith('.json'))
        throw usageError(`--config ${configPath}: expected a .json file`);
      config = readJsonFile(configPath);
    }
    const fromFlags = trainingOptionsFromFlags(flags);
    const preset = typeof flags.preset === 'string' ? flags.preset : undefined;
    if (preset !== undefined && !PRESETS[preset]) {
      throw usageError(`unknown preset '${preset}' (expected one of ${Object.keys(PRESETS).join(', ')})`);
    }
    const sampleTokens = typeof flags.sampleTokens === 'number' ? flags.sampleTokens : undefined;
    const keepLast = typeof flags.keepLast === 'number' ? flags.keepLast : undefined;
    const data = typeof flags.data === 'string' ? flags.data : undefined;
    let run: TrainingRun;
    if (flags.resume) {
      const requested = { ...(config === undefined ? {} : parseConfig(config, configPath!).options), ...fromFlags };
      run = resume(flags.out, { options: requested, data, preset, signal, sampleTokens, keepLast });
    } else {
      const resolved = resolveOptions({ preset, config, configPath, flags: fromFlags });
      run = train({
        out: flags.out,
        data,
        options: resolved.options,
        preset: resolved.preset,
        signal,
        sampleTokens,
        keepLast,
      });
    }
    const backend = await useBackend(flags);
    const fused = backend.fusedKernels.length;
    const display = new TrainDisplay(out, `${describeBackend(backend)}${fused ? `, ${fused} fused kernels` : ''}`);
    let started = false;
    try {
      for await (const event of run) {
        display.handle(event);
        if (event.type === 'start') started = true;
        if (event.type === 'done') {
          out.done();
          out.result(event.summary, formatSummary(event.summary));
        }
      }
    } catch (err) {
      if (!signal.aborted || started) throw err;
      out.log(`${String(signal.reason)} received before training started: nothing was saved`);
    }
    return 0;
  },
});
