import { existsSync, mkdirSync, mkdtempSync, readdirSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { commitCheckpoint, listArchivedCheckpoints, readCheckpoint } from './checkpoint.js';
import { RunFiles } from './run-folder.js';

const writer = (tag: string) => (dir: string) => {
  writeFileSync(join(dir, RunFiles.model), `weights ${tag}`);
  writeFileSync(join(dir, RunFiles.state), JSON.stringify({ tag }));
};
const text = (files: Map<string, Uint8Array>, name: string) => Buffer.from(files.get(name)!).toString();

describe('--keep-last: earlier checkpoints kept in checkpoints/', () => {
  it('keeps the newest set in the run folder and N-1 earlier ones, each whole and readable', async () => {
    const run = mkdtempSync(join(tmpdir(), 'selfsup-keep-'));
    for (const step of [10, 20, 30, 40, 50]) await commitCheckpoint(run, writer(`s${step}`), { step, keepLast: 3 });
    expect(readCheckpoint(run).manifest?.step).toBe(50);
    const kept = listArchivedCheckpoints(run);
    expect(kept.map((k) => k.step)).toEqual([30, 40]);
    expect(kept[0].dir).toBe(join(run, 'checkpoints', 'step-00000030'));
    for (const { step, dir } of kept) {
      const { manifest, files } = readCheckpoint(dir);
      expect(manifest?.step).toBe(step);
      expect(text(files, RunFiles.model)).toBe(`weights s${step}`);
    }
    // Hard links: while a commit is under way, the archived file is the run folder's own inode, not a copy.
    let links = 0;
    await commitCheckpoint(run, writer('s60'), {
      step: 60,
      keepLast: 3,
      onPhase: (p) => {
        if (p === 'staged') links = statSync(join(run, 'checkpoints', 'step-00000050', RunFiles.model)).nlink;
      },
    });
    expect(links).toBe(2);
    expect(listArchivedCheckpoints(run).map((k) => k.step)).toEqual([40, 50]);
    expect(readdirSync(join(run, 'checkpoints')).sort()).toEqual(['step-00000040', 'step-00000050']);
  });

  it('keep-last 1 (the default) keeps no archive and removes one left by an earlier setting', async () => {
    const run = mkdtempSync(join(tmpdir(), 'selfsup-keep-'));
    await commitCheckpoint(run, writer('a'), { step: 1 });
    await commitCheckpoint(run, writer('b'), { step: 2 });
    expect(existsSync(join(run, 'checkpoints'))).toBe(false);
    await commitCheckpoint(run, writer('c'), { step: 3, keepLast: 2 });
    expect(listArchivedCheckpoints(run).map((k) => k.step)).toEqual([2]);
    await commitCheckpoint(run, writer('d'), { step: 4, keepLast: 1 });
    expect(existsSync(join(run, 'checkpoints'))).toBe(false);
    expect(text(readCheckpoint(run).files, RunFiles.model)).toBe('weights d');
  });

  it('an archive interrupted by a crash is cleaned up; one made before a crash is not made twice', async () => {
    const run = mkdtempSync(join(tmpdir(), 'selfsup-keep-'));
    await commitCheckpoint(run, writer('a'), { step: 1, keepLast: 2 });
    mkdirSync(join(run, 'checkpoints', '.tmp-99999'), { recursive: true });
    writeFileSync(join(run, 'checkpoints', '.tmp-99999', RunFiles.model), 'half');
    // A crash after the archive of step 1 but before the new set was committed: the commit is tried again.
    await expect(
      commitCheckpoint(run, writer('b'), {
        step: 2,
        keepLast: 2,
        onPhase: (p) => {
          if (p === 'staged') throw new Error('crash');
        },
      }),
    ).rejects.toThrow('crash');
    expect(listArchivedCheckpoints(run).map((k) => k.step)).toEqual([1]);
    await commitCheckpoint(run, writer('b'), { step: 2, keepLast: 2 });
    expect(readdirSync(join(run, 'checkpoints'))).toEqual(['step-00000001']);
    expect(text(readCheckpoint(join(run, 'checkpoints', 'step-00000001')).files, RunFiles.model)).toBe('weights a');
    expect(text(readCheckpoint(run).files, RunFiles.model)).toBe('weights b');
  });
});
