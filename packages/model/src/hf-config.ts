/**
 * Hugging Face `config.json` ⇄ `ModelConfig`: GPT-2 (`model_type: "gpt2"`, GPT2LMHeadModel) for CLM and BERT
 * (`model_type: "bert"`, BertForMaskedLM) for MLM, with the field names and defaults `transformers` uses.
 */
import { inputError } from '@selfsup/core';
import { activationOf } from './config.js';
import type { ModelConfig, ResolvedModelConfig } from './types.js';

export type HfConfig = Record<string, unknown>;

export interface HfConfigExtras {
  /** GPT-2 `bos_token_id` / `eos_token_id` (null when the tokenizer has none). */
  bosTokenId?: number | null;
  eosTokenId?: number | null;
  /** `torch_dtype` of the saved weights (default float32). */
  torchDtype?: 'float32' | 'float16' | 'bfloat16';
}

/** The `config.json` Hugging Face writes for this model. */
export function toHfConfig(config: ResolvedModelConfig, extras: HfConfigExtras = {}): HfConfig {
  const torchDtype = extras.torchDtype ?? 'float32';
  if (config.objective === 'clm') {
    return {
      architectures: ['GPT2LMHeadModel'],
      model_type: 'gpt2',
      vocab_size: config.vocabSize,
      n_positions: config.blockSize,
      n_ctx: config.blockSize,
      n_embd: config.nEmbd,
      n_layer: config.nLayer,
      n_head: config.nHead,
      n_inner: config.intermediateSize === 4 * config.nEmbd ? null : config.intermediateSize,
      activation_function: activationOf(config),
      resid_pdrop: config.dropout,
      embd_pdrop: config.dropout,
      attn_pdrop: config.dropout,
      layer_norm_epsilon: config.layerNormEpsilon,
      initializer_range: 0.02,
      scale_attn_weights: true,
      tie_word_embeddings: true,
      use_cache: true,
      bos_token_id: extras.bosTokenId ?? null,
      eos_token_id: extras.eosTokenId ?? null,
      // nanoGPT's option; Hugging Face keeps unknown fields, and the saved biases are zeros when it is false.
      bias: config.bias,
      torch_dtype: torchDtype,
    };
  }
  return {
    architectures: ['BertForMaskedLM'],
    model_type: 'bert',
    vocab_size: config.vocabSize,
    hidden_size: config.nEmbd,
    num_hidden_layers: config.nLayer,
    num_attention_heads: config.nHead,
    intermediate_size: config.intermediateSize,
    hidden_act: activationOf(config),
    hidden_dropout_prob: config.dropout,
    attention_probs_dropout_prob: config.dropout,
    max_position_embeddings: config.blockSize,
    type_vocab_size: config.typeVocabSize,
    initializer_range: 0.02,
    layer_norm_eps: config.layerNormEpsilon,
    pad_token_id: config.padTokenId,
    position_embedding_type: 'absolute',
    tie_word_embeddings: true,
    use_cache: true,
    bias: config.bias,
    torch_dtype: torchDtype,
  };
}

/** Reads a Hugging Face GPT-2 or BERT config; `what` names the file in errors. */
export function fromHfConfig(json: unknown, what: string): ModelConfig & { bosTokenId?: number; eosTokenId?: number } {
  if (typeof json !== 'object' || json === null || Array.isArray(json))
    throw inputError(`${what}: expected a JSON object`);
  const hf = json as HfConfig;
  const int = (field: string, fallback: number): number => {
    const v = hf[field] ?? fallback;
    if (!Number.isSafeInteger(v) || (v as number) < 1) {
      throw inputError(`${what}: "${field}" must be a positive integer, got ${JSON.stringify(hf[field])}`);
    }
    return v as number;
  };
  const num = (field: string, fallback: number, min = 0, max = Number.POSITIVE_INFINITY): number => {
    const v = hf[field] ?? fallback;
    if (typeof v !== 'number' || !(v >= min && v <= max)) {
      throw inputError(`${what}: "${field}" must be a number in [${min}, ${max}], got ${JSON.stringify(hf[field])}`);
    }
    return v;
  };
  const unsupported = (field: string, ok: (v: unknown) => boolean) => {
    if (hf[field] !== undefined && hf[field] !== null && !ok(hf[field])) {
      throw inputError(`${what}: "${field}": ${JSON.stringify(hf[field])} is not supported`);
    }
  };
  const activation = (field: string, fallback: string): 'gelu' | 'gelu_new' => {
    const v = hf[field] ?? fallback;
    if (v === 'gelu') return 'gelu';
    if (v === 'gelu_new' || v === 'gelu_pytorch_tanh' || v === 'gelu_fast') return 'gelu_new'; // the same tanh formula
    throw inputError(`${what}: "${field}" must be "gelu_new" or "gelu", got ${JSON.stringify(v)}`);
  };
  const bias = hf.bias ?? true;
  if (typeof bias !== 'boolean') throw inputError(`${what}: "bias" must be true or false`);
  unsupported('tie_word_embeddings', (v) => v === true);

  if (hf.model_type === 'gpt2') {
    unsupported('scale_attn_weights', (v) => v === true);
    unsupported('scale_attn_by_inverse_layer_idx', (v) => v === false);
    unsupported('add_cross_attention', (v) => v === false);
    const nEmbd = int('n_embd', 768);
    const optionalId = (field: string) => {
      const v = hf[field];
      return Number.isSafeInteger(v) && (v as number) >= 0 ? (v as number) : undefined;
    };
    return {
      objective: 'clm',
      vocabSize: int('vocab_size', 50257),
      blockSize: int('n_positions', 1024),
      nLayer: int('n_layer', 12),
      nHead: int('n_head', 12),
      nEmbd,
      intermediateSize: hf.n_inner === null || hf.n_inner === undefined ? 4 * nEmbd : int('n_inner', 4 * nEmbd),
      hiddenAct: activation('activation_function', 'gelu_new'),
      dropout: num('resid_pdrop', 0.1, 0, 0.999),
      layerNormEpsilon: num('layer_norm_epsilon', 1e-5, Number.MIN_VALUE),
      bias,
      bosTokenId: optionalId('bos_token_id'),
      eosTokenId: optionalId('eos_token_id'),
    };
  }
  if (hf.model_type === 'bert') {
    unsupported('position_embedding_type', (v) => v === 'absolute');
    unsupported('is_decoder', (v) => v === false);
    const padTokenId = hf.pad_token_id ?? 0;
    if (!Number.isSafeInteger(padTokenId) || (padTokenId as number) < 0) {
      throw inputError(`${what}: "pad_token_id" must be a non-negative integer, got ${JSON.stringify(padTokenId)}`);
    }
    return {
      objective: 'mlm',
      vocabSize: int('vocab_size', 30522),
      blockSize: int('max_position_embeddings', 512),
      nLayer: int('num_hidden_layers', 12),
      nHead: int('num_attention_heads', 12),
      nEmbd: int('hidden_size', 768),
      intermediateSize: int('intermediate_size', 3072),
      typeVocabSize: int('type_vocab_size', 2),
      hiddenAct: activation('hidden_act', 'gelu'),
      dropout: num('hidden_dropout_prob', 0.1, 0, 0.999),
      layerNormEpsilon: num('layer_norm_eps', 1e-12, Number.MIN_VALUE),
      padTokenId: padTokenId as number,
      bias,
    };
  }
  throw inputError(`${what}: "model_type" must be "gpt2" or "bert", got ${JSON.stringify(hf.model_type)}`);
}
