/** The train/val loss chart of a run's `metrics.jsonl`: per-step training loss, and both losses at each evaluation. */
import type { MetricRecord } from '../metrics.js';
import type { Scene, Shape } from './scene.js';

export interface ChartOptions {
  width?: number;
  height?: number;
  title?: string;
}

export const SERIES_COLORS = { step: '#9ecae1', train: '#1f77b4', val: '#ff7f0e' } as const;

export function lossChart(records: readonly MetricRecord[], options: ChartOptions = {}): Scene {
  const width = options.width ?? 800;
  const height = options.height ?? 480;
  const shapes: Shape[] = [];
  const box = { left: 72, right: width - 24, top: 56, bottom: height - 56 };
  const finite = (p: [number, number]) => Number.isFinite(p[0]) && Number.isFinite(p[1]);
  const steps = records
    .filter((r) => r.type === 'train')
    .map((r) => [r.step, r.loss] as [number, number])
    .filter(finite);
  const evals = records.filter((r) => r.type === 'eval');
  const train = evals.map((r) => [r.step, r.trainLoss] as [number, number]).filter(finite);
  const val = evals.map((r) => [r.step, r.valLoss] as [number, number]).filter(finite);
  const all = [...steps, ...train, ...val];
  if (options.title) shapes.push(text(width / 2, 30, options.title, 16, 'middle', '#222'));
  if (all.length === 0) {
    shapes.push(text(width / 2, height / 2, 'no losses logged yet', 14, 'middle', '#666'));
    return { width, height, background: '#ffffff', shapes };
  }
  const xMax = Math.max(1, ...all.map((p) => p[0]));
  let yMin = Math.min(...all.map((p) => p[1]));
  let yMax = Math.max(...all.map((p) => p[1]));
  if (yMax - yMin < 1e-9) {
    yMin -= 0.5;
    yMax += 0.5;
  }
  const yTicks = niceTicks(yMin, yMax, 6);
  const xTicks = niceTicks(0, xMax, 8);
  yMin = Math.min(yMin, yTicks[0]);
  yMax = Math.max(yMax, yTicks[yTicks.length - 1]);
  const px = (x: number) => box.left + (x / Math.max(xMax, xTicks[xTicks.length - 1])) * (box.right - box.left);
  const py = (y: number) => box.bottom - ((y - yMin) / (yMax - yMin)) * (box.bottom - box.top);
  const at = (p: [number, number]): [number, number] => [px(p[0]), py(p[1])];

  for (const t of yTicks) {
    shapes.push({
      kind: 'line',
      points: [
        [box.left, py(t)],
        [box.right, py(t)],
      ],
      stroke: '#e6e6e6',
      width: 1,
    });
    shapes.push(text(box.left - 8, py(t) + 4, formatTick(t, yTicks), 12, 'end', '#444'));
  }
  for (const t of xTicks) {
    shapes.push({
      kind: 'line',
      points: [
        [px(t), box.top],
        [px(t), box.bottom],
      ],
      stroke: '#f0f0f0',
      width: 1,
    });
    shapes.push(text(px(t), box.bottom + 18, formatTick(t, xTicks), 12, 'middle', '#444'));
  }
  shapes.push({
    kind: 'line',
    points: [
      [box.left, box.top],
      [box.left, box.bottom],
      [box.right, box.bottom],
    ],
    stroke: '#333',
    width: 1,
  });
  shapes.push(text((box.left + box.right) / 2, height - 14, 'step', 13, 'middle', '#222'));
  shapes.push(text(box.left, box.top - 10, 'loss', 13, 'middle', '#222'));

  const legend: [string, string][] = [];
  if (steps.length > 0) {
    shapes.push({ kind: 'line', points: steps.map(at), stroke: SERIES_COLORS.step, width: 1.5 });
    legend.push(['train loss (logged steps)', SERIES_COLORS.step]);
  }
  for (const [series, color, label] of [
    [train, SERIES_COLORS.train, 'train loss (eval)'],
    [val, SERIES_COLORS.val, 'val loss (eval)'],
  ] as const) {
    if (series.length === 0) continue;
    if (series.length > 1) shapes.push({ kind: 'line', points: series.map(at), stroke: color, width: 2.5 });
    for (const p of series) shapes.push({ kind: 'circle', x: px(p[0]), y: py(p[1]), r: 3.5, fill: color });
    legend.push([label, color]);
  }
  legend.forEach(([label, color], i) => {
    const y = box.top + 16 + i * 20;
    shapes.push({
      kind: 'line',
      points: [
        [box.right - 230, y - 4],
        [box.right - 206, y - 4],
      ],
      stroke: color,
      width: 3,
    });
    shapes.push(text(box.right - 198, y, label, 12, 'start', '#222'));
  });
  return { width, height, background: '#ffffff', shapes };
}

function text(
  x: number,
  y: number,
  value: string,
  size: number,
  anchor: 'start' | 'middle' | 'end',
  fill: string,
): Shape {
  return { kind: 'text', x, y, text: value, size, anchor, fill };
}

/** Round tick values covering [lo, hi]: steps of 1, 2, 2.5 or 5 times a power of ten. */
export function niceTicks(lo: number, hi: number, target: number): number[] {
  const span = hi - lo || 1;
  const raw = span / Math.max(1, target);
  const power = 10 ** Math.floor(Math.log10(raw));
  const step = [1, 2, 2.5, 5, 10].map((m) => m * power).find((s) => s >= raw) ?? 10 * power;
  const first = Math.floor(lo / step) * step;
  const out: number[] = [];
  for (let v = first; v <= hi + step * 1e-9; v += step) out.push(Number(v.toPrecision(12)));
  if (out[out.length - 1] < hi) out.push(Number((out[out.length - 1] + step).toPrecision(12)));
  return out;
}

function formatTick(value: number, ticks: number[]): string {
  const step = ticks.length > 1 ? Math.abs(ticks[1] - ticks[0]) : 1;
  const decimals = Math.max(0, -Math.floor(Math.log10(step) + 1e-9));
  return value.toFixed(decimals);
}
