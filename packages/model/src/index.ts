export { MAX_PARAMETERS, parameterCount, resolveConfig } from './config.js';
export type { CreateModelOptions } from './create-model.js';
export { createModel } from './create-model.js';
export type { FillMaskOptions, FillMaskPrediction, FillMaskTokenizer } from './fill-mask.js';
export { fillMask } from './fill-mask.js';
export type { GenerateOptions, GenerateResult } from './generate.js';
export { generate } from './generate.js';
export type { HfConfig, HfConfigExtras } from './hf-config.js';
export { fromHfConfig, toHfConfig } from './hf-config.js';
export { fusedKernelsAvailable, setUseFusedKernels } from './ops/fused.js';
export type { SamplingOptions } from './sampler.js';
export { sampleToken } from './sampler.js';
export { IGNORE_INDEX } from './transformer.js';
export type {
  ForwardOptions,
  KVCache,
  LanguageModel,
  ModelConfig,
  Objective,
  ParamGroups,
  ResolvedModelConfig,
} from './types.js';
export type { SaveModelOptions } from './weights.js';
export {
  CONFIG_FILE,
  checkWeightsFit,
  loadModel,
  loadWeights,
  modelTensors,
  readModelConfig,
  saveModel,
  WEIGHTS_FILE,
} from './weights.js';
