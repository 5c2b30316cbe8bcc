#!/usr/bin/env node
/**
 * `pnpm demo`: trains a small GPT (nanoGPT's CPU shape: 4 layers, 4 heads, 128 wide) on the built-in Brown corpus,
 * character by character, for 1200 steps — about 2–3 minutes on 2 CPU cores — then prints text it generates.
 * The run goes to runs/demo (replaced on each demo); try `pnpm selfsup sample --run runs/demo --prompt "The "` next.
 */
import { spawnSync } from 'node:child_process';
import { existsSync, rmSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';

const repo = resolve(dirname(fileURLToPath(import.meta.url)), '..', '..', '..');
const cli = join(repo, 'apps', 'cli', 'dist', 'bin.js');
const run = join(repo, 'runs', 'demo');
if (!existsSync(cli)) throw new Error(`${cli} is missing: build first (pnpm build)`);

function selfsup(args) {
  const r = spawnSync(process.execPath, [cli, ...args], { stdio: 'inherit' });
  if (r.status !== 0) process.exit(r.status ?? 1);
}

rmSync(run, { recursive: true, force: true });
selfsup([
  'train',
  '--out',
  run,
  '--data',
  'brown',
  '--preset',
  'nanogpt-cpu',
  '--max-iters',
  '1200',
  '--warmup-iters',
  '100',
  '--eval-interval',
  '300',
  '--eval-iters',
  '10',
  '--log-interval',
  '50',
  '--sample-tokens',
  '0',
  ...process.argv.slice(2),
]);
process.stdout.write('\nText from the model (selfsup sample --run runs/demo --prompt "The "):\n\n');
selfsup(['sample', '--run', run, '--prompt', 'The ', '--max-new-tokens', '400']);
process.stdout.write(
  '\nNext: `pnpm selfsup sample --run runs/demo --prompt "..."`, `pnpm selfsup plot --run runs/demo --out loss.svg`,\n' +
    'or the full nanoGPT recipe: `pnpm bench:nanogpt`.\n',
);
