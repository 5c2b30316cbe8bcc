#!/usr/bin/env node
/**
 * `pnpm bench:nanogpt` — nanoGPT's CPU recipe on tiny Shakespeare, end to end through the `selfsup` command:
 *   selfsup prepare --data ../shared/data/tinyshakespeare.txt --tokenizer char
 *   selfsup train --preset nanogpt-cpu   (4 layers, 4 heads, 128 wide, block 64, batch 12, 2000 iters)
 * then compares the eval curve with nanoGPT's on the same machine (../shared/reference/anchors.md) and checks the
 * target: val loss ≤ 1.89 at step 2000. Extra arguments go to `selfsup train` (e.g. `--backend cpu`).
 * Writes runs/bench-nanogpt/{data,run,loss.svg,report.json} (runs/bench-nanogpt-seedN with `--seed N`). Exit 1 when
 * the target is missed.
 */
import { spawnSync } from 'node:child_process';
import { existsSync, mkdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';

const repo = resolve(dirname(fileURLToPath(import.meta.url)), '..', '..', '..');
const cli = join(repo, 'apps', 'cli', 'dist', 'bin.js');
const corpus = process.env.SELFSUP_SHAKESPEARE ?? resolve(repo, '..', 'shared', 'data', 'tinyshakespeare.txt');
const args = process.argv.slice(2);
const seedAt = args.indexOf('--seed');
const out = resolve(repo, 'runs', seedAt >= 0 ? `bench-nanogpt-seed${args[seedAt + 1]}` : 'bench-nanogpt');
const TARGET = 1.89;
/** nanoGPT (PyTorch 1.13, 2 threads) val loss on this machine, from anchors.md. */
const NANOGPT = { 250: 2.445, 500: 2.314, 750: 2.191, 1000: 2.053, 1250: 2.009, 1500: 1.923, 1750: 1.892, 2000: 1.886 };
const NANOGPT_MS = 43;

function selfsup(args) {
  const r = spawnSync(process.execPath, [cli, ...args], { stdio: ['ignore', 'inherit', 'inherit'] });
  if (r.status !== 0) {
    process.stderr.write(`bench:nanogpt: selfsup ${args[0]} exited with ${r.status ?? r.signal}\n`);
    process.exit(1);
  }
}

if (!existsSync(cli)) throw new Error(`${cli} is missing: build first (pnpm build)`);
if (!existsSync(corpus)) throw new Error(`${corpus} is missing (set SELFSUP_SHAKESPEARE to tinyshakespeare.txt)`);
rmSync(out, { recursive: true, force: true });
mkdirSync(out, { recursive: true });
const started = performance.now();
selfsup(['prepare', '--data', corpus, '--tokenizer', 'char', '--out', join(out, 'data')]);
selfsup([
  'train',
  '--preset',
  'nanogpt-cpu',
  '--data',
  join(out, 'data'),
  '--out',
  join(out, 'run'),
  ...process.argv.slice(2),
]);
const wall = (performance.now() - started) / 1000;
selfsup(['plot', '--run', join(out, 'run'), '--out', join(out, 'loss.svg')]);

const records = readFileSync(join(out, 'run', 'metrics.jsonl'), 'utf8')
  .trim()
  .split('\n')
  .map((l) => JSON.parse(l));
const evals = records.filter((r) => r.type === 'eval');
const steps = records
  .filter((r) => r.type === 'train' && r.step > 1)
  .map((r) => r.msPerStep)
  .sort((a, b) => a - b);
const median = steps.length ? steps[steps.length >> 1] : Number.NaN;
const final = evals.find((e) => e.step === 2000);
const rows = evals.map((e) => {
  const ref = NANOGPT[e.step];
  return {
    step: e.step,
    trainLoss: e.trainLoss,
    valLoss: e.valLoss,
    nanogptVal: ref ?? null,
    diff: ref === undefined ? null : e.valLoss - ref,
  };
});
const lines = ['', 'step | train loss | val loss | nanoGPT val | diff', '---: | ---: | ---: | ---: | ---:'];
for (const r of rows) {
  lines.push(
    `${r.step} | ${r.trainLoss.toFixed(3)} | ${r.valLoss.toFixed(3)} | ${r.nanogptVal?.toFixed(3) ?? '—'} | ${r.diff === null ? '—' : (r.diff >= 0 ? '+' : '') + r.diff.toFixed(3)}`,
  );
}
const state = JSON.parse(readFileSync(join(out, 'run', 'trainer_state.json'), 'utf8'));
const trainSeconds = state.elapsedSeconds;
lines.push(
  '',
  `median ms/step (logged steps): ${median.toFixed(1)} (nanoGPT ${NANOGPT_MS}: ${(median / NANOGPT_MS).toFixed(1)}×)`,
  `training loop ${trainSeconds.toFixed(0)} s (2000 steps and 9 evaluations of 2×20 batches), wall time with start-up and preparation ${wall.toFixed(0)} s`,
  `val loss at step 2000: ${final ? final.valLoss.toFixed(4) : 'missing'} (target ≤ ${TARGET}, nanoGPT 1.886)`,
);
process.stdout.write(`${lines.join('\n')}\n`);
const ok = final !== undefined && final.valLoss <= TARGET;
writeFileSync(
  join(out, 'report.json'),
  `${JSON.stringify({ ok, target: TARGET, valLoss2000: final?.valLoss ?? null, medianMsPerStep: median, wallSeconds: wall, trainSeconds, curve: rows }, null, 2)}\n`,
);
process.stdout.write(ok ? 'PASS\n' : 'FAIL: the val loss target was missed\n');
process.exit(ok ? 0 : 1);
