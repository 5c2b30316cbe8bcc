/**
 * What `selfsup train` shows while it runs: on a TTY a live progress line (step/total, loss, val loss, lr, tokens/s,
 * ETA); otherwise one log line per `log_interval` steps, nanoGPT style. Evaluations and checkpoints are logged in
 * both cases; the summary at the end is the command's result.
 */
import { shortRows, type TrainEvent, type TrainingOptions, type TrainSummary } from '@selfsup/trainer';
import { compact, count, fixed, lr } from './format.js';
import { bar, formatDuration, type Output } from './output.js';

export class TrainDisplay {
  private options: TrainingOptions | undefined;
  private valLoss: number | null = null;
  private startStep = 0;
  private startTime = performance.now();
  private lastDraw = 0;

  /** `backend`: how the backend is described on the start line (e.g. "wasm (2 threads)"). */
  constructor(
    private readonly out: Output,
    private readonly backend?: string,
  ) {}

  handle(e: TrainEvent): void {
    const out = this.out;
    switch (e.type) {
      case 'prepare':
        out.log(`preparing ${e.source} with the ${e.tokenizer} tokenizer into ${e.out} …`);
        break;
      case 'start': {
        this.options = e.options;
        this.startStep = e.step;
        this.startTime = performance.now();
        const o = e.options;
        const d = e.data;
        out.log(
          `${e.resumed ? `resuming ${e.run} at step ${e.step}` : `training ${e.run}`}: ${o.objective}, ${compact(e.numParams)} parameters` +
            ` (${e.preset}: ${o.nLayer} layers × ${o.nHead} heads × ${o.nEmbd} wide, block ${o.blockSize}, batch ${o.batchSize}` +
            `${o.gradAccum > 1 ? ` × ${o.gradAccum}` : ''} = ${o.objective === 'mlm' && shortRows(o) ? `rows of ≤ ${o.mlmRowTokens}, at most ` : ''}` +
            `${count(e.tokensPerStep)} tokens/step) on ${this.backend ?? e.backend}`,
        );
        out.log(
          `data: ${d.dir} (${d.tokenizer}, vocab ${count(d.vocabSize)}; ${count(d.trainTokens)} train / ${count(d.valTokens)} val tokens)`,
        );
        break;
      }
      case 'step': {
        const o = this.options!;
        if (e.skipped) out.log(`step ${e.step}: non-finite loss or gradients, update skipped`);
        if (out.isTTY) {
          const now = performance.now();
          if (now - this.lastDraw < 100 && e.step !== o.maxIters) return;
          this.lastDraw = now;
          const done = e.step - this.startStep;
          const perStep = (now - this.startTime) / 1000 / Math.max(1, done);
          const eta = (o.maxIters - e.step) * perStep;
          out.progress(
            `step ${e.step}/${o.maxIters} ${bar(e.step / o.maxIters, 20)} loss ${fixed(e.loss)} val ${fixed(this.valLoss)} lr ${lr(e.lr)} ${compact(e.tokensPerSec)} tok/s ETA ${formatDuration(eta)}`,
          );
        } else if (e.step % o.logInterval === 0) {
          out.log(
            `step ${e.step}/${o.maxIters}: loss ${fixed(e.loss)}, lr ${lr(e.lr)}, ${e.msPerStep.toFixed(1)} ms/step, ${count(e.tokensPerSec)} tok/s`,
          );
        }
        break;
      }
      case 'eval':
        this.valLoss = e.valLoss;
        out.log(
          `step ${e.step}: train loss ${fixed(e.trainLoss)}, val loss ${fixed(e.valLoss)}${e.best && e.step > 0 ? ' (best so far)' : ''}`,
        );
        break;
      case 'checkpoint':
        out.log(`step ${e.step}: saved checkpoint to ${e.run} (${e.ms.toFixed(0)} ms)`);
        break;
      case 'sample':
      case 'done':
        break;
    }
  }
}

/** The end-of-run report (the text form of the `--json` summary). */
export function formatSummary(s: TrainSummary): string {
  const lines: string[] = [];
  const status = s.interrupted
    ? `stopped at step ${s.step} of ${s.maxIters} (${s.interrupted}); the checkpoint is saved — continue with: selfsup train --out ${s.run} --resume`
    : `done: ${s.step}/${s.maxIters} steps`;
  lines.push(
    `${status} in ${formatDuration(s.wallSeconds)} (${s.objective}, ${compact(s.numParams)} parameters, ${s.backend})`,
  );
  if (s.valLoss !== null) {
    lines.push(
      `final (step ${s.evalStep}): train loss ${fixed(s.trainLoss)}, val loss ${fixed(s.valLoss)}, perplexity ${fixed(s.perplexity, 2)}` +
        (s.bestValLoss !== null ? ` (best val ${fixed(s.bestValLoss)} at step ${s.bestValStep})` : ''),
    );
  }
  if (s.unigramBaseline !== null) {
    const gap =
      s.valLoss === null
        ? ''
        : s.valLoss < s.unigramBaseline
          ? `; val loss is ${fixed(s.unigramBaseline - s.valLoss, 3)} below it`
          : `; val loss is not below it yet`;
    lines.push(`unigram baseline (guessing masked tokens by their frequency): ${fixed(s.unigramBaseline)}${gap}`);
  }
  if (s.msPerStep !== null) {
    lines.push(
      `speed: ${s.msPerStep.toFixed(1)} ms/step (median), ${count(s.tokensPerSec ?? 0)} tokens/s, ${fixed(s.gflops, 2)} GFLOP/s over ${s.sessionSteps} steps`,
    );
  }
  if (s.skippedSteps > 0) lines.push(`skipped ${s.skippedSteps} step(s) with non-finite values`);
  lines.push(`run folder: ${s.run}`);
  if (s.sample !== null) lines.push('', '--- sample ---', s.sample, '--------------');
  return lines.join('\n');
}
