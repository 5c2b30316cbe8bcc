export type { AtomicWriteOptions, FileData } from './atomic-write.js';
export { isTempPath, slowWritePause, syncDir, tempPathFor, writeFileAtomicSync } from './atomic-write.js';
export type { ErrorKind } from './errors.js';
export { describeFsError, inputError, isInputFsError, runtimeError, SelfsupError, usageError } from './errors.js';
export type { FusedKernelName } from './fused-kernels.js';
export { FusedKernel } from './fused-kernels.js';
export type { ReadJsonOptions } from './json.js';
export {
  DEFAULT_MAX_JSON_BYTES,
  decodeUtf8,
  firstInvalidUtf8Offset,
  MAX_JSON_DEPTH,
  parseJson,
  quoteJson,
  readJsonFile,
  readTextFile,
} from './json.js';
export type { RngState } from './rng.js';
export { hashString, Rng } from './rng.js';
export { childPath, isPlainFileName } from './safe-path.js';
export type {
  DecodedSafetensors,
  SafetensorsDtype,
  SafetensorsTensor,
  SafetensorsView,
  TypedArray,
} from './safetensors.js';
export {
  decodeSafetensors,
  encodeSafetensors,
  fromFloat32,
  MAX_SAFETENSORS_HEADER_BYTES,
  readSafetensors,
  SAFETENSORS_DTYPE_SIZES,
  toFloat32,
  writeSafetensors,
} from './safetensors.js';
