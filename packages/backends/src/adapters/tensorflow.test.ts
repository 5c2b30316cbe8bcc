/**
 * The `tensorflow` adapter and `auto`'s order, with fake tfjs-node modules (the real ones cannot install here): a fake
 * module registers a 'tensorflow' backend when imported, as tfjs-node does.
 */
import { createRequire } from 'node:module';
import { SelfsupError } from '@selfsup/core';
import { MathBackendCPU } from '@tensorflow/tfjs-backend-cpu';
import * as tf from '@tensorflow/tfjs-core';
import { afterEach, describe, expect, it } from 'vitest';
import { decideAuto, selectBackend } from '../select.js';
import type { BackendInfo } from '../types.js';
import { WASM_VERSION } from '../wasm/loader.js';
import { probeTensorflow, TFJS_NODE, TFJS_NODE_GPU } from './tensorflow.js';

function notFound(name: string): Error {
  return Object.assign(new Error(`Cannot find package '${name}'`), { code: 'ERR_MODULE_NOT_FOUND' });
}

/** An importer where `present` modules register a 'tensorflow' backend (on a CUDA GPU when `gpu`). */
function fakeImporter(present: Partial<Record<string, 'gpu' | 'cpu' | 'broken'>>) {
  return async (name: string) => {
    const kind = present[name];
    if (kind === undefined) throw notFound(name);
    if (kind === 'broken') throw new Error('libtensorflow.so.2: cannot open shared object file\nmore detail');
    if (!tf.findBackendFactory('tensorflow')) {
      tf.registerBackend(
        'tensorflow',
        () => Object.assign(new MathBackendCPU(), { isUsingGpuDevice: kind === 'gpu' }),
        1,
      );
    }
    return {};
  };
}

afterEach(async () => {
  await tf.setBackend('cpu');
  if (tf.findBackendFactory('tensorflow')) tf.removeBackend('tensorflow');
});

describe('tensorflow adapter', () => {
  it('says how to install it when neither tfjs-node package is there', async () => {
    const probe = await probeTensorflow({ importModule: fakeImporter({}) });
    expect(probe.info.available).toBe(false);
    expect(probe.info.reason).toMatch(/npm install @tensorflow\/tfjs-node@4\.22\.0/);
    const err = await selectBackend('tensorflow', { importModule: fakeImporter({}) }).catch((e) => e);
    expect(err).toBeInstanceOf(SelfsupError);
    expect((err as SelfsupError).message).toMatch(
      /backend 'tensorflow' is not available here: not installed: `npm install/,
    );
  });

  it('reports a broken install in one line', async () => {
    const probe = await probeTensorflow({ importModule: fakeImporter({ [TFJS_NODE]: 'broken' }) });
    expect(probe.info.available).toBe(false);
    expect(probe.info.reason).toBe(
      '@tensorflow/tfjs-node is installed but failed to load (libtensorflow.so.2: cannot open shared object file)',
    );
  });

  it('uses tfjs-node on the CPU and makes it the active backend', async () => {
    const choice = await selectBackend('tensorflow', { importModule: fakeImporter({ [TFJS_NODE]: 'cpu' }) });
    expect(choice).toMatchObject({ name: 'tensorflow', device: 'cpu' });
    expect(tf.getBackend()).toBe('tensorflow');
  });

  it('auto picks tfjs-node-gpu on a CUDA device first', async () => {
    const choice = await selectBackend('auto', { importModule: fakeImporter({ [TFJS_NODE_GPU]: 'gpu' }) });
    expect(choice).toMatchObject({ name: 'tensorflow', device: 'gpu' });
    expect(choice.reason).toMatch(/^auto: @tensorflow\/tfjs-node-gpu: libtensorflow on the CUDA GPU/);
  });
});

describe('auto', () => {
  const info = (name: BackendInfo['name'], available: boolean, extra: Partial<BackendInfo> = {}): BackendInfo => ({
    name,
    available,
    reason: `${name} ${available ? 'here' : 'missing'}`,
    ...extra,
  });
  const cases: [string, BackendInfo[], string][] = [
    [
      'tensorflow on a GPU beats a real WebGPU adapter',
      [info('tensorflow', true, { device: 'gpu' }), info('webgpu', true), info('wasm', true), info('cpu', true)],
      'tensorflow',
    ],
    [
      'a real WebGPU adapter beats tensorflow on the CPU',
      [info('tensorflow', true, { device: 'cpu' }), info('webgpu', true), info('wasm', true), info('cpu', true)],
      'webgpu',
    ],
    [
      'a software WebGPU adapter is passed over',
      [info('tensorflow', false), info('webgpu', true, { software: true }), info('wasm', true), info('cpu', true)],
      'wasm',
    ],
    [
      'tensorflow on the CPU beats wasm',
      [info('tensorflow', true, { device: 'cpu' }), info('webgpu', false), info('wasm', true), info('cpu', true)],
      'tensorflow',
    ],
    [
      'cpu when nothing else is here',
      [info('tensorflow', false), info('webgpu', false), info('wasm', false), info('cpu', true)],
      'cpu',
    ],
  ];
  for (const [name, infos, expected] of cases) {
    it(name, () => {
      const pick = decideAuto(infos);
      expect(pick.name).toBe(expected);
      expect(pick.reason).toMatch(/^auto: /);
    });
  }
  it('says what it passed over and why', () => {
    const pick = decideAuto([
      info('tensorflow', false),
      info('webgpu', true, { software: true, reason: 'adapter swiftshader is software' }),
      info('wasm', true),
      info('cpu', true),
    ]);
    expect(pick.reason).toContain('tensorflow-gpu: tensorflow missing');
    expect(pick.reason).toContain('webgpu: adapter swiftshader is software');
  });
});

describe('wasm loader pin', () => {
  it('the installed tfjs-backend-wasm is the version the loader was written for', () => {
    const require = createRequire(import.meta.url);
    expect((require('@tensorflow/tfjs-backend-wasm/package.json') as { version: string }).version).toBe(WASM_VERSION);
  });
});
