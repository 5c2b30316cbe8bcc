import { appendFileSync, mkdtempSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { appendMetric, readMetrics, truncateMetrics } from './metrics.js';

describe('metrics.jsonl', () => {
  it('appends, reads back (NaN included), skips a torn last line, and truncates for a resume', () => {
    const path = join(mkdtempSync(join(tmpdir(), 'selfsup-metrics-')), 'metrics.jsonl');
    for (let step = 10; step <= 40; step += 10) {
      appendMetric(path, {
        type: 'train',
        step,
        loss: 4 - step / 100,
        lr: 1e-3,
        gradNorm: 1,
        msPerStep: 5,
        tokensPerSec: 100,
        elapsed: step,
      });
    }
    appendMetric(path, { type: 'eval', step: 20, trainLoss: 3.8, valLoss: Number.NaN, elapsed: 20 });
    appendFileSync(path, '{"type":"train","step":50,"lo');
    const records = readMetrics(path);
    expect(records.map((r) => r.step)).toEqual([10, 20, 30, 40, 20]);
    expect(records[4]).toMatchObject({ type: 'eval', trainLoss: 3.8 });
    expect(Number.isNaN((records[4] as { valLoss: number }).valLoss)).toBe(true);
    truncateMetrics(path, 20);
    expect(readMetrics(path).map((r) => `${r.type}@${r.step}`)).toEqual(['train@10', 'train@20', 'eval@20']);
    expect(readFileSync(path, 'utf8').endsWith('\n')).toBe(true);
    expect(() => readMetrics(join(tmpdir(), 'no-such-dir-xyz', 'metrics.jsonl'))).toThrow(/metrics\.jsonl: not found/);
  });
});
