/**
 * `TrainingRun`: the events of a training session as an async iterator, with `on(type, listener)` for those who
 * prefer callbacks and `finished()` for the summary.
 *
 *   const run = train({ out: 'runs/shakespeare', data: 'data/shakespeare', options });
 *   for await (const e of run) if (e.type === 'eval') report(e.step, e.valLoss);
 */

import type { TrainingOptions } from './presets.js';
import type { EvalEvent, StepEvent } from './trainer.js';

export interface PrepareEvent {
  type: 'prepare';
  /** The raw source and the tokenizer it is being prepared with. */
  source: string;
  tokenizer: string;
  out: string;
}

export interface StartEvent {
  type: 'start';
  run: string;
  /** Step the session starts at (0, or the checkpoint's step when resuming). */
  step: number;
  maxIters: number;
  resumed: boolean;
  options: TrainingOptions;
  preset: string;
  backend: string;
  numParams: number;
  tokensPerStep: number;
  data: { dir: string; source: string; trainTokens: number; valTokens: number; vocabSize: number; tokenizer: string };
}

export interface CheckpointEvent {
  type: 'checkpoint';
  step: number;
  run: string;
  ms: number;
}

export interface SampleEvent {
  type: 'sample';
  text: string;
}

export interface TrainSummary {
  run: string;
  objective: 'clm' | 'mlm';
  /** Steps completed in all sessions. */
  step: number;
  maxIters: number;
  /** True when the run reached `maxIters`. */
  finished: boolean;
  /** The signal that stopped the session early (`SIGINT`, `SIGTERM`), if any. */
  interrupted: string | null;
  /** The last evaluation (null when there was none). */
  trainLoss: number | null;
  valLoss: number | null;
  evalStep: number | null;
  /** exp(valLoss). */
  perplexity: number | null;
  bestValLoss: number | null;
  bestValStep: number | null;
  /** MLM: the cross-entropy of guessing masked tokens from unigram frequencies (the loss to beat). */
  unigramBaseline: number | null;
  /** Steps, seconds and throughput of this session. */
  sessionSteps: number;
  wallSeconds: number;
  /** Seconds in training steps only (no evaluation or checkpoint time). */
  trainSeconds: number;
  msPerStep: number | null;
  tokensPerSec: number | null;
  /** Model FLOPs per second in the training steps (6·N + attention per token). */
  gflops: number | null;
  /** Seconds of training over all sessions. */
  totalSeconds: number;
  tokensSeen: number;
  skippedSteps: number;
  numParams: number;
  backend: string;
  /** CLM: text generated at the end. */
  sample: string | null;
}

export interface DoneEvent {
  type: 'done';
  summary: TrainSummary;
}

export type TrainEvent = PrepareEvent | StartEvent | StepEvent | EvalEvent | CheckpointEvent | SampleEvent | DoneEvent;

type Listener<T extends TrainEvent['type']> = (event: Extract<TrainEvent, { type: T }>) => void;

export class TrainingRun implements AsyncIterable<TrainEvent> {
  private readonly listeners = new Map<string, Set<(event: TrainEvent) => void>>();
  private consumed = false;
  private summary: TrainSummary | undefined;

  constructor(private readonly source: () => AsyncGenerator<TrainEvent, TrainSummary>) {}

  /** Calls `listener` for each event of `type` as the run is iterated (or driven by `finished()`). */
  on<T extends TrainEvent['type']>(type: T, listener: Listener<T>): this {
    let set = this.listeners.get(type);
    if (!set) {
      set = new Set();
      this.listeners.set(type, set);
    }
    set.add(listener as (event: TrainEvent) => void);
    return this;
  }

  async *[Symbol.asyncIterator](): AsyncGenerator<TrainEvent, void> {
    if (this.consumed) throw new Error('a TrainingRun can be iterated only once');
    this.consumed = true;
    const gen = this.source();
    let done = false;
    try {
      for (;;) {
        const r = await gen.next();
        if (r.done) {
          done = true;
          this.summary = r.value;
          return;
        }
        for (const listener of this.listeners.get(r.value.type) ?? []) listener(r.value);
        yield r.value;
      }
    } finally {
      // The consumer stopped early (break, throw): let the session release its lock and tensors.
      if (!done) await gen.return(undefined as unknown as TrainSummary);
    }
  }

  /** Runs to the end (calling listeners) and returns the summary. */
  async finished(): Promise<TrainSummary> {
    if (!this.consumed) for await (const _ of this);
    if (!this.summary) throw new Error('the run ended without a summary');
    return this.summary;
  }
}
