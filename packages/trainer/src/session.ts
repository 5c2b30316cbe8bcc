/**
 * One training session on a run folder: `train()` starts a run, `resume()` continues one. The generator validates
 * everything before it writes anything, takes the run lock, prepares raw text when asked, builds the model, runs the
 * `Trainer`, and writes metrics and checkpoints (on every evaluation, when stopped by a signal, and at the end).
 */
import { existsSync, mkdirSync, readdirSync, rmdirSync, rmSync, statSync } from 'node:fs';
import { isAbsolute, join, relative, resolve } from 'node:path';
import {
  decodeSafetensors,
  describeFsError,
  inputError,
  isInputFsError,
  runtimeError,
  SelfsupError,
  usageError,
  writeFileAtomicSync,
} from '@selfsup/core';
import { type Corpus, readCorpus } from '@selfsup/dataset';
import { checkWeightsFit, createModel, type LanguageModel, loadWeights, saveModel } from '@selfsup/model';
import * as tf from '@tensorflow/tfjs-core';
import type { TrainData } from './batches.js';
import { commitCheckpoint, hasCheckpoint, readCheckpoint, recoverRunFolder } from './checkpoint.js';
import { RunLock } from './lock.js';
import { appendMetric, truncateMetrics } from './metrics.js';
import { OPTION_NAMES, OPTION_SPECS, resolveOptions, resumeConflicts, validateOptions } from './options.js';
import type { TrainingOptions } from './presets.js';
import { isPreparedFolder, openRunData, type PreparedRunData, prepareRunData } from './run-data.js';
import { RunFiles } from './run-folder.js';
import {
  decodeOptimizerState,
  decodeTrainerState,
  encodeOptimizerState,
  encodeTrainerState,
  type RunDataInfo,
  type SavedTrainerState,
  TRAINER_STATE_FORMAT,
} from './run-state.js';
import { sampleText } from './sample.js';
import { learningRateAt } from './schedule.js';
import { type EvalEvent, NonFiniteError, Trainer, type TrainerState } from './trainer.js';
import { type TrainEvent, TrainingRun, type TrainSummary } from './training-run.js';

export interface TrainConfig {
  /** The run folder (created when missing; must not hold a run already). */
  out: string;
  /**
   * A prepared-data folder (`selfsup prepare`), or raw text — a file, a folder of .txt/.md files, a glob, a .jsonl
   * file or `brown` — which is prepared into `RUN/data` with `options.tokenizer`. Default `brown`.
   */
  data?: string;
  /** Every option (see `resolveOptions`); default: the `nanogpt-cpu` preset. */
  options?: TrainingOptions;
  /** The preset the options came from, recorded in the run. */
  preset?: string;
  /** Aborting finishes the current step, saves a checkpoint and ends the session. */
  signal?: AbortSignal;
  /** CLM: tokens of text to generate at the end (default 200; 0 for none). */
  sampleTokens?: number;
  /**
   * Checkpoints to keep (default 1): the newest in the run folder, up to `keepLast - 1` earlier ones in
   * `checkpoints/step-NNNNNNNN/` (Hugging Face's `save_total_limit`). Recorded in the run; a resume keeps it.
   */
  keepLast?: number;
  /** Test hook (crash-safety tests): passed to every checkpoint write. */
  onCheckpointPhase?: (phase: string) => void;
}

export interface ResumeConfig {
  /** Options given again: compared with the run's (a difference is refused), except the resumable ones
   *  (`maxIters`, `evalInterval`, `evalIters`, `logInterval`, `skipNonfinite`), which override. */
  options?: Partial<TrainingOptions>;
  /** When given, must name the run's data. */
  data?: string;
  /** When given, must be the preset the run was started with. */
  preset?: string;
  signal?: AbortSignal;
  sampleTokens?: number;
  /** Checkpoints to keep from now on (default: what the run was started with). */
  keepLast?: number;
  onCheckpointPhase?: (phase: string) => void;
}

/** Starts a new run in `config.out`. Iterate the result (or call `finished()`) to train. */
export function train(config: TrainConfig): TrainingRun {
  return new TrainingRun(() => session({ kind: 'fresh', config }));
}

/** Continues the run in `runDir` from its checkpoint. */
export function resume(runDir: string, config: ResumeConfig = {}): TrainingRun {
  return new TrainingRun(() => session({ kind: 'resume', runDir, config }));
}

type SessionInput = { kind: 'fresh'; config: TrainConfig } | { kind: 'resume'; runDir: string; config: ResumeConfig };

interface Plan {
  run: string;
  options: TrainingOptions;
  preset: string;
  dataSource: string;
  /** Open prepared data (given folder, or the run's own `data`), or undefined when raw text is still to prepare. */
  prepared: PreparedRunData | undefined;
  /** The raw text to prepare, read while planning (so a bad source is refused before anything is written). */
  corpus?: Corpus;
  saved: SavedTrainerState | undefined;
  createdRun: boolean;
  keepLast: number;
}

async function* session(input: SessionInput): AsyncGenerator<TrainEvent, TrainSummary> {
  const sessionStart = performance.now();
  const plan = input.kind === 'fresh' ? planFresh(input.config) : planResume(input.runDir, input.config);
  const { run, options } = plan;
  const config = input.config;
  let lock: RunLock | undefined;
  let model: LanguageModel | undefined;
  let trainer: Trainer | undefined;
  let createdData = false;
  let started = false;
  try {
    // ---- take the folder -------------------------------------------------------------------------------------
    if (plan.createdRun) mkdirOrFail(run);
    lock = RunLock.acquire(run);
    recoverRunFolder(run);
    if (input.kind === 'fresh' && hasCheckpoint(run)) throw usageError(alreadyARun(run));
    let prepared = plan.prepared;
    if (!prepared) {
      yield { type: 'prepare', source: plan.dataSource, tokenizer: options.tokenizer, out: join(run, RunFiles.data) };
      createdData = true;
      prepared = await prepareRunData(plan.corpus ?? plan.dataSource, join(run, RunFiles.data), options, config.signal);
    }
    const data = prepared.trainData(options);
    // ---- build -----------------------------------------------------------------------------------------------
    const architecture = modelConfig(options, prepared);
    let state: TrainerState | undefined;
    let optimizerState: ReturnType<typeof decodeOptimizerState> | undefined;
    let weights: ReturnType<typeof decodeSafetensors> | undefined;
    const weightsPath = join(run, RunFiles.model);
    if (plan.saved) {
      const files = readCheckpoint(run, [RunFiles.model, RunFiles.optimizer, RunFiles.state]).files;
      weights = decodeSafetensors(files.get(RunFiles.model)!, weightsPath);
      checkWeightsFit(architecture, weights, weightsPath); // before allocating what trainer_state.json asks for
      optimizerState = decodeOptimizerState(files.get(RunFiles.optimizer)!, join(run, RunFiles.optimizer));
      state = plan.saved;
    }
    model = createModel(architecture, { seed: options.seed });
    if (weights) loadWeights(model, weights, weightsPath);
    trainer = new Trainer({ model, data, options, state, optimizerState });
    const metricsPath = join(run, RunFiles.metrics);
    if (plan.saved) truncateMetrics(metricsPath, plan.saved.step);
    else rmSync(metricsPath, { force: true }); // left by a run that stopped before its first checkpoint
    const backend = tf.getBackend();
    const dataInfo: RunDataInfo = plan.saved?.dataInfo ?? {
      dir: prepared.dir === join(run, RunFiles.data) ? RunFiles.data : resolve(prepared.dir),
      source: plan.dataSource,
      preparedHere: prepared.dir === join(run, RunFiles.data),
    };
    started = true; // from here on the run owns its data folder and metrics
    yield {
      type: 'start',
      run,
      step: trainer.step,
      maxIters: options.maxIters,
      resumed: Boolean(plan.saved),
      options,
      preset: plan.preset,
      backend,
      numParams: model.numParams(),
      tokensPerStep: trainer.tokensPerStep,
      data: {
        dir: prepared.dir,
        source: dataInfo.source,
        trainTokens: data.tokens.train,
        valTokens: data.tokens.val,
        vocabSize: prepared.vocabSize,
        tokenizer: prepared.tokenizerKind,
      },
    };

    // ---- loop ------------------------------------------------------------------------------------------------
    const previousSeconds = plan.saved?.elapsedSeconds ?? 0;
    const loopStart = performance.now();
    const elapsed = () => previousSeconds + (performance.now() - loopStart) / 1000;
    let lastEval = plan.saved?.lastEval ?? null;
    let lastSaved = plan.saved ? plan.saved.step : -1;
    const stepMs: number[] = [];
    let sessionTokens = 0;
    const save = async () => {
      const t0 = performance.now();
      const saved: SavedTrainerState = {
        format: TRAINER_STATE_FORMAT,
        ...trainer!.getState(),
        maxIters: options.maxIters,
        schedule: { kind: options.lrSchedule, nextLr: learningRateAt(trainer!.step, options) },
        lastEval,
        elapsedSeconds: elapsed(),
        rng: { seed: options.seed },
        options,
        preset: plan.preset,
        dataInfo,
        backend,
        keepLast: plan.keepLast,
        savedAt: new Date().toISOString(),
      };
      await commitCheckpoint(
        run,
        async (dir) => {
          const eos = prepared!.endOfTextId ?? null;
          await saveModel(model!, dir, { bosTokenId: eos, eosTokenId: eos });
          writeFileAtomicSync(join(dir, RunFiles.tokenizer), prepared!.tokenizerJson);
          writeFileAtomicSync(join(dir, RunFiles.optimizer), encodeOptimizerState(trainer!.optimizer.getState()));
          writeFileAtomicSync(join(dir, RunFiles.state), encodeTrainerState(saved));
        },
        { step: trainer!.step, keepLast: plan.keepLast, onPhase: config.onCheckpointPhase },
      );
      lastSaved = trainer!.step;
      return { type: 'checkpoint' as const, step: trainer!.step, run, ms: performance.now() - t0 };
    };
    const evaluate = (): EvalEvent => {
      const e = trainer!.evaluate();
      lastEval = { step: e.step, trainLoss: e.trainLoss, valLoss: e.valLoss };
      appendMetric(metricsPath, {
        type: 'eval',
        step: e.step,
        trainLoss: e.trainLoss,
        valLoss: e.valLoss,
        elapsed: elapsed(),
      });
      return e;
    };

    if (!plan.saved && trainer.step < options.maxIters) yield evaluate(); // nanoGPT evaluates at step 0 too
    let interrupted: string | null = null;
    while (trainer.step < options.maxIters) {
      if (config.signal?.aborted) break;
      let e: ReturnType<Trainer['trainStep']>;
      try {
        e = trainer.trainStep();
      } catch (err) {
        if (!(err instanceof SelfsupError)) throw err;
        const kept =
          lastSaved >= 0
            ? `the last good checkpoint (step ${lastSaved}) is kept in ${run}`
            : 'no checkpoint was written';
        if (err instanceof NonFiniteError) {
          throw runtimeError(`${err.message}: training stopped, ${kept}; lower --lr or pass --skip-nonfinite`, err);
        }
        // E.g. the wasm heap is full: the message says what to change; say what is kept.
        throw new SelfsupError(`${err.message}; training stopped at step ${trainer.step + 1}, ${kept}`, {
          kind: err.kind,
          cause: err,
        });
      }
      stepMs.push(e.msPerStep);
      sessionTokens += e.tokens;
      if (e.step % options.logInterval === 0 || e.step === 1 || e.skipped) {
        appendMetric(metricsPath, {
          type: 'train',
          step: e.step,
          loss: e.loss,
          lr: e.lr,
          gradNorm: e.gradNorm,
          msPerStep: e.msPerStep,
          tokensPerSec: e.tokensPerSec,
          elapsed: elapsed(),
          ...(e.skipped ? { skipped: true } : {}),
        });
      }
      yield e;
      if (e.step % options.evalInterval === 0 || e.step === options.maxIters) {
        yield evaluate();
        yield await save();
      }
      await nextTick(); // lets signal handlers run between steps
    }
    if (config.signal?.aborted && trainer.step < options.maxIters)
      interrupted = String(config.signal.reason ?? 'aborted');
    if (trainer.step !== lastSaved) yield await save();

    let sample: string | null = null;
    if (!interrupted && options.objective === 'clm' && (config.sampleTokens ?? 200) > 0) {
      sample = await sampleText(model, prepared, { maxNewTokens: config.sampleTokens ?? 200, seed: options.seed });
      yield { type: 'sample', text: sample };
    }
    const trainSeconds = stepMs.reduce((a, b) => a + b, 0) / 1000;
    const st = trainer.getState();
    const summary: TrainSummary = {
      run,
      objective: options.objective,
      step: trainer.step,
      maxIters: options.maxIters,
      finished: trainer.step >= options.maxIters,
      interrupted,
      trainLoss: lastEval?.trainLoss ?? null,
      valLoss: lastEval?.valLoss ?? null,
      evalStep: lastEval?.step ?? null,
      perplexity: lastEval ? Math.exp(lastEval.valLoss) : null,
      bestValLoss: st.bestValLoss,
      bestValStep: st.bestValStep,
      unigramBaseline: options.objective === 'mlm' ? prepared.unigramBaseline() : null,
      sessionSteps: stepMs.length,
      wallSeconds: (performance.now() - sessionStart) / 1000,
      trainSeconds,
      msPerStep: stepMs.length ? median(stepMs) : null,
      tokensPerSec: trainSeconds > 0 ? sessionTokens / trainSeconds : null,
      gflops: trainSeconds > 0 ? (model.flopsPerToken(options.blockSize) * sessionTokens) / trainSeconds / 1e9 : null,
      totalSeconds: elapsed(),
      tokensSeen: st.tokensSeen,
      skippedSteps: st.skippedSteps,
      numParams: model.numParams(),
      backend,
      sample,
    };
    yield { type: 'done', summary };
    return summary;
  } catch (err) {
    // Bad input, a failure or a signal before training began: leave nothing behind that this session made.
    if (!started || (err instanceof SelfsupError && err.kind !== 'runtime')) {
      if (createdData) rmSync(join(run, RunFiles.data), { recursive: true, force: true });
      lock?.release();
      lock = undefined;
      if (plan.createdRun) removeIfEmpty(run);
    }
    throw err;
  } finally {
    trainer?.dispose();
    model?.dispose();
    lock?.release();
  }
}

/** Checks a new run's request; writes nothing. */
function planFresh(config: TrainConfig): Plan {
  if (!config.out) throw usageError('--out: a run folder is required');
  const run = resolve(config.out);
  const options = config.options ?? resolveOptions().options;
  validateOptions(options);
  let createdRun = true;
  if (existsSync(run)) {
    if (!statSync(run).isDirectory()) throw usageError(`--out ${config.out}: exists and is a file, expected a folder`);
    createdRun = false;
    if (hasCheckpoint(run)) throw usageError(alreadyARun(config.out));
  }
  const source = config.data ?? 'brown';
  const prepared = isPreparedFolder(source) ? openRunData(source) : undefined;
  if (prepared) prepared.trainData(options); // checks the block size against the data now, before anything is written
  // Raw text is read now: a missing, empty or non-UTF-8 source is refused before the run folder or a log line.
  const corpus = prepared ? undefined : readCorpus(source);
  return {
    run,
    options,
    preset: config.preset ?? 'custom',
    dataSource: source,
    prepared,
    corpus,
    saved: undefined,
    createdRun,
    keepLast: checkKeepLast(config.keepLast ?? 1),
  };
}

function checkKeepLast(value: unknown): number {
  if (!Number.isSafeInteger(value) || (value as number) < 1)
    throw usageError(`--keep-last: expected an integer ≥ 1, got ${String(value)}`);
  return value as number;
}

/** Checks a resume request against the run's checkpoint; writes nothing. */
function planResume(runDir: string, config: ResumeConfig): Plan {
  const run = resolve(runDir);
  try {
    statSync(run);
  } catch (err) {
    // "not found" only when it is missing: an unreadable folder (permissions) says so.
    if (isInputFsError(err)) throw inputError(`--resume: ${runDir} ${describeFsError(err)}`, err);
    throw runtimeError(`--resume: cannot read ${runDir}: ${describeFsError(err)}`, err);
  }
  if (!hasCheckpoint(run))
    throw inputError(
      `--resume: ${runDir} has no checkpoint (no ${RunFiles.manifest}); train without --resume to start it`,
    );
  const stateFile = readCheckpoint(run, [RunFiles.state]).files.get(RunFiles.state)!;
  const saved = decodeTrainerState(stateFile, join(run, RunFiles.state));
  const requested = config.options ?? {};
  for (const key of Object.keys(requested))
    if (!OPTION_NAMES.includes(key as never)) throw usageError(`unknown option ${key}`);
  const conflicts = resumeConflicts(saved.options, requested);
  const dataDir = isAbsolute(saved.dataInfo.dir) ? saved.dataInfo.dir : join(run, saved.dataInfo.dir);
  if (config.data !== undefined && config.data !== saved.dataInfo.source && resolve(config.data) !== resolve(dataDir)) {
    conflicts.push(`--data ${config.data} (the run has ${saved.dataInfo.source})`);
  }
  if (conflicts.length > 0) {
    throw inputError(
      `--resume: ${conflicts.join(', ')} differ${conflicts.length === 1 ? 's' : ''} from the run in ${runDir}; resume with the same options or train into a new --out`,
    );
  }
  const options: TrainingOptions = { ...saved.options };
  for (const name of OPTION_NAMES) {
    const value = requested[name];
    if (value !== undefined && OPTION_SPECS[name].resumable)
      (options as unknown as Record<string, unknown>)[name] = value;
  }
  validateOptions(options);
  const prepared = openRunData(dataDir);
  prepared.trainData(options);
  return {
    run,
    options,
    preset: saved.preset,
    dataSource: saved.dataInfo.source,
    prepared,
    saved,
    createdRun: false,
    keepLast: checkKeepLast(config.keepLast ?? saved.keepLast ?? 1),
  };
}

function modelConfig(options: TrainingOptions, data: PreparedRunData) {
  return {
    objective: options.objective,
    vocabSize: data.vocabSize,
    blockSize: options.blockSize,
    nLayer: options.nLayer,
    nHead: options.nHead,
    nEmbd: options.nEmbd,
    dropout: options.dropout,
    bias: options.bias,
    ...(options.objective === 'mlm' && data.mlm ? { padTokenId: data.mlm.padTokenId } : {}),
  };
}

function alreadyARun(out: string): string {
  return `--out ${out} already holds a run (${RunFiles.manifest}); continue it with --resume or choose a new --out`;
}

function mkdirOrFail(dir: string): void {
  try {
    mkdirSync(dir, { recursive: true });
  } catch (err) {
    throw runtimeError(`cannot create ${dir}: ${(err as Error).message}`, err);
  }
}

function removeIfEmpty(dir: string): void {
  try {
    if (readdirSync(dir).length === 0) rmdirSync(dir);
  } catch {}
}

function nextTick(): Promise<void> {
  return new Promise((r) => setImmediate(r));
}

function median(values: number[]): number {
  const s = [...values].sort((a, b) => a - b);
  const m = s.length >> 1;
  return s.length % 2 ? s[m] : (s[m - 1] + s[m]) / 2;
}

/** Where `path` is relative to `base` when inside it (for messages). */
export function shortPath(path: string, base = process.cwd()): string {
  const r = relative(base, path);
  return r && !r.startsWith('..') && !isAbsolute(r) ? r : path;
}

export type { TrainData };
