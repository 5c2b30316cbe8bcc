export { brownDocument, detokenizeBrownSentence, readBrownCorpus } from './brown.js';
export type { BatchMode, ClmBatch, ClmBatchOptions, ClmBatchState } from './clm-batches.js';
export { ClmBatchIterator, clmBatches, IGNORE_INDEX } from './clm-batches.js';
export type { Corpus, CorpusDocument, CorpusKind } from './corpus.js';
export { BROWN, documentSentences, listTextFiles, readCorpus } from './corpus.js';
export type { MlmBatch, MlmBatchOptions, MlmBatchState } from './mlm-batches.js';
export { MlmBatchIterator, mlmBatches } from './mlm-batches.js';
export type { MlmBlockOptions, MlmBlocks } from './mlm-blocks.js';
export { mlmBlocks } from './mlm-blocks.js';
export type { MlmCollated, MlmCollateOptions } from './mlm-collate.js';
export { MlmCollator, mlmCollate, wordPieceContinuations } from './mlm-collate.js';
export type { OpenTokenFileOptions, TokenArray, TokenFile, WriteTokenFileOptions } from './token-file.js';
export {
  bytesPerTokenFor,
  encodeTokenFile,
  openTokenFile,
  TOKEN_FILE_HEADER_BYTES,
  TOKEN_FILE_MAGIC,
  TOKEN_FILE_VERSION,
  writeTokenFile,
} from './token-file.js';
export type { TokenIds } from './token-ids.js';
export { asTokenIds } from './token-ids.js';
