/**
 * Fuzzing `importRun` (`selfsup import`): a Hugging Face folder, or the folder train_ddp.py writes, from anywhere.
 * Hostile values at every field of `config.json` and `train_state.json` (huge sizes included) and edited weights end
 * in an imported run or a SelfsupError — never a crash, a giant allocation, or a run folder that was half written.
 */
import { cpSync, existsSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import '@tensorflow/tfjs-backend-cpu';
import { fuzzParams, hostileJsonValue, jsonPaths, mutatedBytes, outcomeAsync, withField } from '@selfsup/core/testing';
import { prepareData } from '@selfsup/dataset';
import * as tf from '@tensorflow/tfjs-core';
import fc from 'fast-check';
import { beforeAll, describe, expect, it } from 'vitest';
import { importRun, snakeOption, TRAIN_DDP_STATE, TRAIN_DDP_STATE_FORMAT } from './interop.js';
import { exportRun, loadRun } from './open-run.js';
import { OPTION_NAMES, resolveOptions } from './options.js';
import { RunFiles } from './run-folder.js';
import { train } from './session.js';

const root = mkdtempSync(join(tmpdir(), 'selfsup-import-fuzz-'));
const hf = join(root, 'hf');
const from = join(root, 'from');
let data: string;
let config: Record<string, unknown>;
let state: Record<string, unknown>;

beforeAll(async () => {
  await tf.setBackend('cpu');
  writeFileSync(join(root, 'corpus.txt'), 'an imported run keeps its place in the data.\n'.repeat(40));
  data = join(root, 'prepared');
  await prepareData({ source: join(root, 'corpus.txt'), tokenizer: 'char', outDir: data });
  const options = resolveOptions({
    flags: { nLayer: 1, nHead: 2, nEmbd: 8, blockSize: 8, batchSize: 2, maxIters: 2, evalIters: 1, evalInterval: 2 },
  }).options;
  const run = join(root, 'run');
  await train({ out: run, data, options, sampleTokens: 0 }).finished();
  exportRun(run, hf);
  cpSync(join(run, RunFiles.optimizer), join(hf, RunFiles.optimizer));
  config = JSON.parse(readFileSync(join(hf, RunFiles.config), 'utf8'));
  const saved = JSON.parse(readFileSync(join(run, RunFiles.state), 'utf8'));
  state = {
    format: TRAIN_DDP_STATE_FORMAT,
    step: saved.step,
    tokens_seen: saved.tokensSeen,
    skipped_steps: 0,
    best_val_loss: saved.bestValLoss,
    best_val_step: saved.bestValStep,
    last_eval: saved.lastEval,
    elapsed_seconds: 1.5,
    data_state: saved.data,
    options: Object.fromEntries(OPTION_NAMES.map((n) => [snakeOption(n), saved.options[n]])),
    data_dir: data,
  };
});

/** A copy of the folder with `files` replaced (undefined deletes). */
function folder(files: Record<string, string | Uint8Array | undefined>): string {
  rmSync(from, { recursive: true, force: true });
  cpSync(hf, from, { recursive: true });
  for (const [name, content] of Object.entries(files)) {
    if (content === undefined) rmSync(join(from, name), { force: true });
    else writeFileSync(join(from, name), content);
  }
  return from;
}

let n = 0;
async function importCase(label: string, dir: string): Promise<void> {
  const out = join(root, `out-${n++}`);
  const before = tf.memory().numTensors;
  const r = await outcomeAsync(label, () => importRun(dir, out), { maxArrayBufferGrowth: 64 << 20, maxMs: 5000 });
  if (r.ok) {
    const loaded = loadRun(out);
    expect(loaded.model.config.vocabSize).toBeGreaterThan(0);
    loaded.dispose();
  } else {
    // Refused: nothing made (or an empty folder removed), never a half-written run.
    expect(!existsSync(out) || readdirSync(out).length === 0, `${label}: ${out} left behind`).toBe(true);
  }
  rmSync(out, { recursive: true, force: true });
  expect(tf.memory().numTensors, `${label}: tensors left behind`).toBe(before);
}

describe('importRun under fuzzing', () => {
  it('imports the untouched folder, with and without train_state.json', async () => {
    const plain = await importRun(folder({}), join(root, 'plain'));
    expect(plain.resumable).toBe(false);
    const resumable = await importRun(folder({ [TRAIN_DDP_STATE]: JSON.stringify(state) }), join(root, 'resumable'));
    expect(resumable).toMatchObject({ resumable: true, step: 2, dataFound: true });
  });

  it('a hostile value at a random field of config.json (huge sizes too)', async () => {
    const huge = fc.constantFrom(2 ** 20, 2 ** 24, 2 ** 31 - 1, 2 ** 40, 1e308, 0, -1);
    await fc.assert(
      fc.asyncProperty(
        fc.array(
          fc.tuple(fc.constantFrom(...jsonPaths(config)), fc.oneof(hostileJsonValue(), huge, fc.constant(undefined))),
          {
            minLength: 1,
            maxLength: 2,
          },
        ),
        async (edits) => {
          let c: unknown = config;
          for (const [path, value] of edits) c = withField(c, path, value);
          await importCase(`config ${JSON.stringify(edits)}`, folder({ [RunFiles.config]: JSON.stringify(c) }));
        },
      ),
      fuzzParams(120),
    );
  });

  it('a hostile value at a random field of train_state.json', async () => {
    await fc.assert(
      fc.asyncProperty(
        fc.array(fc.tuple(fc.constantFrom(...jsonPaths(state)), fc.oneof(hostileJsonValue(), fc.constant(undefined))), {
          minLength: 1,
          maxLength: 2,
        }),
        async (edits) => {
          let s: unknown = state;
          for (const [path, value] of edits) s = withField(s, path, value);
          await importCase(`train_state ${JSON.stringify(edits)}`, folder({ [TRAIN_DDP_STATE]: JSON.stringify(s) }));
        },
      ),
      fuzzParams(120),
    );
  });

  it('edited weights and optimizer files', async () => {
    const weights = readFileSync(join(hf, RunFiles.model));
    const optimizer = readFileSync(join(hf, RunFiles.optimizer));
    await fc.assert(
      fc.asyncProperty(fc.boolean(), mutatedBytes(weights), mutatedBytes(optimizer), async (which, w, o) => {
        const files = which
          ? { [RunFiles.model]: w.bytes }
          : { [RunFiles.optimizer]: o.bytes, [TRAIN_DDP_STATE]: JSON.stringify(state) };
        await importCase(which ? `weights ${w.label}` : `optimizer ${o.label}`, folder(files));
      }),
      fuzzParams(100),
    );
  });
});
