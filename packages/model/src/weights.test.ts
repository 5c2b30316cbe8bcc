import { copyFileSync, mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import {
  fromFloat32,
  readSafetensors,
  type SafetensorsTensor,
  SelfsupError,
  toFloat32,
  writeSafetensors,
} from '@selfsup/core';
import * as tf from '@tensorflow/tfjs-core';
import { beforeAll, describe, expect, it } from 'vitest';
import { createModel } from './create-model.js';
import { FIXTURES_DIR, maxAbsDiff, readExpected, useBackend } from './testing/fixtures.js';
import type { LanguageModel, ModelConfig } from './types.js';
import { loadModel, saveModel } from './weights.js';

const tmp = () => mkdtempSync(join(tmpdir(), 'selfsup-model-'));
const json = (path: string) => JSON.parse(readFileSync(path, 'utf8'));

const GPT: ModelConfig = { objective: 'clm', vocabSize: 23, blockSize: 8, nLayer: 2, nHead: 2, nEmbd: 8 };
const BERT: ModelConfig = { objective: 'mlm', vocabSize: 29, blockSize: 8, nLayer: 2, nHead: 2, nEmbd: 8 };

function gpt2Names(n: number): string[] {
  const names = ['transformer.wte.weight', 'transformer.wpe.weight'];
  for (let i = 0; i < n; i++) {
    for (const p of ['ln_1', 'attn.c_attn', 'attn.c_proj', 'ln_2', 'mlp.c_fc', 'mlp.c_proj']) {
      names.push(`transformer.h.${i}.${p}.weight`, `transformer.h.${i}.${p}.bias`);
    }
  }
  return [...names, 'transformer.ln_f.weight', 'transformer.ln_f.bias'];
}

function bertNames(n: number): string[] {
  const e = 'bert.embeddings';
  const names = [`${e}.word_embeddings.weight`, `${e}.position_embeddings.weight`, `${e}.token_type_embeddings.weight`];
  names.push(`${e}.LayerNorm.weight`, `${e}.LayerNorm.bias`);
  for (let i = 0; i < n; i++) {
    const l = `bert.encoder.layer.${i}`;
    for (const p of [
      'attention.self.query',
      'attention.self.key',
      'attention.self.value',
      'attention.output.dense',
      'attention.output.LayerNorm',
      'intermediate.dense',
      'output.dense',
      'output.LayerNorm',
    ]) {
      names.push(`${l}.${p}.weight`, `${l}.${p}.bias`);
    }
  }
  names.push('cls.predictions.bias', 'cls.predictions.transform.dense.weight', 'cls.predictions.transform.dense.bias');
  return [...names, 'cls.predictions.transform.LayerNorm.weight', 'cls.predictions.transform.LayerNorm.bias'];
}

function logitsOf(model: LanguageModel, ids: number[][]): Float32Array {
  return tf.tidy(() => model.logits(tf.tensor2d(ids, undefined, 'int32')).dataSync() as Float32Array);
}

/** A copy of fixture `name` whose safetensors tensors went through `edit`, optionally with a config change. */
function variant(
  name: string,
  edit: (tensors: Map<string, SafetensorsTensor>) => Map<string, SafetensorsTensor>,
  config?: (c: Record<string, unknown>) => void,
): string {
  const dir = tmp();
  const { tensors } = readSafetensors(join(FIXTURES_DIR, name, 'model.safetensors'));
  const plain = new Map<string, SafetensorsTensor>();
  for (const [k, v] of tensors) plain.set(k, { dtype: 'F32', shape: v.shape, data: toFloat32(v).slice() });
  writeSafetensors(join(dir, 'model.safetensors'), edit(plain), { format: 'pt' });
  const cfg = json(join(FIXTURES_DIR, name, 'config.json'));
  config?.(cfg);
  writeFileSync(join(dir, 'config.json'), JSON.stringify(cfg));
  return dir;
}

function rename(tensors: Map<string, SafetensorsTensor>, f: (name: string) => string) {
  return new Map([...tensors].map(([k, v]) => [f(k), v]));
}

function cast(tensors: Map<string, SafetensorsTensor>, dtype: 'F16' | 'BF16') {
  return new Map(
    [...tensors].map(([k, v]) => [k, { dtype, shape: v.shape, data: fromFloat32(v.data as Float32Array, dtype) }]),
  );
}

async function loadError(dir: string): Promise<string> {
  try {
    (await loadModel(dir)).dispose();
  } catch (err) {
    expect(err).toBeInstanceOf(SelfsupError);
    return (err as Error).message;
  }
  throw new Error('expected loadModel to fail');
}

beforeAll(async () => {
  await useBackend('cpu');
});

describe('saveModel writes Hugging Face folders', () => {
  it('CLM: exactly GPT-2 names, Conv1D shapes, no lm_head, and a gpt2 config.json', async () => {
    const model = createModel({ ...GPT, dropout: 0.1 });
    const dir = tmp();
    await saveModel(model, dir, { eosTokenId: 22 });
    const { tensors, metadata } = readSafetensors(join(dir, 'model.safetensors'));
    expect(metadata).toEqual({ format: 'pt' });
    expect([...tensors.keys()]).toEqual(gpt2Names(2));
    expect(tensors.get('transformer.wte.weight')!.shape).toEqual([23, 8]);
    expect(tensors.get('transformer.wpe.weight')!.shape).toEqual([8, 8]);
    expect(tensors.get('transformer.h.0.attn.c_attn.weight')!.shape).toEqual([8, 24]); // [in, out]
    expect(tensors.get('transformer.h.0.attn.c_attn.bias')!.shape).toEqual([24]);
    expect(tensors.get('transformer.h.1.mlp.c_fc.weight')!.shape).toEqual([8, 32]);
    expect(tensors.get('transformer.h.1.mlp.c_proj.weight')!.shape).toEqual([32, 8]);
    expect(json(join(dir, 'config.json'))).toMatchObject({
      model_type: 'gpt2',
      architectures: ['GPT2LMHeadModel'],
      vocab_size: 23,
      n_positions: 8,
      n_ctx: 8,
      n_embd: 8,
      n_layer: 2,
      n_head: 2,
      n_inner: null,
      activation_function: 'gelu_new',
      layer_norm_epsilon: 1e-5,
      resid_pdrop: 0.1,
      embd_pdrop: 0.1,
      attn_pdrop: 0.1,
      bos_token_id: null,
      eos_token_id: 22,
      tie_word_embeddings: true,
    });
    model.dispose();
  });

  it('MLM: exactly BERT names, Linear [out, in] shapes, no decoder, and a bert config.json', async () => {
    const model = createModel(BERT);
    const dir = tmp();
    await saveModel(model, dir);
    const { tensors } = readSafetensors(join(dir, 'model.safetensors'));
    expect([...tensors.keys()]).toEqual(bertNames(2));
    expect(tensors.get('bert.encoder.layer.0.intermediate.dense.weight')!.shape).toEqual([32, 8]); // [out, in]
    expect(tensors.get('bert.encoder.layer.0.output.dense.weight')!.shape).toEqual([8, 32]);
    expect(tensors.get('bert.embeddings.token_type_embeddings.weight')!.shape).toEqual([2, 8]);
    expect(tensors.get('cls.predictions.bias')!.shape).toEqual([29]);
    expect(json(join(dir, 'config.json'))).toMatchObject({
      model_type: 'bert',
      architectures: ['BertForMaskedLM'],
      vocab_size: 29,
      hidden_size: 8,
      num_hidden_layers: 2,
      num_attention_heads: 2,
      intermediate_size: 32,
      max_position_embeddings: 8,
      type_vocab_size: 2,
      layer_norm_eps: 1e-12,
      hidden_act: 'gelu',
      pad_token_id: 0,
      position_embedding_type: 'absolute',
    });
    model.dispose();
  });

  it('round-trips both objectives exactly, and F16 / BF16 closely', async () => {
    const ids = [
      [1, 5, 7, 3],
      [4, 4, 2, 0],
    ];
    for (const config of [GPT, BERT, { ...GPT, bias: false }, { ...BERT, bias: false }]) {
      const model = createModel(config, { seed: 5 });
      const dir = tmp();
      await saveModel(model, dir);
      const back = await loadModel(dir);
      expect(back.config).toEqual(model.config);
      expect(maxAbsDiff(logitsOf(back, ids), logitsOf(model, ids))).toBe(0);
      for (const dtype of ['F16', 'BF16'] as const) {
        const half = tmp();
        await saveModel(model, half, { dtype });
        expect(json(join(half, 'config.json')).torch_dtype).toBe(dtype === 'F16' ? 'float16' : 'bfloat16');
        const h = await loadModel(half);
        expect(maxAbsDiff(logitsOf(h, ids), logitsOf(model, ids))).toBeLessThan(dtype === 'F16' ? 2e-3 : 2e-2);
        h.dispose();
      }
      back.dispose();
      model.dispose();
    }
  });

  it('bias: false saves zero biases so Hugging Face loads the file unchanged', async () => {
    const model = createModel({ ...GPT, bias: false });
    expect([...model.params.keys()].some((n) => n.endsWith('.bias'))).toBe(false);
    const dir = tmp();
    await saveModel(model, dir);
    const { tensors } = readSafetensors(join(dir, 'model.safetensors'));
    expect([...tensors.keys()]).toEqual(gpt2Names(2));
    expect(toFloat32(tensors.get('transformer.h.0.attn.c_attn.bias')!).every((x) => x === 0)).toBe(true);
    expect(json(join(dir, 'config.json')).bias).toBe(false);
    model.dispose();
  });
});

describe('loadModel reads Hugging Face checkpoints', () => {
  const gptLogits = () => readExpected('gpt2').logits;

  async function fixtureLogits(dir: string, fixture: string): Promise<number> {
    const model = await loadModel(dir);
    const e = readExpected(fixture);
    const logits = model.logits(e.inputs, { attentionMask: e.attentionMask, tokenTypeIds: e.tokenTypeIds });
    const diff = maxAbsDiff(logits.dataSync(), e.logits);
    tf.dispose([logits]);
    e.dispose();
    model.dispose();
    return diff;
  }

  it('GPT-2 without the transformer. prefix, with lm_head.weight and attention buffers', async () => {
    const dir = variant('gpt2', (t) => {
      const out = rename(t, (n) => n.replace(/^transformer\./, ''));
      out.set('lm_head.weight', t.get('transformer.wte.weight')!);
      out.set('h.0.attn.bias', { dtype: 'F32', shape: [1, 1, 12, 12], data: new Float32Array(144) });
      out.set('h.1.attn.masked_bias', { dtype: 'F32', shape: [], data: Float32Array.of(-1e4) });
      return out;
    });
    expect(await fixtureLogits(dir, 'gpt2')).toBeLessThan(1e-4);
    expect(gptLogits().length).toBeGreaterThan(0);
  });

  it('GPT-2 in F16 and BF16', async () => {
    expect(
      await fixtureLogits(
        variant('gpt2', (t) => cast(t, 'F16')),
        'gpt2',
      ),
    ).toBeLessThan(5e-2);
    expect(
      await fixtureLogits(
        variant('gpt2', (t) => cast(t, 'BF16')),
        'gpt2',
      ),
    ).toBeLessThan(3e-1);
  });

  it('BERT without the bert. prefix, with gamma/beta names, decoder, pooler, NSP head and position_ids', async () => {
    const dir = variant('bert', (t) => {
      const out = rename(t, (n) =>
        n
          .replace(/^bert\./, '')
          .replace(/LayerNorm\.weight$/, 'LayerNorm.gamma')
          .replace(/LayerNorm\.bias$/, 'LayerNorm.beta'),
      );
      out.set('cls.predictions.decoder.weight', t.get('bert.embeddings.word_embeddings.weight')!);
      out.set('cls.predictions.decoder.bias', t.get('cls.predictions.bias')!);
      out.set('pooler.dense.weight', { dtype: 'F32', shape: [16, 16], data: new Float32Array(256) });
      out.set('pooler.dense.bias', { dtype: 'F32', shape: [16], data: new Float32Array(16) });
      out.set('cls.seq_relationship.weight', { dtype: 'F32', shape: [2, 16], data: new Float32Array(32) });
      out.set('embeddings.position_ids', { dtype: 'I64', shape: [1, 12], data: new BigInt64Array(12) });
      return out;
    });
    expect(await fixtureLogits(dir, 'bert')).toBeLessThan(1e-4);
  });

  it('BERT with only cls.predictions.decoder.bias (older files) and in F16', async () => {
    const dir = variant('bert', (t) => {
      const out = rename(t, (n) => (n === 'cls.predictions.bias' ? 'cls.predictions.decoder.bias' : n));
      return cast(out, 'F16');
    });
    expect(await fixtureLogits(dir, 'bert')).toBeLessThan(5e-2);
  });
});

describe('loadModel names what does not match', () => {
  it('a missing, misshapen or unexpected tensor', async () => {
    const missing = variant('gpt2', (t) => {
      t.delete('transformer.h.1.ln_2.bias');
      return t;
    });
    expect(await loadError(missing)).toMatch(
      /model\.safetensors: missing tensor "transformer\.h\.1\.ln_2\.bias" \(shape \[16\]\)/,
    );
    const misshapen = variant('gpt2', (t) => {
      const w = t.get('transformer.h.0.attn.c_attn.weight')!;
      t.set('transformer.h.0.attn.c_attn.weight', { ...w, shape: [48, 16] }); // Linear layout instead of Conv1D
      return t;
    });
    expect(await loadError(misshapen)).toMatch(
      /tensor "transformer\.h\.0\.attn\.c_attn\.weight" has shape \[48, 16\], expected \[16, 48\]/,
    );
    const extra = variant('gpt2', (t) =>
      t.set('transformer.h.0.attn.q_proj.weight', t.get('transformer.ln_f.weight')!),
    );
    expect(await loadError(extra)).toMatch(
      /unexpected tensor "transformer\.h\.0\.attn\.q_proj\.weight" for a GPT-2 model/,
    );
    const head = variant('gpt2', (t) => t.set('lm_head.weight', t.get('transformer.wpe.weight')!));
    expect(await loadError(head)).toMatch(/tensor "lm_head\.weight" has shape \[12, 16\], expected \[37, 16\]/);
    const twice = variant('gpt2', (t) => t.set('wte.weight', t.get('transformer.wte.weight')!));
    expect(await loadError(twice)).toMatch(/"transformer\.wte\.weight" and "wte\.weight" are the same weight/);
  });

  it('a config that does not describe the weights', async () => {
    expect(
      await loadError(
        variant(
          'gpt2',
          (t) => t,
          (c) => (c.n_layer = 3),
        ),
      ),
    ).toMatch(/missing tensor "transformer\.h\.2\./);
    expect(
      await loadError(
        variant(
          'gpt2',
          (t) => t,
          (c) => (c.n_embd = 20),
        ),
      ),
    ).toMatch(/has shape \[37, 16\], expected \[37, 20\]/);
    expect(
      await loadError(
        variant(
          'gpt2',
          (t) => t,
          (c) => (c.model_type = 'llama'),
        ),
      ),
    ).toMatch(/config\.json: "model_type" must be "gpt2" or "bert", got "llama"/);
    expect(
      await loadError(
        variant(
          'gpt2',
          (t) => t,
          (c) => (c.activation_function = 'relu'),
        ),
      ),
    ).toMatch(/"activation_function" must be "gelu_new" or "gelu"/);
    expect(
      await loadError(
        variant(
          'gpt2',
          (t) => t,
          (c) => (c.n_head = 3),
        ),
      ),
    ).toMatch(/divisible by nHead/);
    expect(
      await loadError(
        variant(
          'bert',
          (t) => t,
          (c) => (c.position_embedding_type = 'relative_key'),
        ),
      ),
    ).toMatch(/"position_embedding_type": "relative_key" is not supported/);
    expect(
      await loadError(
        variant(
          'gpt2',
          (t) => t,
          (c) => (c.bias = false),
        ),
      ),
    ).toMatch(/tensor "transformer\.h\.0\.ln_1\.bias" is not zero but the config says "bias": false/);
  });

  it('a missing or sharded checkpoint', async () => {
    const dir = tmp();
    copyFileSync(join(FIXTURES_DIR, 'gpt2', 'config.json'), join(dir, 'config.json'));
    expect(await loadError(dir)).toMatch(/model\.safetensors: not found/);
    writeFileSync(join(dir, 'model.safetensors.index.json'), '{}');
    expect(await loadError(dir)).toMatch(/sharded checkpoints/);
    expect(await loadError(tmp())).toMatch(/config\.json: not found/);
  });
});
