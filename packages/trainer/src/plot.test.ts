import { mkdtempSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { inflateSync } from 'node:zlib';
import { describe, expect, it } from 'vitest';
import { appendMetric, type MetricRecord } from './metrics.js';
import { niceTicks } from './plot/loss-chart.js';
import { crc32 } from './plot/png.js';
import { lossCurvePng, lossCurveSvg, plotRun } from './plot.js';

const records: MetricRecord[] = [
  { type: 'eval', step: 0, trainLoss: 4.2, valLoss: 4.21, elapsed: 0 },
  ...Array.from({ length: 20 }, (_, i) => ({
    type: 'train' as const,
    step: (i + 1) * 10,
    loss: 4 - i * 0.1,
    lr: 1e-3,
    gradNorm: 1,
    msPerStep: 5,
    tokensPerSec: 1,
    elapsed: i,
  })),
  { type: 'eval', step: 100, trainLoss: 3.1, valLoss: 3.3, elapsed: 10 },
  { type: 'eval', step: 200, trainLoss: 2.1, valLoss: 2.4, elapsed: 20 },
];

/** Decodes our own PNG output: chunk CRCs checked, pixels inflated. */
function decodePng(png: Uint8Array) {
  expect([...png.subarray(0, 8)]).toEqual([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a]);
  const view = new DataView(png.buffer, png.byteOffset, png.byteLength);
  let at = 8;
  let width = 0;
  let height = 0;
  const idat: Uint8Array[] = [];
  while (at < png.length) {
    const len = view.getUint32(at);
    const type = String.fromCharCode(...png.subarray(at + 4, at + 8));
    const data = png.subarray(at + 8, at + 8 + len);
    expect(view.getUint32(at + 8 + len)).toBe(crc32(png.subarray(at + 4, at + 8 + len)));
    if (type === 'IHDR') {
      width = new DataView(data.buffer, data.byteOffset).getUint32(0);
      height = new DataView(data.buffer, data.byteOffset).getUint32(4);
    }
    if (type === 'IDAT') idat.push(data);
    at += 12 + len;
  }
  const raw = inflateSync(Buffer.concat(idat));
  expect(raw.length).toBe((width * 3 + 1) * height);
  const pixel = (x: number, y: number) => [
    ...raw.subarray(y * (width * 3 + 1) + 1 + x * 3, y * (width * 3 + 1) + 4 + x * 3),
  ];
  return { width, height, pixel, raw };
}

describe('loss plots', () => {
  it('computes CRC-32 and round tick values', () => {
    expect(crc32(new TextEncoder().encode('123456789'))).toBe(0xcbf43926);
    expect(niceTicks(1.83, 4.2, 6)).toEqual([1.5, 2, 2.5, 3, 3.5, 4, 4.5]);
    expect(niceTicks(0, 2000, 8)).toEqual([0, 250, 500, 750, 1000, 1250, 1500, 1750, 2000]);
  });

  it('draws an SVG with both eval curves, the per-step loss and a legend', () => {
    const svg = lossCurveSvg(records, { title: 'loss — run <1>' });
    expect(svg.startsWith('<svg xmlns="http://www.w3.org/2000/svg"')).toBe(true);
    expect(svg).toContain('loss — run &lt;1&gt;');
    expect(svg.match(/<polyline[^>]*stroke="#ff7f0e"/g)?.length).toBe(2); // the curve and its legend swatch
    expect(svg.match(/<circle[^>]*fill="#ff7f0e"/g)?.length).toBe(3);
    expect(svg).toContain('val loss (eval)');
    expect(svg).toContain('train loss (logged steps)');
    expect(svg).toContain('>200<');
    expect(lossCurveSvg([])).toContain('no losses logged yet');
  });

  it('draws a valid PNG with the curves in their colours', () => {
    const { width, height, pixel, raw } = decodePng(lossCurvePng(records, { width: 400, height: 300 }));
    expect([width, height]).toEqual([400, 300]);
    expect(pixel(0, 0)).toEqual([255, 255, 255]);
    let orange = 0;
    for (let y = 0; y < height; y++) for (let x = 0; x < width; x++) if (pixel(x, y).join() === '255,127,14') orange++;
    expect(orange).toBeGreaterThan(50);
    expect(raw.length).toBeGreaterThan(0);
  });

  it('plots a run folder to .svg or .png and refuses other extensions', () => {
    const run = mkdtempSync(join(tmpdir(), 'selfsup-plot-'));
    for (const r of records) appendMetric(join(run, 'metrics.jsonl'), r);
    const svg = plotRun(run, join(run, 'loss.svg'));
    expect(svg).toMatchObject({ format: 'svg', trainPoints: 20, evalPoints: 3 });
    expect(readFileSync(join(run, 'loss.svg'), 'utf8')).toContain('</svg>');
    plotRun(run, join(run, 'loss.png'));
    expect(readFileSync(join(run, 'loss.png')).subarray(1, 4).toString()).toBe('PNG');
    expect(() => plotRun(run, join(run, 'loss.jpg'))).toThrow(/expected a \.svg or \.png file name/);
  });
});
