/** `selfsup plot`: the loss curves of a run as SVG or PNG, drawn here without native dependencies. */
import { basename, extname, join, resolve } from 'node:path';
import { usageError, writeFileAtomicSync } from '@selfsup/core';
import { type MetricRecord, readMetrics } from './metrics.js';
import { type ChartOptions, lossChart } from './plot/loss-chart.js';
import { encodePng } from './plot/png.js';
import { rasterize } from './plot/raster.js';
import { renderSvg } from './plot/svg.js';
import { RunFiles } from './run-folder.js';

export type { ChartOptions } from './plot/loss-chart.js';

export function lossCurveSvg(records: readonly MetricRecord[], options: ChartOptions = {}): string {
  return renderSvg(lossChart(records, options));
}

export function lossCurvePng(records: readonly MetricRecord[], options: ChartOptions = {}): Uint8Array {
  return encodePng(rasterize(lossChart(records, options)));
}

export interface PlotResult {
  out: string;
  format: 'svg' | 'png';
  trainPoints: number;
  evalPoints: number;
}

/** Reads `RUN/metrics.jsonl` and writes the chart to `out` (`.svg` or `.png`, chosen by the extension). */
export function plotRun(runDir: string, out: string, options: ChartOptions = {}): PlotResult {
  const ext = extname(out).toLowerCase();
  if (ext !== '.svg' && ext !== '.png') throw usageError(`--out ${out}: expected a .svg or .png file name`);
  const records = readMetrics(join(runDir, RunFiles.metrics));
  const chartOptions = { title: `loss — ${basename(resolve(runDir))}`, ...options };
  const data = ext === '.svg' ? lossCurveSvg(records, chartOptions) : lossCurvePng(records, chartOptions);
  writeFileAtomicSync(out, data);
  return {
    out,
    format: ext === '.svg' ? 'svg' : 'png',
    trainPoints: records.filter((r) => r.type === 'train').length,
    evalPoints: records.filter((r) => r.type === 'eval').length,
  };
}
