/**
 * The parts of Hugging Face's `tokenizer.json` format that selfsup writes and reads. Field names are Hugging
 * Face's (snake_case), so the objects serialize to files `tokenizers` loads unchanged.
 */

export interface AddedTokenJson {
  id: number;
  content: string;
  single_word: boolean;
  lstrip: boolean;
  rstrip: boolean;
  normalized: boolean;
  special: boolean;
}

export interface BpeModelJson {
  type: 'BPE';
  dropout: null;
  unk_token: string | null;
  continuing_subword_prefix: string | null;
  end_of_word_suffix: string | null;
  fuse_unk: boolean;
  byte_fallback: boolean;
  ignore_merges: boolean;
  vocab: Record<string, number>;
  merges: [string, string][];
}

export interface WordPieceModelJson {
  type: 'WordPiece';
  unk_token: string;
  continuing_subword_prefix: string;
  max_input_chars_per_word: number;
  vocab: Record<string, number>;
}

export interface WordLevelModelJson {
  type: 'WordLevel';
  vocab: Record<string, number>;
  unk_token: string | null;
}

export type ModelJson = BpeModelJson | WordPieceModelJson | WordLevelModelJson;

export interface TokenizerJson {
  version: '1.0';
  truncation: null;
  padding: null;
  added_tokens: AddedTokenJson[];
  normalizer: Record<string, unknown> | null;
  pre_tokenizer: Record<string, unknown> | null;
  post_processor: Record<string, unknown> | null;
  decoder: Record<string, unknown> | null;
  model: ModelJson;
}

/** The `added_tokens` entries for special tokens (matched in the raw text, before any normalization). */
export function specialAddedTokens(specialTokens: Readonly<Record<string, number>>): AddedTokenJson[] {
  return Object.entries(specialTokens)
    .sort((a, b) => a[1] - b[1])
    .map(([content, id]) => ({
      id,
      content,
      single_word: false,
      lstrip: false,
      rstrip: false,
      normalized: false,
      special: true,
    }));
}

/** `vocab` as Hugging Face writes it: an object from token to id, in id order. */
export function vocabObject(vocab: readonly string[]): Record<string, number> {
  const out: Record<string, number> = Object.create(null);
  vocab.forEach((token, id) => {
    if (!(token in out)) out[token] = id;
  });
  return { ...out };
}
