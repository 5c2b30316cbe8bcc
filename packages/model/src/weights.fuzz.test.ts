/**
 * Fuzzing model loading from untrusted folders: `config.json` with hostile values at every field (huge sizes
 * included), and `model.safetensors` files whose tensors are renamed, reshaped, re-typed, dropped, added or hold
 * non-finite values. Each case ends in a loaded model or a SelfsupError, and never allocates more than the files
 * could fill: a config asking for billions of parameters next to a small weights file is refused before
 * anything is created.
 */
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { encodeSafetensors, readSafetensors, type SafetensorsTensor } from '@selfsup/core';
import { fuzzParams, hostileJsonValue, jsonPaths, outcome, outcomeAsync, withField } from '@selfsup/core/testing';
import * as tf from '@tensorflow/tfjs-core';
import '@tensorflow/tfjs-backend-cpu';
import fc from 'fast-check';
import { beforeAll, describe, expect, it } from 'vitest';
import { parameterCount, resolveConfig } from './config.js';
import { createModel } from './create-model.js';
import { fromHfConfig, toHfConfig } from './hf-config.js';
import type { LanguageModel, ModelConfig } from './types.js';
import { loadModel, loadWeights, modelTensors, saveModel } from './weights.js';

const GPT: ModelConfig = { objective: 'clm', vocabSize: 13, blockSize: 8, nLayer: 1, nHead: 2, nEmbd: 8 };
const BERT: ModelConfig = { objective: 'mlm', vocabSize: 17, blockSize: 8, nLayer: 1, nHead: 2, nEmbd: 8 };
const LIMIT = { maxArrayBufferGrowth: 64 << 20 };

const root = mkdtempSync(join(tmpdir(), 'selfsup-model-fuzz-'));
const folders: Record<string, { dir: string; hf: Record<string, unknown>; tensors: Map<string, SafetensorsTensor> }> =
  {};

beforeAll(async () => {
  await tf.setBackend('cpu');
  for (const [name, config] of Object.entries({ gpt: GPT, bert: BERT })) {
    const model = createModel(config, { seed: 3 });
    const dir = join(root, name);
    await saveModel(model, dir);
    const tensors = await modelTensors(model);
    model.dispose();
    folders[name] = { dir, hf: toHfConfig(resolveConfig(config)) as Record<string, unknown>, tensors };
  }
});

function writeFolder(dir: string, hf: unknown, tensors?: Map<string, SafetensorsTensor>): void {
  rmSync(join(dir, 'config.json'), { force: true });
  writeFileSync(join(dir, 'config.json'), JSON.stringify(hf));
  if (tensors) {
    rmSync(join(dir, 'model.safetensors'), { force: true });
    const chunks = encodeSafetensors(tensors);
    writeFileSync(join(dir, 'model.safetensors'), Buffer.concat(chunks));
  }
}

async function loadCase(label: string, dir: string): Promise<void> {
  const tensorsBefore = tf.memory().numTensors;
  const r = await outcomeAsync(label, () => loadModel(dir), LIMIT);
  if (r.ok) {
    const model: LanguageModel = r.value;
    const logits = tf.tidy(() => model.logits(tf.zeros([1, 2], 'int32')));
    expect(logits.shape).toEqual([1, 2, model.config.vocabSize]);
    logits.dispose();
    model.dispose();
  }
  expect(tf.memory().numTensors, `${label}: tensors left behind`).toBe(tensorsBefore);
}

describe('parameterCount', () => {
  it('matches the parameters a model creates, for random small configs', () => {
    fc.assert(
      fc.property(
        fc.record({
          objective: fc.constantFrom('clm' as const, 'mlm' as const),
          vocabSize: fc.integer({ min: 1, max: 40 }),
          blockSize: fc.integer({ min: 1, max: 9 }),
          nLayer: fc.integer({ min: 1, max: 3 }),
          nHead: fc.integer({ min: 1, max: 3 }),
          headSize: fc.integer({ min: 1, max: 4 }),
          bias: fc.boolean(),
          intermediateSize: fc.option(fc.integer({ min: 1, max: 20 }), { nil: undefined }),
          typeVocabSize: fc.option(fc.integer({ min: 1, max: 3 }), { nil: undefined }),
        }),
        ({ headSize, ...c }) => {
          const config = { ...c, nEmbd: headSize * c.nHead, padTokenId: 0 };
          const model = createModel(config);
          try {
            expect(parameterCount(resolveConfig(config))).toBe(model.numParams({ nonEmbedding: false }));
          } finally {
            model.dispose();
          }
        },
      ),
      fuzzParams(150),
    );
  });

  it('refuses a config with more parameters than one process can hold, before allocating', () => {
    for (const config of [
      { ...GPT, vocabSize: 2 ** 30, nEmbd: 4096, nHead: 32 },
      { ...GPT, nLayer: 100_000, nEmbd: 1024, nHead: 16 },
      { ...BERT, blockSize: 2 ** 40 },
    ]) {
      const r = outcome(JSON.stringify(config), () => createModel(config), LIMIT);
      expect(r.ok).toBe(false);
      if (!r.ok) expect(r.error.message).toMatch(/parameters/);
    }
  });
});

describe('config.json under fuzzing', () => {
  for (const name of ['gpt', 'bert']) {
    it(`${name}: a hostile value at a random field reads, or fails with a SelfsupError`, () => {
      const { hf } = folders[name];
      const paths = jsonPaths(hf);
      fc.assert(
        fc.property(
          fc.array(fc.tuple(fc.constantFrom(...paths), fc.oneof(hostileJsonValue(), fc.constant(undefined))), {
            minLength: 1,
            maxLength: 3,
          }),
          (edits) => {
            let j: unknown = hf;
            for (const [path, value] of edits) j = withField(j, path, value);
            const label = `config ${JSON.stringify(edits)}`;
            const r = outcome(label, () => fromHfConfig(j, 'config.json'));
            if (r.ok) outcome(`${label}: resolve`, () => resolveConfig(r.value));
          },
        ),
        fuzzParams(2000),
      );
    });

    it(`${name}: loadModel with hostile config values next to the real weights`, async () => {
      const { dir, hf, tensors } = folders[name];
      writeFolder(dir, hf, tensors);
      const sizes = ['vocab_size', 'n_positions', 'n_embd', 'n_layer', 'n_head', 'n_inner', 'hidden_size'];
      const huge = fc.constantFrom(2 ** 20, 2 ** 24, 2 ** 31 - 1, 2 ** 40, 2 ** 53 - 1, 9, 16, 0, -1);
      const edit = fc.oneof(
        fc.tuple(fc.constantFrom(...jsonPaths(hf)), fc.oneof(hostileJsonValue(), fc.constant(undefined))),
        fc.tuple(
          fc
            .constantFrom(...sizes, 'num_hidden_layers', 'intermediate_size', 'max_position_embeddings')
            .map((k) => [k]),
          huge,
        ),
      );
      await fc.assert(
        fc.asyncProperty(fc.array(edit, { minLength: 1, maxLength: 3 }), async (edits) => {
          let j: unknown = hf;
          for (const [path, value] of edits) j = withField(j, path, value);
          writeFolder(dir, j);
          await loadCase(`config ${JSON.stringify(edits)}`, dir);
        }),
        fuzzParams(400),
      );
      writeFolder(dir, hf);
    });
  }
});

describe('model.safetensors under fuzzing', () => {
  for (const name of ['gpt', 'bert']) {
    it(`${name}: renamed, reshaped, re-typed, dropped, added and non-finite tensors`, async () => {
      const { dir, hf, tensors } = folders[name];
      const names = [...tensors.keys()];
      const change = fc.oneof(
        fc.record({ op: fc.constant('drop' as const), name: fc.constantFrom(...names) }),
        fc.record({
          op: fc.constant('rename' as const),
          name: fc.constantFrom(...names),
          to: fc.oneof(
            fc.constantFrom(
              ...names,
              'lm_head.weight',
              'cls.predictions.decoder.weight',
              'transformer.h.9.ln_1.weight',
            ),
            fc.string({ maxLength: 12 }),
          ),
        }),
        fc.record({
          op: fc.constant('reshape' as const),
          name: fc.constantFrom(...names),
          shape: fc.array(fc.nat(20), { maxLength: 3 }),
        }),
        fc.record({
          op: fc.constant('retype' as const),
          name: fc.constantFrom(...names),
          dtype: fc.constantFrom('F16', 'BF16', 'F64', 'I64', 'U8', 'BOOL', 'I32'),
        }),
        fc.record({
          op: fc.constant('poison' as const),
          name: fc.constantFrom(...names),
          value: fc.constantFrom(Number.NaN, Number.POSITIVE_INFINITY, Number.NEGATIVE_INFINITY, 3.4e38),
        }),
        fc.record({ op: fc.constant('add' as const), to: fc.string({ maxLength: 12 }), size: fc.nat(6) }),
      );
      await fc.assert(
        fc.asyncProperty(fc.array(change, { minLength: 1, maxLength: 3 }), async (changes) => {
          const t = new Map(tensors);
          for (const c of changes) {
            const cur = c.op === 'add' ? undefined : t.get(c.name);
            if (c.op !== 'add' && !cur) continue;
            if (c.op === 'drop') t.delete(c.name);
            else if (c.op === 'rename') {
              t.delete(c.name);
              if (c.to !== '__metadata__') t.set(c.to, cur!);
            } else if (c.op === 'reshape') {
              const count = c.shape.reduce((a, b) => a * b, 1);
              t.set(c.name, { dtype: 'F32', shape: c.shape, data: new Float32Array(count) });
            } else if (c.op === 'retype') {
              const count = cur!.shape.reduce((a, b) => a * b, 1);
              const size = { F16: 2, BF16: 2, F64: 8, I64: 8, U8: 1, BOOL: 1, I32: 4 }[c.dtype];
              t.set(c.name, { dtype: c.dtype, shape: cur!.shape, data: new Uint8Array(count * size) });
            } else if (c.op === 'poison') {
              if (cur!.dtype !== 'F32') continue;
              const data = Float32Array.from(cur!.data as Float32Array);
              if (data.length > 0) data[data.length >> 1] = c.value;
              t.set(c.name, { ...cur!, data });
            } else if (c.to !== '__metadata__') {
              t.set(c.to, { dtype: 'F32', shape: [c.size], data: new Float32Array(c.size) });
            }
          }
          writeFolder(dir, hf, t);
          await loadCase(`changes ${JSON.stringify(changes)}`, dir);
        }),
        fuzzParams(400),
      );
      writeFolder(dir, hf, tensors);
      const model = await loadModel(dir);
      model.dispose();
    });

    it(`${name}: loadWeights refuses non-finite weights, naming the tensor`, () => {
      const { dir, tensors } = folders[name];
      writeFolder(dir, folders[name].hf, tensors);
      const first = [...tensors.keys()][0];
      const data = Float32Array.from(tensors.get(first)!.data as Float32Array);
      data[3] = Number.NaN;
      writeFolder(dir, folders[name].hf, new Map([...tensors, [first, { ...tensors.get(first)!, data }]]));
      const model = createModel(name === 'gpt' ? GPT : BERT);
      try {
        const file = readSafetensors(join(dir, 'model.safetensors'));
        const r = outcome('NaN weight', () => loadWeights(model, file, 'nan.safetensors'));
        expect(r.ok).toBe(false);
        if (!r.ok) expect(r.error.message).toMatch(new RegExp(`${first.replaceAll('.', '\\.')}.*(NaN|finite)`));
      } finally {
        model.dispose();
        writeFolder(dir, folders[name].hf, tensors);
      }
    });
  }
});
