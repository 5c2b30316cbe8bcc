export type { AdamWOptions, AdamWState, ParamGroupNames } from './adamw.js';
export { AdamW } from './adamw.js';
export type { Batch, BatchStream, Split, TrainData } from './batches.js';
export type { CheckpointFiles, CheckpointManifest, CheckpointPhase, ManifestEntry } from './checkpoint.js';
export {
  commitCheckpoint,
  hasCheckpoint,
  listArchivedCheckpoints,
  readCheckpoint,
  recoverRunFolder,
} from './checkpoint.js';
export { clipCoefficient, globalNorm, scaleGradients } from './clip.js';
export type { ClmDataOptions, MlmDataOptions } from './data.js';
export { clmData, mlmData, shortRows, unigramCrossEntropy } from './data.js';
export type { ImportOptions, ImportResult, PytorchExportOptions } from './interop.js';
export {
  exportForPytorch,
  importRun,
  snakeOption,
  TRAIN_DDP_CONFIG,
  TRAIN_DDP_CONFIG_FORMAT,
  TRAIN_DDP_SCRIPT,
  TRAIN_DDP_STATE,
  TRAIN_DDP_STATE_FORMAT,
} from './interop.js';
export { RunLock } from './lock.js';
export type { EvalRecord, MetricRecord, TrainRecord } from './metrics.js';
export { appendMetric, readMetrics, truncateMetrics } from './metrics.js';
export type {
  EvaluateOptions,
  EvaluateResult,
  ExportFile,
  ExportOptions,
  ExportResult,
  LoadedRun,
  MlmEvaluation,
  MlmPositionLoss,
} from './open-run.js';
export { evaluateRun, exportRun, loadRun } from './open-run.js';
export type { OptionName, OptionSpec, ResolvedOptions, ResolveInput } from './options.js';
export {
  OPTION_NAMES,
  OPTION_SPECS,
  parseConfig,
  resolveOptions,
  resumeConflicts,
  validateOptions,
} from './options.js';
export type { ChartOptions, PlotResult } from './plot.js';
export { lossCurvePng, lossCurveSvg, plotRun } from './plot.js';
export type { LrSchedule, Preset, TrainingOptions } from './presets.js';
export { DEFAULT_OPTIONS, PRESETS } from './presets.js';
export type { MlmTokenIds, PreparedRunData } from './run-data.js';
export { isPreparedFolder, openRunData, prepareRunData } from './run-data.js';
export { RunFiles } from './run-folder.js';
export type { RunDataInfo, SavedTrainerState } from './run-state.js';
export type { SampleOptions } from './sample.js';
export { sampleText } from './sample.js';
export type { ScheduleOptions } from './schedule.js';
export { learningRateAt } from './schedule.js';
export type { ResumeConfig, TrainConfig } from './session.js';
export { resume, train } from './session.js';
export type { EvalEvent, StepEvent, TrainerInit, TrainerState } from './trainer.js';
export { batchLabelLosses, batchLoss, NonFiniteError, Trainer } from './trainer.js';
export type {
  CheckpointEvent,
  DoneEvent,
  PrepareEvent,
  SampleEvent,
  StartEvent,
  TrainEvent,
  TrainSummary,
} from './training-run.js';
export { TrainingRun } from './training-run.js';
