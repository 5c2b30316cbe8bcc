/**
 * The PyTorch hand-over. `exportForPytorch` writes a run as a folder that `train_ddp.py` (shipped with the CLI)
 * continues in PyTorch, on one process or many (DistributedDataParallel): the Hugging Face folder, the token files,
 * the AdamW moments, the loss history and `train_config.json` (the options and the position of the data stream).
 * `importRun` turns the folder the script writes (or any Hugging Face GPT-2/BERT folder) back into a run folder;
 * with the script's `train_state.json` and `optimizer.safetensors` the run resumes in selfsup exactly.
 */
import { existsSync, mkdirSync, readdirSync, readFileSync, statSync } from 'node:fs';
import { isAbsolute, join, resolve } from 'node:path';
import { decodeSafetensors, inputError, parseJson, runtimeError, usageError, writeFileAtomicSync } from '@selfsup/core';
import { checkWeightsFit, createModel, fromHfConfig, loadWeights } from '@selfsup/model';
import { loadTokenizer } from '@selfsup/tokenizer';
import { commitCheckpoint, hasCheckpoint } from './checkpoint.js';
import { readMetrics } from './metrics.js';
import { type ExportFile, type ExportResult, exportRun } from './open-run.js';
import { OPTION_NAMES, OPTION_SPECS, parseConfig, validateOptions } from './options.js';
import type { TrainingOptions } from './presets.js';
import { isPreparedFolder, openRunData } from './run-data.js';
import { RunFiles } from './run-folder.js';
import {
  decodeOptimizerState,
  decodeTrainerState,
  encodeTrainerState,
  type SavedTrainerState,
  TRAINER_STATE_FORMAT,
} from './run-state.js';
import { learningRateAt } from './schedule.js';

/** `train_config.json`'s format: what `train_ddp.py` reads. */
export const TRAIN_DDP_CONFIG_FORMAT = 'selfsup.train_ddp/1';
/** `train_state.json`'s format: what `train_ddp.py` writes next to the trained weights. */
export const TRAIN_DDP_STATE_FORMAT = 'selfsup.train_ddp_state/1';
export const TRAIN_DDP_SCRIPT = 'train_ddp.py';
export const TRAIN_DDP_CONFIG = 'train_config.json';
export const TRAIN_DDP_STATE = 'train_state.json';

export interface PytorchExportOptions {
  /** The contents of `train_ddp.py` (the CLI ships it in its `templates` folder). */
  script: string | Uint8Array;
}

/** An option's name in `train_config.json`: the flag in snake case (`grad_accum`), which `parseConfig` reads back. */
export function snakeOption(name: keyof TrainingOptions): string {
  return OPTION_SPECS[name].flag.replaceAll('-', '_');
}

/**
 * Writes `outDir` for `train_ddp.py`: the Hugging Face folder (model.safetensors, config.json, tokenizer.json,
 * tokenizer_config.json), the prepared data (train.bin, val.bin, meta.json), optimizer.safetensors, metrics.jsonl,
 * train_config.json and the script. Everything comes from one checkpoint set of the run, read once.
 */
export function exportForPytorch(runDir: string, outDir: string, options: PytorchExportOptions): ExportResult {
  return exportRun(runDir, outDir, {
    extraFiles: ({ files, state }) => {
      if (!state) {
        throw usageError(
          `--for pytorch: ${runDir} has no trainer_state.json (its options and data); export a run folder made by \`selfsup train\``,
        );
      }
      const dataDir = isAbsolute(state.dataInfo.dir) ? state.dataInfo.dir : join(runDir, state.dataInfo.dir);
      if (!existsSync(dataDir)) throw inputError(`--run ${runDir}: its data folder ${dataDir} is gone`);
      const data = openRunData(dataDir);
      const o = state.options;
      if (o.objective === 'mlm' && !data.mlm) {
        throw inputError(`${dataDir}: no [CLS], [SEP], [PAD] and [MASK] tokens, so it cannot feed a masked LM`);
      }
      const snake: Record<string, unknown> = {};
      for (const name of OPTION_NAMES) snake[snakeOption(name)] = o[name];
      const hasOptimizer = files.has(RunFiles.optimizer);
      const config = {
        format: TRAIN_DDP_CONFIG_FORMAT,
        selfsup: {
          run: resolve(runDir),
          preset: state.preset,
          data_source: state.dataInfo.source,
          exported_at: new Date().toISOString(),
        },
        options: snake,
        start: {
          step: state.step,
          tokens_seen: state.tokensSeen,
          skipped_steps: state.skippedSteps,
          best_val_loss: state.bestValLoss,
          best_val_step: state.bestValStep,
          last_eval: state.lastEval,
          elapsed_seconds: state.elapsedSeconds,
          data_state: state.data,
        },
        data: {
          train: 'train.bin',
          val: 'val.bin',
          vocab_size: data.vocabSize,
          mlm:
            o.objective === 'mlm' && data.mlm
              ? {
                  cls_token_id: data.mlm.clsTokenId,
                  sep_token_id: data.mlm.sepTokenId,
                  pad_token_id: data.mlm.padTokenId,
                  mask_token_id: data.mlm.maskTokenId,
                  special_token_ids: data.mlmSpecialTokenIds,
                  document_separator_ids: data.documentSeparatorIds ?? [],
                }
              : null,
        },
        files: {
          model: RunFiles.model,
          config: RunFiles.config,
          tokenizer: RunFiles.tokenizer,
          optimizer: hasOptimizer ? RunFiles.optimizer : null,
          metrics: RunFiles.metrics,
        },
      };
      const extra: ExportFile[] = [
        { name: 'train.bin', copyFrom: join(dataDir, 'train.bin') },
        { name: 'val.bin', copyFrom: join(dataDir, 'val.bin') },
        { name: 'meta.json', copyFrom: join(dataDir, 'meta.json') },
      ];
      if (hasOptimizer) extra.push({ name: RunFiles.optimizer, data: files.get(RunFiles.optimizer)! });
      const metricsPath = join(runDir, RunFiles.metrics);
      const history = existsSync(metricsPath) ? readMetrics(metricsPath).filter((r) => r.step <= state.step) : [];
      extra.push({ name: RunFiles.metrics, data: history.map((r) => `${JSON.stringify(r)}\n`).join('') });
      extra.push({ name: TRAIN_DDP_CONFIG, data: `${JSON.stringify(config, null, 2)}\n` });
      extra.push({ name: TRAIN_DDP_SCRIPT, data: options.script });
      return extra;
    },
  });
}

export interface ImportOptions {
  /** The prepared-data folder the run continues on (default: the one `train_state.json` names, when present). */
  data?: string;
}

export interface ImportResult {
  out: string;
  from: string;
  modelType: string;
  /** Steps trained (null for a folder without train_state.json). */
  step: number | null;
  /** True when the run can continue with `selfsup train --resume` (optimizer state and data position came along). */
  resumable: boolean;
  /** The prepared-data folder recorded in the run (null when none is known). */
  data: string | null;
  /** Whether that data folder exists here (it may have stayed on the machine that trained). */
  dataFound: boolean;
  /** The script's loss over the whole val split at the end (`train_state.json`), when it made one. */
  finalEval: { step: number; split: string; loss: number; tokens: number } | null;
  files: string[];
}

interface TrainDdpState {
  format: string;
  step: number;
  tokens_seen?: number;
  skipped_steps?: number;
  best_val_loss?: number | null;
  best_val_step?: number | null;
  last_eval?: { step: number; trainLoss: number; valLoss: number } | null;
  elapsed_seconds?: number;
  data_state?: unknown;
  options?: Record<string, unknown>;
  data_dir?: string;
  selfsup?: { preset?: string; data_source?: string };
  final_eval?: ImportResult['finalEval'];
  world_size?: number;
  device?: string;
}

const REQUIRED = [RunFiles.model, RunFiles.config, RunFiles.tokenizer];

/**
 * Makes the run folder `outRun` from a Hugging Face folder: the folder `train_ddp.py` wrote (then the run keeps its
 * options, data position and optimizer state and resumes exactly), or any GPT-2/BERT folder with a tokenizer.json.
 * Everything is checked before anything is written; the files go in as one checkpoint set.
 */
export async function importRun(fromDir: string, outRun: string, options: ImportOptions = {}): Promise<ImportResult> {
  // ---- the source folder ---------------------------------------------------------------------------------------
  if (!existsSync(fromDir)) throw inputError(`--from ${fromDir}: not found`);
  if (!statSync(fromDir).isDirectory()) throw inputError(`--from ${fromDir}: is a file, expected a folder`);
  const missing = REQUIRED.filter((f) => !existsSync(join(fromDir, f)));
  if (missing.length > 0) {
    throw inputError(
      `--from ${fromDir}: missing ${missing.join(', ')} (expected the folder train_ddp.py wrote, its --out-dir, or a Hugging Face folder)`,
    );
  }
  const read = (name: string) => readFileSync(join(fromDir, name));
  const configPath = join(fromDir, RunFiles.config);
  const configBytes = read(RunFiles.config);
  const hf = parseJson(configBytes.toString('utf8'), configPath) as Record<string, unknown>;
  const { bosTokenId: _b, eosTokenId: _e, ...modelConfig } = fromHfConfig(hf, configPath);
  const weights = read(RunFiles.model);
  const weightsPath = join(fromDir, RunFiles.model);
  const decoded = decodeSafetensors(weights, weightsPath);
  checkWeightsFit(modelConfig, decoded, weightsPath); // before allocating what config.json asks for
  const model = createModel({ ...modelConfig, dropout: 0 });
  try {
    loadWeights(model, decoded, weightsPath);
  } finally {
    model.dispose();
  }
  const tokenizerBytes = read(RunFiles.tokenizer);
  const tokenizer = loadTokenizer(tokenizerBytes.toString('utf8'), { name: join(fromDir, RunFiles.tokenizer) });
  if (tokenizer.vocabSize > modelConfig.vocabSize) {
    throw inputError(
      `--from ${fromDir}: tokenizer.json has ${tokenizer.vocabSize} tokens but the model only ${modelConfig.vocabSize}`,
    );
  }

  // ---- the script's state, when there is one ------------------------------------------------------------------
  let saved: SavedTrainerState | null = null;
  let optimizerBytes: Uint8Array | null = null;
  let ddp: TrainDdpState | null = null;
  let dataDir: string | null = options.data !== undefined ? resolve(options.data) : null;
  if (options.data !== undefined && !isPreparedFolder(options.data)) {
    throw inputError(
      `--data ${options.data}: not a prepared-data folder (tokenizer.json, train.bin, val.bin, meta.json)`,
    );
  }
  const statePath = join(fromDir, TRAIN_DDP_STATE);
  if (existsSync(statePath)) {
    ddp = parseJson(readFileSync(statePath, 'utf8'), statePath) as TrainDdpState;
    if (ddp?.format !== TRAIN_DDP_STATE_FORMAT)
      throw inputError(`${statePath}: not a train_ddp.py state (format is not "${TRAIN_DDP_STATE_FORMAT}")`);
    if (!Number.isInteger(ddp.step) || ddp.step < 0) throw inputError(`${statePath}: "step" must be an integer ≥ 0`);
    const parsed = parseConfig(ddp.options ?? {}, `${statePath}: options`).options;
    const absent = OPTION_NAMES.filter((n) => parsed[n] === undefined);
    if (absent.length > 0) throw inputError(`${statePath}: options lack ${absent.map(snakeOption).join(', ')}`);
    const o = parsed as TrainingOptions;
    validateOptions(o);
    const shape: [keyof TrainingOptions, unknown][] = [
      ['objective', modelConfig.objective],
      ['nLayer', modelConfig.nLayer],
      ['nHead', modelConfig.nHead],
      ['nEmbd', modelConfig.nEmbd],
      ['blockSize', modelConfig.blockSize],
    ];
    for (const [name, value] of shape) {
      if (o[name] !== value)
        throw inputError(`${statePath}: ${snakeOption(name)} ${o[name]} does not match config.json (${value})`);
    }
    const optimizerPath = join(fromDir, RunFiles.optimizer);
    if (!existsSync(optimizerPath))
      throw inputError(`--from ${fromDir}: train_state.json without optimizer.safetensors`);
    optimizerBytes = readFileSync(optimizerPath);
    decodeOptimizerState(optimizerBytes, optimizerPath);
    dataDir ??= typeof ddp.data_dir === 'string' ? resolve(ddp.data_dir) : null;
    if (!dataDir) throw inputError(`${statePath}: "data_dir" is missing; pass --data DIR`);
    saved = {
      format: TRAINER_STATE_FORMAT,
      step: ddp.step,
      bestValLoss: ddp.best_val_loss ?? null,
      bestValStep: ddp.best_val_step ?? null,
      tokensSeen: ddp.tokens_seen ?? 0,
      skippedSteps: ddp.skipped_steps ?? 0,
      data: ddp.data_state,
      maxIters: o.maxIters,
      schedule: { kind: o.lrSchedule, nextLr: learningRateAt(ddp.step, o) },
      lastEval: ddp.last_eval ?? null,
      elapsedSeconds: ddp.elapsed_seconds ?? 0,
      rng: { seed: o.seed },
      options: o,
      preset: ddp.selfsup?.preset ?? 'custom',
      dataInfo: { dir: dataDir, source: ddp.selfsup?.data_source ?? dataDir, preparedHere: false },
      backend: `pytorch (${ddp.world_size ?? 1} × ${ddp.device ?? 'cpu'})`,
      savedAt: new Date().toISOString(),
    };
    // The same checks a resume makes (types, finite numbers, options), now, before anything is written.
    decodeTrainerState(Buffer.from(encodeTrainerState(saved)), statePath);
  }
  const dataFound = dataDir !== null && isPreparedFolder(dataDir);
  if (dataFound && saved) {
    const data = openRunData(dataDir!);
    if (data.vocabSize !== modelConfig.vocabSize) {
      throw inputError(
        `${dataDir}: its vocabulary has ${data.vocabSize} tokens, the model's ${modelConfig.vocabSize}; pass the data the model was trained on with --data`,
      );
    }
  }

  // ---- the run folder ------------------------------------------------------------------------------------------
  if (existsSync(outRun)) {
    if (!statSync(outRun).isDirectory()) throw usageError(`--out ${outRun}: exists and is a file, expected a folder`);
    if (hasCheckpoint(outRun)) throw usageError(`--out ${outRun} already holds a run; choose a new folder`);
    if (readdirSync(outRun).length > 0) throw usageError(`--out ${outRun}: the folder is not empty; choose a new one`);
  } else {
    try {
      mkdirSync(outRun, { recursive: true });
    } catch (err) {
      throw runtimeError(`cannot create ${outRun}: ${(err as Error).message}`, err);
    }
  }
  const written: string[] = [...REQUIRED];
  await commitCheckpoint(
    outRun,
    (dir) => {
      writeFileAtomicSync(join(dir, RunFiles.model), weights);
      writeFileAtomicSync(join(dir, RunFiles.config), configBytes);
      writeFileAtomicSync(join(dir, RunFiles.tokenizer), tokenizerBytes);
      if (saved && optimizerBytes) {
        writeFileAtomicSync(join(dir, RunFiles.optimizer), optimizerBytes);
        writeFileAtomicSync(join(dir, RunFiles.state), encodeTrainerState(saved));
        written.push(RunFiles.optimizer, RunFiles.state);
      }
    },
    { step: saved?.step ?? 0 },
  );
  const metricsPath = join(fromDir, RunFiles.metrics);
  if (existsSync(metricsPath)) {
    const step = saved?.step ?? Number.POSITIVE_INFINITY;
    const records = readMetrics(metricsPath).filter((r) => r.step <= step);
    writeFileAtomicSync(join(outRun, RunFiles.metrics), records.map((r) => `${JSON.stringify(r)}\n`).join(''));
    written.push(RunFiles.metrics);
  }
  return {
    out: outRun,
    from: fromDir,
    modelType: String(hf.model_type),
    step: saved?.step ?? null,
    resumable: saved !== null,
    data: dataDir,
    dataFound,
    finalEval: ddp?.final_eval ?? null,
    files: written,
  };
}
