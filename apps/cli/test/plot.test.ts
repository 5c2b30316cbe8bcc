import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import { cliBuilt, MICRO, runCli } from './run-cli.js';

let root = '';
let run = '';

describe.runIf(cliBuilt())('selfsup plot', () => {
  beforeAll(() => {
    root = mkdtempSync(join(tmpdir(), 'selfsup-cli-plot-'));
    writeFileSync(join(root, 'c.txt'), 'plot the loss curve.\n'.repeat(100));
    run = join(root, 'run');
    expect(
      runCli([
        'train',
        '--out',
        run,
        '--data',
        join(root, 'c.txt'),
        ...MICRO,
        '--max-iters',
        '12',
        '--eval-interval',
        '4',
        '--log-interval',
        '2',
      ]).code,
    ).toBe(0);
  });

  it('draws the curves as SVG and as PNG', () => {
    const svg = runCli(['plot', '--run', run, '--out', join(root, 'loss.svg'), '--json']);
    expect(svg.code).toBe(0);
    expect(JSON.parse(svg.stdout)).toMatchObject({ format: 'svg', trainPoints: 7, evalPoints: 4 });
    const text = readFileSync(join(root, 'loss.svg'), 'utf8');
    expect(text).toContain('<svg');
    expect(text).toContain('val loss (eval)');
    const png = runCli(['plot', '--run', run, '--out', join(root, 'loss.png'), '--width', '400', '--height', '300']);
    expect(png.code).toBe(0);
    expect(png.stdout).toMatch(/^wrote .*loss\.png \(7 logged steps, 4 evaluations\)/);
    const bytes = readFileSync(join(root, 'loss.png'));
    expect(bytes.subarray(1, 4).toString()).toBe('PNG');
    expect(bytes.readUInt32BE(16)).toBe(400);
    expect(bytes.readUInt32BE(20)).toBe(300);
  });

  it('refuses an unknown image type and a run without metrics', () => {
    const r = runCli(['plot', '--run', run, '--out', join(root, 'loss.jpg')]);
    expect(r.code).toBe(2);
    expect(r.stderr).toMatch(/expected a \.svg or \.png file name/);
    const none = runCli(['plot', '--run', join(root, 'nothing'), '--out', join(root, 'x.svg')]);
    expect(none.code).toBe(2);
    expect(none.stderr).toMatch(/metrics\.jsonl: not found/);
  });
});
