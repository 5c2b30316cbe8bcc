/**
 * train_ddp.py continues selfsup's data stream bit for bit: its port of the seeded generator, the shift-by-one
 * windows, the MLM blocks, the 80/10/10 collator and the saved stream positions, checked against @selfsup/core and
 * @selfsup/dataset on the same inputs.
 */
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { selectBackend } from '@selfsup/backends';
import { decodeSafetensors, Rng } from '@selfsup/core';
import { clmBatches, mlmBatches, mlmBlocks } from '@selfsup/dataset';
import { createModel, loadWeights, type ModelConfig, saveModel } from '@selfsup/model';
import { learningRateAt } from '@selfsup/trainer';
import * as tf from '@tensorflow/tfjs-core';
import { describe, expect, it } from 'vitest';
import { probeTorch, pythonJson } from './interop-python.js';

const torch = probeTorch();
if (torch.missing) console.log(`interop-data tests skipped: ${torch.missing}`);

const list = (a: ArrayLike<number>) => Array.from(a);

describe.skipIf(torch.missing !== null)('train_ddp.py data stream = @selfsup/dataset', () => {
  it('ports the generator: seeds (numbers, strings), derive, int, next, shuffle', () => {
    const seeds: (number | string)[] = [0, 1, 1337, 2 ** 32 + 5, 2 ** 40 + 123, '1337:eval:val:50', 'héllo'];
    const js = seeds.map((seed) => {
      const r = new Rng(seed);
      const words = Array.from({ length: 6 }, () => r.nextUint32());
      const ints = [1, 2, 7, 65, 1000, 2 ** 31 + 3, 2 ** 32].map((n) => r.int(n));
      const floats = Array.from({ length: 3 }, () => r.next());
      const derived = new Rng(seed).derive('mlm-mask').nextUint32();
      const order = new Rng(seed).shuffle(Array.from({ length: 10 }, (_, i) => i));
      return { words, ints, floats, derived, order, state: r.state };
    });
    const py = pythonJson(
      `out = []
for seed in data:
    r = t.Rng(seed)
    words = [r.next_uint32() for _ in range(6)]
    ints = [r.int(n) for n in (1, 2, 7, 65, 1000, 2**31 + 3, 2**32)]
    floats = [r.next() for _ in range(3)]
    out.append(dict(words=words, ints=ints, floats=floats, derived=t.Rng(seed).derive("mlm-mask").next_uint32(),
                    order=t.Rng(seed).shuffle(list(range(10))), state=r.state))
print(json.dumps(out))`,
      seeds,
    );
    expect(py).toEqual(js);
  });

  it('draws the same shift-by-one windows, from a seed and from a saved position', () => {
    const tokens = Int32Array.from({ length: 300 }, (_, i) => (i * 7919) % 50);
    const it = clmBatches(tokens, { blockSize: 8, batchSize: 4, seed: 42 });
    const first = [it.nextBatch()!, it.nextBatch()!];
    const state = it.state;
    const next = it.nextBatch()!;
    const py = pythonJson(
      `import numpy as np
tokens = np.array(data["tokens"])
s = t.ClmStream(tokens, 8, 4, seed=42)
first = [s.next() for _ in range(2)]
saved = s.state()
nxt = t.ClmStream(tokens, 8, 4, state=data["state"]).next()
rows = lambda b: dict(inputs=b[0].reshape(-1).tolist(), labels=b[1].reshape(-1).tolist(), count=b[3])
print(json.dumps(dict(first=[rows(b) for b in first], state=saved, next=rows(nxt))))`,
      { tokens: list(tokens), state },
    );
    const rows = (b: (typeof first)[0]) => ({ inputs: list(b.inputs), labels: list(b.targets), count: b.targetCount });
    expect(py).toEqual({ first: first.map(rows), state, next: rows(next) });
  });

  it('packs the same MLM blocks and masks them the same, across epochs and from a saved position', () => {
    // A marked stream: [CLS]=2 starts a document, [SEP]=3 ends a sentence, 4 is a document separator.
    const r = new Rng(9);
    const stream: number[] = [];
    for (let doc = 0; doc < 6; doc++) {
      stream.push(2);
      for (let s = 0; s < 1 + r.int(4); s++) {
        for (let k = 0; k < 1 + r.int(14); k++) stream.push(5 + r.int(40));
        stream.push(3);
      }
      if (doc === 2) stream.push(4);
    }
    const blocks = mlmBlocks(stream, {
      blockSize: 10,
      clsTokenId: 2,
      sepTokenId: 3,
      padTokenId: 0,
      documentSeparatorIds: [4],
    });
    const options = {
      batchSize: 3,
      maskTokenId: 1,
      vocabSize: 45,
      specialTokenIds: [0, 1, 2, 3, 4],
      mlmProbability: 0.3,
    };
    const it = mlmBatches(blocks, { ...options, seed: 5 });
    const batches = Array.from({ length: 2 * Math.ceil(blocks.count / 3) + 1 }, () => it.nextBatch()!);
    const state = it.state;
    const after = it.nextBatch()!;
    const sequential = [...mlmBatches(blocks, { ...options, seed: 0, mode: 'sequential' })];
    const py = pythonJson(
      `import numpy as np
ids, lengths = t.mlm_blocks(np.array(data["stream"]), 10, 2, 3, 0, [4])
c = t.MlmCollator(45, 1, [0, 1, 2, 3, 4], 0.3)
rows = lambda b: dict(inputs=b[0].reshape(-1).tolist(), labels=b[1].reshape(-1).tolist(), mask=b[2].reshape(-1).tolist(), count=b[3])
s = t.MlmStream(ids, lengths, 3, c, seed=5)
batches = [rows(s.next()) for _ in range(data["n"])]
saved = s.state()
after = rows(t.MlmStream(ids, lengths, 3, c, state=data["state"]).next())
seq = t.MlmStream(ids, lengths, 3, c, seed=0, mode="sequential")
print(json.dumps(dict(ids=ids.reshape(-1).tolist(), lengths=lengths.tolist(), batches=batches, state=saved, after=after,
                      sequential=[rows(b) for b in iter(seq.next, None)])))`,
      { stream, n: batches.length, state },
    );
    const rows = (b: (typeof batches)[0]) => ({
      inputs: list(b.inputs),
      labels: list(b.labels),
      mask: list(b.attentionMask),
      count: b.labelCount,
    });
    expect(blocks.count).toBeGreaterThan(3);
    expect(batches.some((b) => b.labelCount > 0 && list(b.inputs).includes(1))).toBe(true);
    expect(py).toEqual({
      ids: list(blocks.ids),
      lengths: list(blocks.lengths),
      batches: batches.map(rows),
      state,
      after: rows(after),
      sequential: sequential.map(rows),
    });
  });

  it('follows the same learning-rate schedule', () => {
    const schedules = [
      { lrSchedule: 'cosine', lr: 1e-3, minLr: 1e-4, warmupIters: 10, lrDecayIters: 100 },
      { lrSchedule: 'linear', lr: 6e-4, minLr: 0, warmupIters: 0, lrDecayIters: 50 },
      { lrSchedule: 'constant', lr: 3e-4, minLr: 1e-5, warmupIters: 5, lrDecayIters: 5 },
    ] as const;
    const steps = [0, 1, 5, 9, 10, 11, 49, 50, 51, 99, 100, 101, 500];
    const js = schedules.map((o) => steps.map((s) => learningRateAt(s, o)));
    const py = pythonJson(
      `print(json.dumps([[t.lr_at(s, dict(lr_schedule=o["lrSchedule"], lr=o["lr"], min_lr=o["minLr"], warmup_iters=o["warmupIters"],
    lr_decay_iters=o["lrDecayIters"])) for s in data["steps"]] for o in data["schedules"]]))`,
      { schedules, steps },
    );
    expect(py).toEqual(js);
  });

  it('builds the same GPT-2 and BERT, with and without biases: same loss, and the weights it writes load back', async () => {
    await selectBackend('cpu');
    const dir = mkdtempSync(join(tmpdir(), 'selfsup-interop-model-'));
    try {
      const r = new Rng(3);
      const cases: { name: string; config: ModelConfig }[] = [];
      for (const bias of [true, false]) {
        const shape = { vocabSize: 37, blockSize: 12, nLayer: 2, nHead: 2, nEmbd: 16, bias };
        cases.push({ name: `gpt-${bias}`, config: { objective: 'clm', ...shape } });
        cases.push({ name: `bert-${bias}`, config: { objective: 'mlm', ...shape, padTokenId: 0 } });
      }
      const batches = [];
      const jsLosses: number[] = [];
      for (const { name, config } of cases) {
        const model = createModel(config, { seed: 11 });
        // Random, not initial, values everywhere (LayerNorm weights and biases included).
        for (const v of model.params.values())
          v.assign(
            tf.tensor(
              Float32Array.from({ length: v.size }, () => r.normal() * 0.3),
              v.shape,
              'float32',
            ),
          );
        await saveModel(model, join(dir, name));
        const inputs = Int32Array.from({ length: 2 * 10 }, () => 1 + r.int(36));
        const labels = Int32Array.from(inputs, (id, i) =>
          config.objective === 'clm' ? (i % 10 === 9 ? -100 : inputs[i + 1]) : i % 3 === 0 ? id : -100,
        );
        const mask = Int32Array.from(inputs, (_, i) => (i >= 17 ? 0 : 1));
        if (config.objective === 'mlm') for (let i = 17; i < 20; i++) inputs[i] = 0; // padding at the end of row 2
        const loss = tf.tidy(
          () =>
            model
              .loss(tf.tensor2d(inputs, [2, 10], 'int32'), tf.tensor2d(labels, [2, 10], 'int32'), {
                attentionMask: tf.tensor2d(mask, [2, 10], 'int32'),
              })
              .dataSync()[0],
        );
        jsLosses.push(loss);
        batches.push({ dir: join(dir, name), inputs: list(inputs), labels: list(labels), mask: list(mask) });
        model.dispose();
      }
      const py = pythonJson(
        `import math, os, torch
out = []
for b in data:
    with open(os.path.join(b["dir"], "config.json")) as f:
        cfg = t.ModelConfig(json.load(f), "config.json")
    m = t.build_model(cfg)
    t.load_weights(m, os.path.join(b["dir"], "model.safetensors"))
    m.eval()
    ids, labels, mask = (torch.tensor(b[k]).view(2, 10) for k in ("inputs", "labels", "mask"))
    ce = m(ids, labels, mask)
    # torch >= 2 takes the fused path; check its wiring with the documented reference semantics of
    # F.scaled_dot_product_attention (a boolean mask: True takes part; is_causal: the lower triangle).
    def sdpa(q, k, v, attn_mask=None, dropout_p=0.0, is_causal=False):
        bias = torch.zeros(q.size(-2), k.size(-2))
        if is_causal:
            assert attn_mask is None
            bias = bias.masked_fill(~torch.ones(q.size(-2), k.size(-2), dtype=torch.bool).tril(), float("-inf"))
        if attn_mask is not None:
            bias = bias.masked_fill(~attn_mask, float("-inf"))
        return torch.softmax(q @ k.transpose(-2, -1) / math.sqrt(q.size(-1)) + bias, -1) @ v
    saved = getattr(t.F, "scaled_dot_product_attention", None)
    t.F.scaled_dot_product_attention = sdpa
    fused = m(ids, labels, mask)
    if saved is None:
        del t.F.scaled_dot_product_attention
    else:
        t.F.scaled_dot_product_attention = saved
    n = (labels != -100).sum()
    out.append([(ce.sum() / n).item(), (fused.sum() / n).item()])
    t.write_safetensors(os.path.join(b["dir"], "back.safetensors"), t.model_tensors(m), {"format": "pt"})
print(json.dumps(out))`,
        batches,
      );
      for (let i = 0; i < cases.length; i++) {
        const [plain, fused] = (py as number[][])[i];
        expect(plain, cases[i].name).toBeCloseTo(jsLosses[i], 5);
        expect(fused, `${cases[i].name} (scaled_dot_product_attention path)`).toBeCloseTo(jsLosses[i], 5);
      }
      // What the script writes has the same names, shapes and values (zero biases included) and loads here.
      for (const { name, config } of cases) {
        const mine = decodeSafetensors(readFileSync(join(dir, name, 'model.safetensors')), 'model.safetensors');
        const back = decodeSafetensors(readFileSync(join(dir, name, 'back.safetensors')), 'back.safetensors');
        expect([...back.tensors.keys()].sort(), name).toEqual([...mine.tensors.keys()].sort());
        for (const [key, view] of mine.tensors) {
          expect(back.tensors.get(key)!.shape, `${name} ${key}`).toEqual(view.shape);
          expect(Buffer.from(back.tensors.get(key)!.data).equals(Buffer.from(view.data)), `${name} ${key}`).toBe(true);
        }
        const model = createModel(config);
        loadWeights(model, back, 'back.safetensors');
        model.dispose();
      }
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});
