export { brownDocument, detokenizeBrownSentence, readBrownCorpus } from './brown.js';
export type { BatchMode, ClmBatch, ClmBatchOptions, ClmBatchState } from './clm-batches.js';
export { ClmBatchIterator, clmBatches, IGNORE_INDEX } from './clm-batches.js';
export type { Corpus, CorpusDocument, CorpusKind } from './corpus.js';
export { BROWN, documentSentences, listTextFiles, readCorpus } from './corpus.js';
export type { EncodeCorpusOptions, EncodedCorpus, EncodeProgress, StreamLayout } from './encode-corpus.js';
export { documentSeparatorText, encodeCorpus, joinDocuments } from './encode-corpus.js';
export type { MlmBatch, MlmBatchOptions, MlmBatchState } from './mlm-batches.js';
export { MlmBatchIterator, mlmBatches } from './mlm-batches.js';
export type { MlmBlockOptions, MlmBlocks } from './mlm-blocks.js';
export { mlmBlocks } from './mlm-blocks.js';
export type { MlmCollated, MlmCollateOptions } from './mlm-collate.js';
export { MlmCollator, mlmCollate, wordPieceContinuations } from './mlm-collate.js';
export type { PrepareDataOptions, PreparePhase, PrepareProgress, PrepareResult } from './prepare.js';
export { prepareData, splitSizes } from './prepare.js';
export type { PreparedData, PreparedMeta } from './prepared-folder.js';
export { checkOutputFolder, openPreparedData, PREPARED_FILES, PREPARED_FORMAT } from './prepared-folder.js';
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
export type { DataTokenizer, MlmSpecialIds, MlmTokenizerOptions, TokenizerSpec } from './tokenizer-spec.js';
export {
  buildTokenizer,
  continuationTable,
  END_OF_TEXT,
  mlmOptionsFor,
  mlmSpecialIds,
  parseTokenizerSpec,
  TOKENIZER_SPEC_HELP,
} from './tokenizer-spec.js';
