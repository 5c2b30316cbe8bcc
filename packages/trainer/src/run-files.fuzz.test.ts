/**
 * Fuzzing the run folder's files as a stranger could hand them over: `checkpoint.json` (the manifest),
 * `trainer_state.json`, `optimizer.safetensors`, `metrics.jsonl`, and whole run folders whose `config.json`,
 * `tokenizer.json` or trainer state were edited with a manifest that matches (a crafted download, not a crash).
 * Every case ends in success or a SelfsupError; names in a manifest never reach outside the run folder.
 */
import { createHash } from 'node:crypto';
import { existsSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import '@tensorflow/tfjs-backend-cpu';
import { parseJson } from '@selfsup/core';
import {
  deepJson,
  fuzzParams,
  hostileJsonValue,
  jsonPaths,
  mutatedBytes,
  outcome,
  withField,
} from '@selfsup/core/testing';
import { prepareData } from '@selfsup/dataset';
import { fromHfConfig } from '@selfsup/model';
import * as tf from '@tensorflow/tfjs-core';
import fc from 'fast-check';
import { beforeAll, describe, expect, it } from 'vitest';
import { parseManifest, readCheckpoint, recoverRunFolder } from './checkpoint.js';
import { readMetrics } from './metrics.js';
import { evaluateRun, exportRun, loadRun } from './open-run.js';
import { resolveOptions } from './options.js';
import { openRunData } from './run-data.js';
import { RunFiles } from './run-folder.js';
import { decodeOptimizerState, decodeTrainerState } from './run-state.js';
import { train } from './session.js';

const root = mkdtempSync(join(tmpdir(), 'selfsup-runfiles-fuzz-'));
const run = join(root, 'run');
const original: Record<string, Uint8Array> = {};

beforeAll(async () => {
  await tf.setBackend('cpu');
  writeFileSync(join(root, 'corpus.txt'), 'the cat sat on the mat. the dog sat on the log.\n'.repeat(30));
  const data = join(root, 'prepared');
  await prepareData({ source: join(root, 'corpus.txt'), tokenizer: 'char', outDir: data });
  const options = resolveOptions({
    flags: { nLayer: 1, nHead: 2, nEmbd: 8, blockSize: 8, batchSize: 2, maxIters: 3, evalIters: 1, evalInterval: 3 },
  }).options;
  await train({ out: run, data, options, sampleTokens: 0 }).finished();
  for (const name of readdirSync(run))
    if (!name.startsWith('.') && name !== 'data') original[name] = readFileSync(join(run, name));
});

const json = (name: string) => JSON.parse(Buffer.from(original[name]).toString('utf8'));
const sha256 = (b: Uint8Array) => createHash('sha256').update(b).digest('hex');

/** A copy of the run with `files` replaced and checkpoint.json rewritten to match them. */
function craftedRun(files: Record<string, Uint8Array | string>): string {
  const dir = join(root, 'crafted');
  rmSync(dir, { recursive: true, force: true });
  mkdirSync(dir);
  const manifest = json(RunFiles.manifest);
  for (const entry of manifest.files as { name: string; bytes: number; sha256: string }[]) {
    const raw = files[entry.name] ?? original[entry.name];
    const bytes = typeof raw === 'string' ? Buffer.from(raw) : raw;
    writeFileSync(join(dir, entry.name), bytes);
    entry.bytes = bytes.length;
    entry.sha256 = sha256(bytes);
  }
  writeFileSync(join(dir, RunFiles.manifest), JSON.stringify(manifest));
  return dir;
}

function loadCase(label: string, dir: string): void {
  const before = tf.memory().numTensors;
  const r = outcome(label, () => loadRun(dir), { maxArrayBufferGrowth: 64 << 20 });
  if (r.ok) r.value.dispose();
  expect(tf.memory().numTensors, `${label}: tensors left behind`).toBe(before);
  const out = join(root, 'export');
  rmSync(out, { recursive: true, force: true });
  const exported = outcome(`${label}: export`, () => exportRun(dir, out), { maxArrayBufferGrowth: 64 << 20 });
  if (!exported.ok) expect(existsSync(out), `${label}: export left ${out}`).toBe(false);
}

describe('checkpoint.json under fuzzing', () => {
  it('hostile fields parse or fail with a SelfsupError; names are plain file names', () => {
    const manifest = json(RunFiles.manifest);
    const paths = jsonPaths(manifest);
    fc.assert(
      fc.property(
        fc.array(fc.tuple(fc.constantFrom(...paths), fc.oneof(hostileJsonValue(), fc.constant(undefined))), {
          minLength: 1,
          maxLength: 3,
        }),
        (edits) => {
          let m: unknown = manifest;
          for (const [path, value] of edits) m = withField(m, path, value);
          const r = outcome(`manifest ${JSON.stringify(edits)}`, () =>
            parseManifest(JSON.stringify(m), 'checkpoint.json'),
          );
          if (r.ok) {
            expect(Number.isSafeInteger(r.value.step) && r.value.step >= 0).toBe(true);
            for (const f of r.value.files) {
              expect(f.name).not.toMatch(/[/\\]|^\.\.?$/);
              expect(Number.isSafeInteger(f.bytes) && f.bytes >= 0).toBe(true);
              expect(f.sha256).toMatch(/^[0-9a-f]{64}$/);
            }
          }
        },
      ),
      fuzzParams(2000),
    );
  });

  it('a manifest naming files outside the folder neither reads nor moves them', () => {
    const outside = join(root, 'outside');
    mkdirSync(outside, { recursive: true });
    const secret = Buffer.from('not part of any run');
    writeFileSync(join(outside, 'secret.txt'), secret);
    for (const name of [
      '../outside/secret.txt',
      join(outside, 'secret.txt'),
      'sub/../../outside/secret.txt',
      '..',
      '',
    ]) {
      const dir = craftedRun({});
      const manifest = json(RunFiles.manifest);
      manifest.files.push({ name, bytes: secret.length, sha256: sha256(secret) });
      // Reading: a manifest in the run folder.
      writeFileSync(join(dir, RunFiles.manifest), JSON.stringify(manifest));
      const read = outcome(`read ${name}`, () => readCheckpoint(dir));
      expect(read.ok, name).toBe(false);
      // Recovery: a committed set in .checkpoint-ready whose manifest names the outside file.
      const ready = join(dir, RunFiles.ready);
      mkdirSync(ready);
      writeFileSync(join(ready, RunFiles.manifest), JSON.stringify(manifest));
      const recovered = outcome(`recover ${name}`, () => recoverRunFolder(dir));
      expect(recovered.ok, name).toBe(false);
      expect(readFileSync(join(outside, 'secret.txt'))).toEqual(secret);
      expect(existsSync(join(dir, 'secret.txt'))).toBe(false);
    }
  });

  it('random bytes and deep JSON', () => {
    fc.assert(
      fc.property(fc.oneof(fc.string({ maxLength: 100 }), fc.json({ maxDepth: 4 })), (text) => {
        outcome('manifest text', () => parseManifest(text, 'checkpoint.json'));
      }),
      fuzzParams(2000),
    );
    expect(outcome('deep', () => parseManifest(deepJson(100_000), 'checkpoint.json')).ok).toBe(false);
  });
});

describe('trainer_state.json under fuzzing', () => {
  it('a hostile value at a random field decodes, or fails with a SelfsupError', () => {
    const state = json(RunFiles.state);
    const paths = jsonPaths(state);
    fc.assert(
      fc.property(
        fc.array(fc.tuple(fc.constantFrom(...paths), fc.oneof(hostileJsonValue(), fc.constant(undefined))), {
          minLength: 1,
          maxLength: 3,
        }),
        (edits) => {
          let s: unknown = state;
          for (const [path, value] of edits) s = withField(s, path, value);
          const bytes = Buffer.from(JSON.stringify(s));
          const r = outcome(`state ${JSON.stringify(edits)}`, () => decodeTrainerState(bytes, 'trainer_state.json'));
          if (r.ok) {
            const v = r.value;
            expect(Number.isSafeInteger(v.step) && v.step >= 0).toBe(true);
            expect(Number.isSafeInteger(v.tokensSeen) && v.tokensSeen >= 0).toBe(true);
            expect(Number.isSafeInteger(v.skippedSteps) && v.skippedSteps >= 0).toBe(true);
            expect(v.bestValLoss === null || Number.isFinite(v.bestValLoss)).toBe(true);
            expect(Number.isFinite(v.elapsedSeconds)).toBe(true);
            expect(typeof v.dataInfo.dir).toBe('string');
            expect(v.dataInfo.dir).not.toMatch(/(^|[/\\])\.\.([/\\]|$)/);
          }
        },
      ),
      fuzzParams(2000),
    );
  });

  it('random bytes and edits of the valid file', () => {
    fc.assert(
      fc.property(
        fc.oneof(
          fc.uint8Array({ maxLength: 200 }),
          mutatedBytes(original[RunFiles.state]).map((m) => m.bytes),
        ),
        (bytes) => {
          outcome('state bytes', () => decodeTrainerState(bytes, 'trainer_state.json'));
        },
      ),
      fuzzParams(2000),
    );
  });
});

describe('optimizer.safetensors under fuzzing', () => {
  it('edits of the valid file decode, or fail with a SelfsupError; decoded moments are finite', () => {
    fc.assert(
      fc.property(mutatedBytes(original[RunFiles.optimizer]), ({ label, bytes }) => {
        const r = outcome(label, () => decodeOptimizerState(bytes, 'optimizer.safetensors'));
        if (r.ok) {
          for (const [name, t] of r.value.tensors) {
            for (const x of t.data) if (!Number.isFinite(x)) throw new Error(`${label}: ${name} holds ${x}`);
            if (name.endsWith('.exp_avg_sq'))
              for (const x of t.data) if (x < 0) throw new Error(`${label}: ${name} < 0`);
          }
        }
      }),
      fuzzParams(2000),
    );
  });

  it('a truncation at every offset', () => {
    const valid = original[RunFiles.optimizer];
    for (let n = 0; n < valid.length; n += 1) {
      const r = outcome(`truncated at ${n}`, () => decodeOptimizerState(valid.subarray(0, n), 'optimizer.safetensors'));
      expect(r.ok).toBe(false);
    }
  });
});

describe('metrics.jsonl under fuzzing', () => {
  it('random lines, truncations and edits read as the complete records only', () => {
    const path = join(root, 'metrics.jsonl');
    const valid = original[RunFiles.metrics];
    const line = fc.oneof(
      fc.json({ maxDepth: 2 }),
      fc.string({ maxLength: 40 }),
      fc
        .record({ type: fc.constantFrom('train', 'eval', 'x'), step: hostileJsonValue(), loss: hostileJsonValue() })
        .map((r) => JSON.stringify(r)),
      fc.constant(deepJson(20_000)),
    );
    fc.assert(
      fc.property(
        fc.oneof(
          fc.array(line, { maxLength: 8 }).map((lines) => Buffer.from(lines.join('\n'))),
          fc.nat(valid.length).map((n) => valid.subarray(0, n)),
          mutatedBytes(valid).map((m) => m.bytes),
        ),
        (bytes) => {
          rmSync(path, { force: true });
          writeFileSync(path, bytes);
          const r = outcome('metrics', () => readMetrics(path));
          if (r.ok) for (const rec of r.value) expect(Number.isInteger(rec.step)).toBe(true);
        },
      ),
      fuzzParams(1000),
    );
  });
});

describe('the run folder’s JSON files cut short', () => {
  it('a truncation at every offset of checkpoint.json, trainer_state.json and config.json is refused', () => {
    const parsers: [string, (b: Uint8Array) => unknown][] = [
      [RunFiles.manifest, (b) => parseManifest(Buffer.from(b).toString('utf8'), RunFiles.manifest)],
      [RunFiles.state, (b) => decodeTrainerState(b, RunFiles.state)],
      [
        RunFiles.config,
        (b) => fromHfConfig(parseJson(Buffer.from(b).toString('utf8'), RunFiles.config), RunFiles.config),
      ],
    ];
    for (const [name, parse] of parsers) {
      const valid = original[name];
      expect(outcome(`${name} whole`, () => parse(valid)).ok).toBe(true);
      for (let n = 0; n < valid.length - 1; n++) {
        // (all but the final newline: cutting only that leaves a whole file)
        expect(outcome(`${name} cut at ${n}`, () => parse(valid.subarray(0, n))).ok, `${name} cut at ${n}`).toBe(false);
      }
    }
  });
});

describe('a prepared folder as the trainer reads it (meta.json under fuzzing)', () => {
  it('hostile separators, end-of-text ids and sizes give batches of in-vocabulary ids, or a SelfsupError', async () => {
    const mlmData = join(root, 'mlm-prepared');
    await prepareData({ source: join(root, 'corpus.txt'), tokenizer: 'wordpiece:60', outDir: mlmData });
    const metaPath = join(mlmData, 'meta.json');
    const meta = JSON.parse(readFileSync(metaPath, 'utf8'));
    const fields = [
      ['separators', 'cls'],
      ['separators', 'sep'],
      ['separators', 'document'],
      ['tokenizer', 'endOfTextId'],
      ['vocabSize'],
      ['separators'],
      ['tokenizer'],
      ['layout'],
    ];
    const options = resolveOptions({ flags: { objective: 'mlm', blockSize: 8, batchSize: 2, nEmbd: 8, nHead: 2 } });
    fc.assert(
      fc.property(
        fc.array(
          fc.tuple(fc.constantFrom(...fields), fc.oneof(hostileJsonValue(), fc.nat(200), fc.constant(undefined))),
          {
            minLength: 1,
            maxLength: 2,
          },
        ),
        fc.constantFrom('clm' as const, 'mlm' as const),
        (edits, objective) => {
          let m: unknown = meta;
          for (const [path, value] of edits) m = withField(m, path, value);
          rmSync(metaPath, { force: true });
          writeFileSync(metaPath, JSON.stringify(m));
          const label = `meta ${JSON.stringify(edits)} (${objective})`;
          const r = outcome(label, () => {
            const data = openRunData(mlmData);
            const train = data.trainData({ ...options.options, objective });
            const batch = train.stream('train', 1).next();
            return { vocab: data.vocabSize, batch, eos: data.endOfTextId };
          });
          if (r.ok) {
            const { vocab, batch, eos } = r.value;
            for (const id of batch.inputs) if (!(id >= 0 && id < vocab)) throw new Error(`${label}: input id ${id}`);
            for (const id of batch.labels)
              if (!(id === -100 || (id >= 0 && id < vocab))) throw new Error(`${label}: label ${id}`);
            if (eos !== undefined && !(eos >= 0 && eos < vocab)) throw new Error(`${label}: end-of-text id ${eos}`);
          }
        },
      ),
      fuzzParams(500),
    );
    rmSync(metaPath, { force: true });
    writeFileSync(metaPath, JSON.stringify(meta));
  });
});

describe('whole run folders under fuzzing', () => {
  it('the untouched run loads and evaluates', () => {
    const loaded = loadRun(craftedRun({}));
    expect(loaded.step).toBe(3);
    loaded.dispose();
  });

  for (const name of [RunFiles.config, RunFiles.tokenizer, RunFiles.state]) {
    it(`a hostile value at a random field of ${name}, with a matching manifest`, () => {
      const value = json(name);
      const paths = jsonPaths(value, 2000);
      const huge = fc.constantFrom(2 ** 20, 2 ** 24, 2 ** 31 - 1, 2 ** 40, 1e308, 0, -1);
      fc.assert(
        fc.property(
          fc.array(fc.tuple(fc.constantFrom(...paths), fc.oneof(hostileJsonValue(), huge, fc.constant(undefined))), {
            minLength: 1,
            maxLength: 2,
          }),
          (edits) => {
            let v: unknown = value;
            for (const [path, x] of edits) v = withField(v, path, x);
            loadCase(`${name} ${JSON.stringify(edits)}`, craftedRun({ [name]: JSON.stringify(v) }));
          },
        ),
        fuzzParams(300),
      );
    });
  }

  it('exportRun refuses a tokenizer.json or weights it could not read back, writing nothing', () => {
    const tokenizer = json(RunFiles.tokenizer);
    for (const [label, files] of [
      ['added_tokens {}', { [RunFiles.tokenizer]: JSON.stringify({ ...tokenizer, added_tokens: {} }) }],
      ['added_tokens [5]', { [RunFiles.tokenizer]: JSON.stringify({ ...tokenizer, added_tokens: [5] }) }],
      ['weights not safetensors', { [RunFiles.model]: 'not safetensors' }],
    ] as const) {
      const out = join(root, 'export-refused');
      const r = outcome(label, () => exportRun(craftedRun(files), out));
      expect(r.ok, label).toBe(false);
      expect(existsSync(out)).toBe(false);
    }
  });

  it('evaluateRun with a hostile batch size or data folder in trainer_state.json', () => {
    const state = json(RunFiles.state);
    for (const [path, value] of [
      [['options', 'batchSize'], 2 ** 40],
      [['options', 'batchSize'], 1e9],
      [['options', 'blockSize'], 2 ** 31],
      [['dataInfo', 'dir'], '../../../etc'],
      [['dataInfo', 'dir'], join(root, 'nowhere')],
      [['options', 'mlmProbability'], 7],
    ] as const) {
      const dir = craftedRun({ [RunFiles.state]: JSON.stringify(withField(state, [...path], value)) });
      const r = outcome(`${path.join('.')} = ${value}`, () => evaluateRun(dir, { maxBatches: 2 }), {
        maxArrayBufferGrowth: 64 << 20,
        maxMs: 10_000,
      });
      if (r.ok) expect(Number.isFinite(r.value.loss)).toBe(true);
    }
  });
});
