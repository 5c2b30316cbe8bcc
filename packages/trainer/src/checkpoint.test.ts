import { existsSync, mkdtempSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import {
  type CheckpointPhase,
  commitCheckpoint,
  hasCheckpoint,
  readCheckpoint,
  recoverRunFolder,
} from './checkpoint.js';
import { RunFiles } from './run-folder.js';

function writer(tag: string) {
  return (dir: string) => {
    writeFileSync(join(dir, 'model.safetensors'), `weights ${tag}`);
    writeFileSync(join(dir, 'optimizer.safetensors'), `moments ${tag}`);
    writeFileSync(join(dir, 'trainer_state.json'), JSON.stringify({ tag }));
  };
}

function contents(files: Map<string, Uint8Array>): Record<string, string> {
  return Object.fromEntries([...files].map(([k, v]) => [k, Buffer.from(v).toString()]));
}

const crashPoints: CheckpointPhase[] = [
  'staged',
  'committed',
  'moved:model.safetensors',
  'moved:optimizer.safetensors',
  'moved:trainer_state.json',
  'done',
];

describe('checkpoint sets', () => {
  it('writes the files and a manifest, the trainer state moved last, leaving no temporary folders', async () => {
    const run = mkdtempSync(join(tmpdir(), 'selfsup-ckpt-'));
    expect(hasCheckpoint(run)).toBe(false);
    const order: string[] = [];
    const manifest = await commitCheckpoint(run, writer('A'), { step: 10, onPhase: (p) => order.push(p) });
    expect(order).toEqual(crashPoints);
    expect(manifest.files.map((f) => f.name)).toEqual([
      'model.safetensors',
      'optimizer.safetensors',
      'trainer_state.json',
    ]);
    expect(readdirSync(run).sort()).toEqual([
      'checkpoint.json',
      'model.safetensors',
      'optimizer.safetensors',
      'trainer_state.json',
    ]);
    expect(hasCheckpoint(run)).toBe(true);
    const read = readCheckpoint(run);
    expect(read.manifest?.step).toBe(10);
    expect(contents(read.files)['model.safetensors']).toBe('weights A');
  });

  for (const crashAt of crashPoints) {
    it(`a crash at '${crashAt}' leaves one whole set, readable before and after recovery`, async () => {
      const run = mkdtempSync(join(tmpdir(), 'selfsup-ckpt-'));
      await commitCheckpoint(run, writer('A'), { step: 1 });
      await expect(
        commitCheckpoint(run, writer('B'), {
          step: 2,
          onPhase: (p) => {
            if (p === crashAt) throw new Error('crash');
          },
        }),
      ).rejects.toThrow('crash');
      const committed = crashAt !== 'staged';
      const expected = committed ? 'B' : 'A';
      // A reader without the lock sees one consistent set without changing anything.
      const before = readCheckpoint(run);
      expect(Object.values(contents(before.files)).every((v) => v.includes(expected))).toBe(true);
      expect(before.manifest?.step).toBe(committed ? 2 : 1);
      // The lock holder's recovery makes the folder clean.
      recoverRunFolder(run);
      expect(existsSync(join(run, RunFiles.ready))).toBe(false);
      expect(existsSync(join(run, RunFiles.staging))).toBe(false);
      const after = readCheckpoint(run);
      expect(contents(after.files)).toEqual(contents(before.files));
      expect(JSON.parse(readFileSync(join(run, 'trainer_state.json'), 'utf8')).tag).toBe(expected);
    });
  }

  it('reads only the named files, and a folder without a manifest as it is', async () => {
    const run = mkdtempSync(join(tmpdir(), 'selfsup-ckpt-'));
    await commitCheckpoint(run, writer('A'), { step: 1 });
    expect([...readCheckpoint(run, ['model.safetensors']).files.keys()]).toEqual(['model.safetensors']);
    expect(() => readCheckpoint(run, ['tokenizer.json'])).toThrow(/has no tokenizer\.json/);
    const hf = mkdtempSync(join(tmpdir(), 'selfsup-hf-'));
    writeFileSync(join(hf, 'config.json'), '{}');
    const plain = readCheckpoint(hf, ['config.json']);
    expect(plain.manifest).toBeNull();
    expect(contents(plain.files)).toEqual({ 'config.json': '{}' });
    expect(() => readCheckpoint(hf, ['model.safetensors'])).toThrow(/model\.safetensors: not found/);
  });

  it('refuses a damaged file instead of returning a mixed set', async () => {
    const run = mkdtempSync(join(tmpdir(), 'selfsup-ckpt-'));
    await commitCheckpoint(run, writer('A'), { step: 1 });
    writeFileSync(join(run, 'model.safetensors'), 'weights Z');
    expect(() => readCheckpoint(run, undefined, 2)).toThrow(
      /damaged or keeps changing \(model\.safetensors does not match/,
    );
  });
});
