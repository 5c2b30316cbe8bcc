/**
 * Saving and loading weights as a Hugging Face folder: `model.safetensors` + `config.json`. A model saved here loads
 * in `transformers` unchanged (GPT2LMHeadModel / BertForMaskedLM), and their checkpoints load here: with or without
 * the `transformer.` / `bert.` prefix, in F32, F16, BF16 or F64, with or without the tied output weights.
 */
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import {
  type DecodedSafetensors,
  encodeSafetensors,
  fromFloat32,
  inputError,
  readJsonFile,
  readSafetensors,
  type SafetensorsTensor,
  type SafetensorsView,
  toFloat32,
  writeFileAtomicSync,
} from '@selfsup/core';
import * as tf from '@tensorflow/tfjs-core';
import { parameterCount, resolveConfig } from './config.js';
import { type CreateModelOptions, createModel } from './create-model.js';
import { fromHfConfig, type HfConfig, type HfConfigExtras, toHfConfig } from './hf-config.js';
import type { LanguageModel, ModelConfig } from './types.js';

export const WEIGHTS_FILE = 'model.safetensors';
export const CONFIG_FILE = 'config.json';

export interface SaveModelOptions {
  /** Storage precision of the weights (default F32). */
  dtype?: 'F32' | 'F16' | 'BF16';
  /** GPT-2 `bos_token_id` / `eos_token_id` for config.json, when the tokenizer has them. */
  bosTokenId?: number | null;
  eosTokenId?: number | null;
}

const TORCH_DTYPE = { F32: 'float32', F16: 'float16', BF16: 'bfloat16' } as const;

/** Parameter names a `bias: false` model does not have but Hugging Face's layout requires (saved as zeros). */
function missingBiases(model: LanguageModel): Map<string, number> {
  const out = new Map<string, number>();
  if (model.config.bias) return out;
  for (const [name, v] of model.params) {
    if (!name.endsWith('.weight')) continue;
    const bias = name.replace(/\.weight$/, '.bias');
    const isEmbedding = /(wte|wpe|_embeddings)\.weight$/.test(name);
    // Conv1D [in, out] and LayerNorm [C]: the bias has the last dimension; Linear [out, in]: the first.
    if (!isEmbedding)
      out.set(bias, v.rank === 1 || /\.(c_attn|c_proj|c_fc)\.weight$/.test(name) ? v.shape.at(-1)! : v.shape[0]);
  }
  if (model.config.objective === 'mlm') out.set('cls.predictions.bias', model.config.vocabSize);
  for (const name of model.params.keys()) out.delete(name);
  return out;
}

/** The model's weights as safetensors tensors in Hugging Face's names and order. */
export async function modelTensors(
  model: LanguageModel,
  dtype: 'F32' | 'F16' | 'BF16' = 'F32',
): Promise<Map<string, SafetensorsTensor>> {
  const zeros = missingBiases(model);
  const out = new Map<string, SafetensorsTensor>();
  for (const [name, v] of model.params) {
    const values = (await v.data()) as Float32Array;
    out.set(name, { dtype, shape: v.shape, data: fromFloat32(values, dtype) });
    const bias = name.replace(/\.weight$/, '.bias');
    const size = zeros.get(bias);
    if (size !== undefined) out.set(bias, { dtype, shape: [size], data: fromFloat32(new Float32Array(size), dtype) });
  }
  return out;
}

/**
 * Writes `dir/model.safetensors` and `dir/config.json` (each atomically; the folder is created when missing).
 * CLM: GPT-2's names with Conv1D [in, out] weights, no `lm_head` (tied). MLM: BERT's names, no decoder (tied).
 */
export async function saveModel(model: LanguageModel, dir: string, options: SaveModelOptions = {}): Promise<void> {
  const dtype = options.dtype ?? 'F32';
  const tensors = await modelTensors(model, dtype);
  writeFileAtomicSync(join(dir, WEIGHTS_FILE), encodeSafetensors(tensors, { format: 'pt' }), { mkdir: true });
  const extras: HfConfigExtras = { torchDtype: TORCH_DTYPE[dtype] };
  if (model.config.objective === 'clm') {
    extras.bosTokenId = options.bosTokenId ?? null;
    extras.eosTokenId = options.eosTokenId ?? null;
  }
  writeFileAtomicSync(join(dir, CONFIG_FILE), `${JSON.stringify(toHfConfig(model.config, extras), null, 2)}\n`);
}

/** Reads `dir/config.json` as a `ModelConfig` (plus the raw Hugging Face config). */
export function readModelConfig(dir: string): { config: ModelConfig; hf: HfConfig } {
  const path = join(dir, CONFIG_FILE);
  const hf = readJsonFile(path) as HfConfig;
  const { bosTokenId: _bos, eosTokenId: _eos, ...config } = fromHfConfig(hf, path);
  return { config, hf };
}

/** Builds the model `dir/config.json` describes and loads `dir/model.safetensors` into it. */
export async function loadModel(dir: string, options: CreateModelOptions = {}): Promise<LanguageModel> {
  const { config } = readModelConfig(dir);
  const path = join(dir, WEIGHTS_FILE);
  if (!existsSync(path)) {
    if (existsSync(join(dir, `${WEIGHTS_FILE}.index.json`))) {
      throw inputError(
        `${dir}: sharded checkpoints (model.safetensors.index.json) are not supported; merge the shards`,
      );
    }
    if (existsSync(join(dir, 'pytorch_model.bin'))) {
      throw inputError(`${dir}: only safetensors weights are read; convert pytorch_model.bin to ${WEIGHTS_FILE}`);
    }
  }
  const file = readSafetensors(path);
  checkWeightsFit(config, file, path);
  const model = createModel(config, options);
  try {
    loadWeights(model, file, path);
  } catch (err) {
    model.dispose();
    throw err;
  }
  return model;
}

/** Parameters a config may describe beyond the values its weights file holds before it is refused unbuilt. */
const FIT_SLACK = 1 << 20;

/**
 * Refuses a config that describes far more parameters than the weights file holds values, before the model is
 * built: a downloaded config.json cannot make us allocate more than its weights file could fill (plus 1M values, so
 * a small mismatch still gets `loadWeights`' message naming the missing or misshapen tensor).
 */
export function checkWeightsFit(config: ModelConfig, file: DecodedSafetensors, what: string): void {
  const need = parameterCount(resolveConfig(config));
  let have = 0;
  for (const view of file.tensors.values()) have += view.shape.reduce((a, b) => a * b, 1);
  if (need > have + FIT_SLACK) {
    throw inputError(
      `${what}: holds ${have} values, but config.json describes a ${config.objective === 'clm' ? 'GPT-2' : 'BERT'} model with ${need} parameters`,
    );
  }
}

/** Checkpoint names that are buffers or heads this model does not use, or weights tied to ones it has. */
function ignored(objective: 'clm' | 'mlm', name: string): boolean {
  if (objective === 'clm') return /^transformer\.h\.\d+\.attn\.(bias|masked_bias)$/.test(name);
  return (
    name === 'bert.embeddings.position_ids' ||
    name.startsWith('bert.pooler.') ||
    name.startsWith('cls.seq_relationship.') ||
    name === 'cls.predictions.decoder.bias'
  );
}

/** A checkpoint name in the canonical form of this package (prefixed, LayerNorm weight/bias instead of gamma/beta). */
function canonicalName(objective: 'clm' | 'mlm', name: string): string {
  if (objective === 'clm') {
    return name.startsWith('transformer.') || name.startsWith('lm_head.') ? name : `transformer.${name}`;
  }
  const n = name.replace(/\.gamma$/, '.weight').replace(/\.beta$/, '.bias');
  return n.startsWith('bert.') || n.startsWith('cls.') ? n : `bert.${n}`;
}

function sameShape(a: readonly number[], b: readonly number[]): boolean {
  return a.length === b.length && a.every((d, i) => d === b[i]);
}

/**
 * Copies a checkpoint's tensors into the model's parameters. Every name and shape is checked before any parameter is
 * changed; errors name the file and the tensor.
 */
export function loadWeights(model: LanguageModel, file: DecodedSafetensors, what: string): void {
  const { objective } = model.config;
  const kind = objective === 'clm' ? 'GPT-2' : 'BERT';
  const found = new Map<string, { key: string; view: SafetensorsView }>();
  for (const [key, view] of file.tensors) {
    const name = canonicalName(objective, key);
    if (found.has(name))
      throw inputError(`${what}: tensors "${found.get(name)!.key}" and "${key}" are the same weight`);
    found.set(name, { key, view });
  }
  // cls.predictions.decoder.bias is the same tensor as cls.predictions.bias; older files hold only the former.
  const decoderBias = found.get('cls.predictions.decoder.bias');
  if (objective === 'mlm' && decoderBias && !found.has('cls.predictions.bias')) {
    found.set('cls.predictions.bias', decoderBias);
  }
  const zeroBiases = missingBiases(model);
  const tied = objective === 'clm' ? 'lm_head.weight' : 'cls.predictions.decoder.weight';
  const embedding = objective === 'clm' ? 'transformer.wte.weight' : 'bert.embeddings.word_embeddings.weight';
  const assignments: [tf.Variable, Float32Array][] = [];
  for (const [name, v] of model.params) {
    const entry = found.get(name);
    if (!entry)
      throw inputError(`${what}: missing tensor "${name}" (shape [${v.shape.join(', ')}]) for this ${kind} model`);
    if (!sameShape(entry.view.shape, v.shape)) {
      throw inputError(
        `${what}: tensor "${entry.key}" has shape [${entry.view.shape.join(', ')}], expected [${v.shape.join(', ')}]`,
      );
    }
    const values = toFloat32(entry.view, `${what}: tensor "${entry.key}"`);
    for (let i = 0; i < values.length; i++) {
      if (!Number.isFinite(values[i])) {
        throw inputError(`${what}: tensor "${entry.key}" holds ${values[i]} at index ${i}; weights must be finite`);
      }
    }
    assignments.push([v, values]);
  }
  for (const [name, { key, view }] of found) {
    if (model.params.has(name) || ignored(objective, name)) continue;
    if (name === tied) {
      const expected = model.params.get(embedding)!.shape;
      if (!sameShape(view.shape, expected)) {
        throw inputError(
          `${what}: tensor "${key}" has shape [${view.shape.join(', ')}], expected [${expected.join(', ')}]`,
        );
      }
      continue; // tied to the embedding, as Hugging Face ties it on load
    }
    if (zeroBiases.has(name)) {
      if (toFloat32(view, `${what}: tensor "${key}"`).some((x) => x !== 0)) {
        throw inputError(`${what}: tensor "${key}" is not zero but the config says "bias": false`);
      }
      continue;
    }
    throw inputError(`${what}: unexpected tensor "${key}" for a ${kind} model`);
  }
  for (const [v, values] of assignments) {
    tf.tidy(() => v.assign(tf.tensor(values, v.shape, 'float32')));
  }
}
