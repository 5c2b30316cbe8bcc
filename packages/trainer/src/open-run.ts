/**
 * Reading a run folder (or a plain Hugging Face folder) for `sample`, `fill-mask`, `eval` and `export`. The files are
 * read as one consistent checkpoint set (see checkpoint.ts), so this works while a trainer is writing the folder.
 */
import { copyFileSync, existsSync, mkdirSync, readdirSync, renameSync, rmSync, statSync } from 'node:fs';
import { basename, dirname, isAbsolute, join } from 'node:path';
import {
  decodeSafetensors,
  inputError,
  parseJson,
  runtimeError,
  syncDir,
  usageError,
  writeFileAtomicSync,
} from '@selfsup/core';
import { IGNORE_INDEX } from '@selfsup/dataset';
import { checkWeightsFit, createModel, fromHfConfig, type LanguageModel, loadWeights } from '@selfsup/model';
import { type AnyTokenizer, loadTokenizer } from '@selfsup/tokenizer';
import type { Split } from './batches.js';
import { hasCheckpoint, readCheckpoint } from './checkpoint.js';
import { unigramCrossEntropy } from './data.js';
import { openRunData } from './run-data.js';
import { RunFiles } from './run-folder.js';
import { decodeTrainerState, type SavedTrainerState } from './run-state.js';
import { batchLabelLosses, batchLoss } from './trainer.js';

export interface LoadedRun {
  dir: string;
  model: LanguageModel;
  tokenizer: AnyTokenizer;
  /** The trainer state, or null for a folder without one (a Hugging Face export). */
  state: SavedTrainerState | null;
  /** Steps the checkpoint was trained for (null when unknown). */
  step: number | null;
  /** `config.json` as written. */
  hfConfig: Record<string, unknown>;
  dispose(): void;
}

const MODEL_FILES = [RunFiles.model, RunFiles.config, RunFiles.tokenizer];

/** Loads the model and tokenizer of a run folder (or a Hugging Face folder with these three files). */
export function loadRun(runDir: string): LoadedRun {
  const files = readRunFiles(runDir, true);
  const configPath = join(runDir, RunFiles.config);
  const hfConfig = parseJson(text(files.get(RunFiles.config)!), configPath) as Record<string, unknown>;
  const { bosTokenId: _b, eosTokenId: _e, ...config } = fromHfConfig(hfConfig, configPath);
  const tokenizer = loadTokenizer(text(files.get(RunFiles.tokenizer)!), { name: join(runDir, RunFiles.tokenizer) });
  const state = files.has(RunFiles.state)
    ? decodeTrainerState(files.get(RunFiles.state)!, join(runDir, RunFiles.state))
    : null;
  const what = join(runDir, RunFiles.model);
  const weights = decodeSafetensors(files.get(RunFiles.model)!, what);
  checkWeightsFit(config, weights, what); // before allocating what config.json asks for
  const model = createModel({ ...config, dropout: 0 });
  try {
    loadWeights(model, weights, what);
  } catch (err) {
    model.dispose();
    throw err;
  }
  if (tokenizer.vocabSize > model.config.vocabSize) {
    model.dispose();
    throw inputError(
      `${runDir}: tokenizer.json has ${tokenizer.vocabSize} tokens but the model only ${model.config.vocabSize}`,
    );
  }
  return { dir: runDir, model, tokenizer, state, step: state?.step ?? null, hfConfig, dispose: () => model.dispose() };
}

/** The checkpoint's files (model, config, tokenizer and, when `withState` and present, the trainer state). */
function readRunFiles(runDir: string, withState: boolean): Map<string, Uint8Array> {
  if (!existsSync(runDir)) throw inputError(`--run ${runDir}: not found`);
  if (!statSync(runDir).isDirectory()) throw inputError(`--run ${runDir}: is a file, expected a run folder`);
  if (hasCheckpoint(runDir)) {
    const all = readCheckpoint(runDir);
    const names = all.manifest!.files.map((f) => f.name);
    for (const name of MODEL_FILES)
      if (!names.includes(name)) throw inputError(`--run ${runDir}: the checkpoint has no ${name}`);
    if (!withState) all.files.delete(RunFiles.state);
    return all.files;
  }
  const missing = MODEL_FILES.filter((f) => !existsSync(join(runDir, f)));
  if (missing.length === MODEL_FILES.length)
    throw inputError(`--run ${runDir}: no checkpoint yet (no ${RunFiles.manifest} nor ${RunFiles.model})`);
  if (missing.length > 0) throw inputError(`--run ${runDir}: missing ${missing.join(', ')}`);
  return readCheckpoint(runDir, MODEL_FILES).files;
}

export interface EvaluateOptions {
  /** A prepared-data folder; default the run's own data. */
  data?: string;
  split?: Split;
  /** Rows per batch (default the run's batch size, else 12). */
  batchSize?: number;
  /** Stop after this many batches (default: the whole split). */
  maxBatches?: number;
}

export interface EvaluateResult {
  run: string;
  data: string;
  split: Split;
  step: number | null;
  /** Mean cross-entropy per predicted token (nats). */
  loss: number;
  perplexity: number;
  /** Tokens predicted (CLM: every token after the first; MLM: the masked ones). */
  tokens: number;
  batches: number;
  seconds: number;
  /** MLM only: the loss split by what the collator did to each chosen token, and the loss to beat. */
  mlm?: MlmEvaluation;
}

/** One kind of MLM position: its mean cross-entropy (nats) and how many there were. */
export interface MlmPositionLoss {
  loss: number;
  tokens: number;
}

export interface MlmEvaluation {
  /**
   * The loss of guessing every non-special token of the split from the train split's unigram frequencies: what a
   * model that ignores context gets at `[MASK]`.
   */
  unigramBaseline: number;
  /** Chosen tokens shown as `[MASK]` (80%): the model must read the context. */
  masked: MlmPositionLoss;
  /** Chosen tokens replaced by a random token (10%). */
  random: MlmPositionLoss;
  /** Chosen tokens left as they were (10%): the input is the answer, so these are easy. */
  unchanged: MlmPositionLoss;
}

type MlmKind = 'masked' | 'random' | 'unchanged';

/** Which kind each chosen position is: `[MASK]` in the input, its own token, or another token. */
function mlmKindOf(input: number, label: number, maskTokenId: number): MlmKind {
  if (input === label) return 'unchanged';
  return input === maskTokenId ? 'masked' : 'random';
}

/**
 * The loss of a trained model on a whole split: CLM over non-overlapping windows (every token predicted once), MLM
 * over every block with a fixed-seed mask. Weighted by predicted tokens, so it is the per-token cross-entropy.
 */
export function evaluateRun(runDir: string, options: EvaluateOptions = {}): EvaluateResult {
  const started = performance.now();
  const loaded = loadRun(runDir);
  try {
    const state = loaded.state;
    let dataDir = options.data;
    if (dataDir === undefined) {
      if (!state) throw usageError(`--data is required: ${runDir} has no trainer state naming its data`);
      dataDir = isAbsolute(state.dataInfo.dir) ? state.dataInfo.dir : join(runDir, state.dataInfo.dir);
    }
    const data = openRunData(dataDir);
    const { model } = loaded;
    if (data.vocabSize !== model.config.vocabSize) {
      throw inputError(
        `--data ${dataDir}: its vocabulary has ${data.vocabSize} tokens, the model's ${model.config.vocabSize}; use the data the run was trained on`,
      );
    }
    const split = options.split ?? 'val';
    const batchSize = options.batchSize ?? state?.options.batchSize ?? 12;
    const maxBatches = options.maxBatches ?? Number.POSITIVE_INFINITY;
    const maskTokenId = model.config.objective === 'mlm' ? data.mlm?.maskTokenId : undefined;
    const byKind = { masked: { sum: 0, tokens: 0 }, random: { sum: 0, tokens: 0 }, unchanged: { sum: 0, tokens: 0 } };
    let sum = 0;
    let tokens = 0;
    let batches = 0;
    for (const { batch, count } of data.evalBatches(split, {
      objective: model.config.objective,
      blockSize: model.config.blockSize,
      batchSize,
      mlmProbability: state?.options.mlmProbability ?? 0.15,
      mlmRowTokens: state?.options.mlmRowTokens ?? 0,
    })) {
      if (batches >= maxBatches) break;
      if (count === 0) continue;
      if (maskTokenId === undefined) {
        sum += batchLoss(model, batch) * count;
      } else {
        // One pass; each chosen position's loss goes to its kind (the losses come in the labels' order).
        const losses = batchLabelLosses(model, batch);
        let k = 0;
        for (let i = 0; i < batch.labels.length; i++) {
          const label = batch.labels[i];
          if (label === IGNORE_INDEX) continue;
          const kind = byKind[mlmKindOf(batch.inputs[i], label, maskTokenId)];
          kind.sum += losses[k];
          kind.tokens++;
          sum += losses[k++];
        }
      }
      tokens += count;
      batches++;
    }
    if (tokens === 0) throw inputError(`--data ${dataDir}: the ${split} split has nothing to predict`);
    const loss = sum / tokens;
    const kindLoss = (k: MlmKind): MlmPositionLoss => ({
      loss: byKind[k].tokens > 0 ? byKind[k].sum / byKind[k].tokens : Number.NaN,
      tokens: byKind[k].tokens,
    });
    const mlm: MlmEvaluation | undefined =
      maskTokenId === undefined
        ? undefined
        : {
            unigramBaseline: unigramCrossEntropy(
              data.tokens.train,
              data.tokens[split],
              data.vocabSize,
              data.specialTokenIds,
            ),
            masked: kindLoss('masked'),
            random: kindLoss('random'),
            unchanged: kindLoss('unchanged'),
          };
    return {
      ...(mlm ? { mlm } : {}),
      run: runDir,
      data: dataDir,
      split,
      step: loaded.step,
      loss,
      perplexity: Math.exp(loss),
      tokens,
      batches,
      seconds: (performance.now() - started) / 1000,
    };
  } finally {
    loaded.dispose();
  }
}

export interface ExportResult {
  out: string;
  files: string[];
  step: number | null;
  modelType: string;
}

const EXPORT_FILES = [RunFiles.model, RunFiles.config, RunFiles.tokenizer, 'tokenizer_config.json'];

/** A further file of an export: bytes to write, or a file to copy (such as a token file). */
export type ExportFile = { name: string; data: Uint8Array | string } | { name: string; copyFrom: string };

export interface ExportOptions {
  /**
   * Further files for the folder, from the same checkpoint set the export reads (`files` by name; `state` is the
   * trainer state, null for a folder without one). Called before anything is written, so it may refuse by throwing.
   */
  extraFiles?: (checkpoint: {
    runDir: string;
    files: ReadonlyMap<string, Uint8Array>;
    state: SavedTrainerState | null;
    hfConfig: Record<string, unknown>;
  }) => ExportFile[];
}

/**
 * Writes a Hugging Face folder: `model.safetensors` and `config.json` (GPT-2 or BERT names and layouts, as saved),
 * `tokenizer.json`, and a `tokenizer_config.json` naming the special tokens. The folder is written whole, then moved
 * into place; an existing folder is replaced only when it is empty or an earlier export. `options.extraFiles` adds files
 * (the PyTorch hand-over adds token files, the optimizer state and train_ddp.py).
 */
export function exportRun(runDir: string, outDir: string, options: ExportOptions = {}): ExportResult {
  const files = readRunFiles(runDir, true);
  const configPath = join(runDir, RunFiles.config);
  const hf = parseJson(text(files.get(RunFiles.config)!), configPath) as Record<string, unknown>;
  // Refuse what we could not read back ourselves: the config, the weights' layout, the tokenizer.
  const config = fromHfConfig(hf, configPath);
  const weightsPath = join(runDir, RunFiles.model);
  checkWeightsFit(config, decodeSafetensors(files.get(RunFiles.model)!, weightsPath), weightsPath);
  loadTokenizer(text(files.get(RunFiles.tokenizer)!), { name: join(runDir, RunFiles.tokenizer) });
  const state = files.has(RunFiles.state)
    ? decodeTrainerState(files.get(RunFiles.state)!, join(runDir, RunFiles.state))
    : null;
  const extra = options.extraFiles?.({ runDir, files, state, hfConfig: hf }) ?? [];
  const names = [...EXPORT_FILES, ...extra.map((f) => f.name)];
  checkExportFolder(outDir, names);
  const tokenizerConfig = tokenizerConfigFor(hf, text(files.get(RunFiles.tokenizer)!));
  const parent = dirname(outDir);
  try {
    mkdirSync(parent, { recursive: true });
  } catch (err) {
    throw runtimeError(`cannot create ${parent}: ${(err as Error).message}`, err);
  }
  const staging = join(parent, `.${basename(outDir)}.export-${process.pid}`);
  rmSync(staging, { recursive: true, force: true });
  try {
    mkdirSync(staging);
    for (const name of [RunFiles.model, RunFiles.config, RunFiles.tokenizer])
      writeFileAtomicSync(join(staging, name), files.get(name)!);
    writeFileAtomicSync(join(staging, 'tokenizer_config.json'), `${JSON.stringify(tokenizerConfig, null, 2)}\n`);
    for (const file of extra) {
      if ('copyFrom' in file) copyFileSync(file.copyFrom, join(staging, file.name));
      else writeFileAtomicSync(join(staging, file.name), file.data);
    }
    if (existsSync(outDir)) rmSync(outDir, { recursive: true, force: true });
    renameSync(staging, outDir);
    syncDir(parent);
  } catch (err) {
    rmSync(staging, { recursive: true, force: true });
    throw runtimeError(`cannot write ${outDir}: ${(err as Error).message}`, err);
  }
  return { out: outDir, files: names, step: state?.step ?? null, modelType: String(hf.model_type) };
}

function checkExportFolder(outDir: string, names: readonly string[]): void {
  if (!existsSync(outDir)) return;
  if (!statSync(outDir).isDirectory()) throw usageError(`--out ${outDir}: exists and is a file, expected a folder`);
  const entries = readdirSync(outDir);
  if (entries.length > 0 && entries.some((e) => !names.includes(e))) {
    throw usageError(
      `--out ${outDir}: the folder exists and is not an earlier export; choose a new folder or empty it`,
    );
  }
}

/** Hugging Face's `tokenizer_config.json` for a fast tokenizer loaded from `tokenizer.json`. */
function tokenizerConfigFor(hf: Record<string, unknown>, tokenizerJson: string): Record<string, unknown> {
  const json = parseJson(tokenizerJson, 'tokenizer.json') as { added_tokens?: { content: string }[] };
  const added = new Set((json.added_tokens ?? []).map((t) => t.content));
  const out: Record<string, unknown> = {
    tokenizer_class: 'PreTrainedTokenizerFast',
    model_max_length: hf.n_positions ?? hf.max_position_embeddings,
  };
  const roles: [string, string][] =
    hf.model_type === 'bert'
      ? [
          ['cls_token', '[CLS]'],
          ['sep_token', '[SEP]'],
          ['pad_token', '[PAD]'],
          ['mask_token', '[MASK]'],
          ['unk_token', '[UNK]'],
        ]
      : [
          ['bos_token', '<|endoftext|>'],
          ['eos_token', '<|endoftext|>'],
        ];
  for (const [role, token] of roles) if (added.has(token)) out[role] = token;
  return out;
}

function text(bytes: Uint8Array): string {
  return Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength).toString('utf8');
}
