/**
 * Masked-token prediction, like Hugging Face's `fill-mask` pipeline: the most likely tokens for each mask in a text.
 * The tokenizer is typed by shape only, so this package does not depend on @selfsup/tokenizer.
 */
import { inputError, usageError } from '@selfsup/core';
import * as tf from '@tensorflow/tfjs-core';
import type { LanguageModel } from './types.js';

/** What fillMask needs from a tokenizer (@selfsup/tokenizer's WordPieceTokenizer has it). */
export interface FillMaskTokenizer {
  /** Ids of the text; asked for `{ addSpecialTokens: true }` ([CLS] … [SEP], as BERT was trained), which a
   *  tokenizer without that option may ignore, and `{ allowedSpecial: 'all' }` so that "[MASK]" in the text is the
   *  mask token (as in Hugging Face, where added special tokens in a text are always special). */
  encode(text: string, options?: { addSpecialTokens?: boolean; allowedSpecial?: 'all' }): ArrayLike<number>;
  decode(ids: ArrayLike<number>, options?: { skipSpecialTokens?: boolean }): string;
  /** The token string of an id. */
  idToToken?(id: number): string | undefined;
  /** The id of the mask token; otherwise looked up with `tokenToId(maskToken)`. */
  maskTokenId?: number;
  tokenToId?(token: string): number | undefined;
}

export interface FillMaskOptions {
  /** Predictions per mask (default 5). */
  topK?: number;
  /** The mask token's text when the tokenizer has no `maskTokenId` (default "[MASK]"). */
  maskToken?: string;
  /** Wrap the text in the tokenizer's special tokens, as Hugging Face's pipeline does (default true). */
  addSpecialTokens?: boolean;
}

export interface FillMaskPrediction {
  /** The predicted token's string. */
  token: string;
  tokenId: number;
  /** Its probability. */
  score: number;
  /** The text with this mask filled (decoded without special tokens). */
  sequence: string;
}

/** Ranked predictions for each mask in `text`, in the order the masks appear. */
export async function fillMask(
  model: LanguageModel,
  tokenizer: FillMaskTokenizer,
  text: string,
  options: FillMaskOptions = {},
): Promise<FillMaskPrediction[][]> {
  if (model.config.objective !== 'mlm') {
    throw usageError(`fillMask needs a masked LM (objective 'mlm'), this model is '${model.config.objective}'`);
  }
  const topK = options.topK ?? 5;
  const { vocabSize, blockSize } = model.config;
  if (!Number.isSafeInteger(topK) || topK < 1) throw usageError(`topK must be a positive integer, got ${topK}`);
  const maskToken = options.maskToken ?? '[MASK]';
  const maskId = tokenizer.maskTokenId ?? tokenizer.tokenToId?.(maskToken);
  if (maskId === undefined) throw usageError(`fillMask: the tokenizer has no ${maskToken} token`);
  const ids = Int32Array.from(
    tokenizer.encode(text, { addSpecialTokens: options.addSpecialTokens ?? true, allowedSpecial: 'all' }),
  );
  if (ids.length > blockSize) {
    throw inputError(
      `fillMask: the text is ${ids.length} tokens (special tokens included), more than the model's ${blockSize} positions (max_position_embeddings); shorten it`,
    );
  }
  const bad = ids.find((id) => id < 0 || id >= vocabSize);
  if (bad !== undefined) throw inputError(`fillMask: token id ${bad} is outside the model's vocabulary (${vocabSize})`);
  const positions = [...ids.keys()].filter((i) => ids[i] === maskId);
  if (positions.length === 0) throw inputError(`fillMask: no ${maskToken} in "${text}"`);

  const logits = tf.tidy(() => {
    const rows = tf.gather(
      tf.reshape(model.logits(tf.tensor2d(ids, [1, ids.length], 'int32')), [ids.length, vocabSize]),
      positions,
    );
    return tf.softmax(rows);
  });
  const probs = (await logits.data()) as Float32Array;
  logits.dispose();
  return positions.map((position, m) => {
    const row = probs.subarray(m * vocabSize, (m + 1) * vocabSize);
    const best = Array.from(row.keys())
      .sort((a, b) => row[b] - row[a] || a - b)
      .slice(0, topK);
    return best.map((tokenId) => {
      const filled = ids.slice();
      filled[position] = tokenId;
      return {
        token: tokenizer.idToToken?.(tokenId) ?? tokenizer.decode([tokenId]),
        tokenId,
        score: row[tokenId],
        sequence: tokenizer.decode(filled, { skipSpecialTokens: true }),
      };
    });
  });
}
