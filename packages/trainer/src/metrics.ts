/**
 * `metrics.jsonl`: one JSON object per logged step (`type: "train"`) and per evaluation (`type: "eval"`), appended as
 * training goes. A line cut short by a crash is ignored when reading; a resume drops the records after the step it
 * continues from, so the file always describes one history.
 */
import { appendFileSync, readFileSync } from 'node:fs';
import { describeFsError, inputError, isInputFsError, runtimeError, writeFileAtomicSync } from '@selfsup/core';

export interface TrainRecord {
  type: 'train';
  step: number;
  loss: number;
  lr: number;
  gradNorm: number;
  msPerStep: number;
  tokensPerSec: number;
  /** Seconds of training since the run began (resumes included). */
  elapsed: number;
  skipped?: boolean;
}

export interface EvalRecord {
  type: 'eval';
  step: number;
  trainLoss: number;
  valLoss: number;
  elapsed: number;
}

export type MetricRecord = TrainRecord | EvalRecord;

export function appendMetric(path: string, record: MetricRecord): void {
  try {
    appendFileSync(path, `${JSON.stringify(record, finiteOrString)}\n`);
  } catch (err) {
    throw runtimeError(`cannot write ${path}: ${describeFsError(err)}`, err);
  }
}

/** Every complete record of the file, in order. */
export function readMetrics(path: string): MetricRecord[] {
  let text: string;
  try {
    text = readFileSync(path, 'utf8');
  } catch (err) {
    if (isInputFsError(err)) throw inputError(`${path}: ${describeFsError(err)}`, err);
    throw runtimeError(`cannot read ${path}: ${describeFsError(err)}`, err);
  }
  const out: MetricRecord[] = [];
  for (const line of text.split('\n')) {
    if (line.trim() === '') continue;
    let value: unknown;
    try {
      value = JSON.parse(line);
    } catch {
      continue; // a line cut short by a crash
    }
    const r = value as MetricRecord;
    if ((r?.type === 'train' || r?.type === 'eval') && Number.isInteger(r.step)) out.push(restoreNumbers(r));
  }
  return out;
}

/** Keeps the records up to and including `step` (a resume continues from there). */
export function truncateMetrics(path: string, step: number): void {
  let records: MetricRecord[];
  try {
    records = readMetrics(path);
  } catch {
    records = [];
  }
  const kept = records.filter((r) => r.step <= step);
  writeFileAtomicSync(path, kept.map((r) => `${JSON.stringify(r, finiteOrString)}\n`).join(''));
}

/** JSON has no NaN or Infinity: they are written as strings and read back as numbers. */
function finiteOrString(_key: string, value: unknown): unknown {
  return typeof value === 'number' && !Number.isFinite(value) ? String(value) : value;
}

function restoreNumbers<T extends MetricRecord>(r: T): T {
  for (const [k, v] of Object.entries(r)) {
    if (v === 'NaN' || v === 'Infinity' || v === '-Infinity') (r as unknown as Record<string, unknown>)[k] = Number(v);
  }
  return r;
}
