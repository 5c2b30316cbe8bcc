import { chmodSync, existsSync, mkdtempSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { isTempPath, tempPathFor, writeFileAtomicSync } from './atomic-write.js';
import { SelfsupError } from './errors.js';

describe('writeFileAtomicSync', () => {
  it('replaces the file whole and leaves no temporary behind', () => {
    const dir = mkdtempSync(join(tmpdir(), 'selfsup-aw-'));
    const file = join(dir, 'a.bin');
    writeFileSync(file, 'old');
    writeFileAtomicSync(file, [Uint8Array.from([1, 2]), Uint8Array.from([3])]);
    expect([...readFileSync(file)]).toEqual([1, 2, 3]);
    expect(readdirSync(dir)).toEqual(['a.bin']);
  });

  it('keeps the old file and cleans up when the folder is read-only', () => {
    if (process.getuid?.() === 0) return; // root ignores permissions; the CLI crash tests cover this as non-root
    const dir = mkdtempSync(join(tmpdir(), 'selfsup-aw-'));
    const file = join(dir, 'a.txt');
    writeFileSync(file, 'old');
    chmodSync(dir, 0o500);
    try {
      expect(() => writeFileAtomicSync(file, 'new')).toThrow(SelfsupError);
      expect(readFileSync(file, 'utf8')).toBe('old');
    } finally {
      chmodSync(dir, 0o700);
    }
  });

  it('reports a missing folder as an error naming the path, unless asked to create it', () => {
    const dir = mkdtempSync(join(tmpdir(), 'selfsup-aw-'));
    const file = join(dir, 'sub', 'x.txt');
    expect(() => writeFileAtomicSync(file, 'x')).toThrow(/cannot write .*x\.txt: not found/);
    writeFileAtomicSync(file, 'x', { mkdir: true });
    expect(existsSync(file)).toBe(true);
  });

  it('recognises its own temporary names', () => {
    expect(isTempPath(tempPathFor('/a/b/model.safetensors'))).toBe(true);
    expect(isTempPath('/a/b/model.safetensors')).toBe(false);
  });
});
