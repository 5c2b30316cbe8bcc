/**
 * The in-page BERT: WordPiece (`trainWordPiece`) on the built-in text, `[CLS] sentence [SEP] …` blocks masked 15%
 * with 80/10/10 by `mlmData` (the `mlmCollate` rule), `createModel({ objective: 'mlm' })`, the trainer's update
 * (./stepper.ts), then `fillMask` to rank the words that fit a `[MASK]`.
 */
import type { FillMaskPrediction, LanguageModel } from '@selfsup/model';
import { createStepper, type PageRunConfig, pageOptions, type StepResult } from './stepper';
import { TINY_CORPUS } from './tiny-corpus';
import { wordPieceTokenizer } from './tokenizers';

export type TinyBertConfig = PageRunConfig;

/** Enough steps for the model to learn its sentences: only 15% of the tokens teach at each step. */
export const TINY_BERT: TinyBertConfig = {
  steps: 800,
  nLayer: 2,
  nHead: 2,
  nEmbd: 64,
  blockSize: 24,
  batchSize: 16,
  lr: 5e-3,
  seed: 1337,
};

export interface TinyBertRun {
  vocabSize: number;
  params: number;
  model: LanguageModel;
  step(): Promise<StepResult>;
  /** The top predictions for each `[MASK]` in `text`. */
  fill(text: string, topK?: number): Promise<FillMaskPrediction[][]>;
  dispose(): void;
}

export async function startTinyBert(config: TinyBertConfig): Promise<TinyBertRun> {
  const [tokenizer, { createModel, fillMask }, { mlmData }] = await Promise.all([
    wordPieceTokenizer(),
    import('@selfsup/model'),
    import('@selfsup/trainer'),
  ]);
  // The stream mlmData expects: [CLS] starts a document, [SEP] ends a sentence. Each line is its own document
  // here, so every block is one sentence starting at position 1, as the sentences typed into the box will.
  const stream = (lines: string[]) => {
    const ids: number[] = [];
    for (const line of lines) ids.push(tokenizer.clsTokenId, ...tokenizer.encode(line), tokenizer.sepTokenId);
    return Int32Array.from(ids);
  };
  const lines = TINY_CORPUS.split('\n').filter((l) => l.trim() !== '');
  const special = [
    tokenizer.padTokenId,
    tokenizer.unkTokenId,
    tokenizer.clsTokenId,
    tokenizer.sepTokenId,
    tokenizer.maskTokenId,
  ];
  const { blockSize, batchSize, nLayer, nHead, nEmbd, seed } = config;
  const data = mlmData(
    // Every sentence trains (a tiny model memorises its text; here that is the point); the last few also serve as
    // the validation split mlmData requires.
    { train: stream(lines), val: stream(lines.slice(-4)) },
    {
      blockSize,
      batchSize,
      mlmProbability: 0.15,
      vocabSize: tokenizer.vocabSize,
      clsTokenId: tokenizer.clsTokenId,
      sepTokenId: tokenizer.sepTokenId,
      padTokenId: tokenizer.padTokenId,
      maskTokenId: tokenizer.maskTokenId,
      specialTokenIds: special,
    },
  );
  const options = await pageOptions({
    objective: 'mlm',
    nLayer,
    nHead,
    nEmbd,
    blockSize,
    batchSize,
    maxIters: config.steps,
    lr: config.lr,
    seed,
    beta2: 0.999,
    weightDecay: 0.01,
    tokenizer: 'wordpiece',
  });
  const model = createModel(
    {
      objective: 'mlm',
      vocabSize: tokenizer.vocabSize,
      blockSize,
      nLayer,
      nHead,
      nEmbd,
      padTokenId: tokenizer.padTokenId,
    },
    { seed },
  );
  const stepper = await createStepper(model, data, options);
  return {
    vocabSize: tokenizer.vocabSize,
    params: model.numParams(),
    model,
    step: stepper.step,
    fill: (text, topK = 5) => fillMask(model, tokenizer, text, { topK }), // [CLS] text [SEP], as in training
    dispose() {
      stepper.dispose();
      model.dispose();
    },
  };
}
