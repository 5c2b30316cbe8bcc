/**
 * Helpers for the PyTorch interop tests: where Debian's PyTorch is, how to launch `torchrun`, and the shipped
 * `train_ddp.py`. The tests are skipped, saying why, when PyTorch is not installed (`.ci/run` installs it).
 */
import { spawnSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

export const PYTHON = '/usr/bin/python3';
export const TRAIN_DDP = join(dirname(fileURLToPath(import.meta.url)), '..', 'templates', 'train_ddp.py');

export interface Torch {
  /** Why the interop tests cannot run here, or null. */
  missing: string | null;
  version: string;
  /** The launcher: `torchrun` and the flags this PyTorch needs. */
  torchrun: string[];
}

/**
 * Probes PyTorch once. torch 1.13 (Debian 12's python3-torch) on Python 3.11 cannot parse torchrun's default
 * `--redirects 0 --tee 0` (enum.IntFlag changed in 3.11; meta-llama/llama#86), so there we pass `--redirects 2 --tee 2`.
 */
export function probeTorch(): Torch {
  if (!existsSync(PYTHON)) return { missing: `${PYTHON} not found`, version: '', torchrun: [] };
  const r = spawnSync(
    PYTHON,
    [
      '-c',
      'import sys, numpy, torch, torch.distributed as d; print(torch.__version__, sys.version_info[1], d.is_gloo_available())',
    ],
    { encoding: 'utf8' },
  );
  if (r.status !== 0)
    return {
      missing: `PyTorch is not installed for ${PYTHON} (apt-get install python3-torch)`,
      version: '',
      torchrun: [],
    };
  const [version, minor, gloo] = r.stdout.trim().split(' ');
  if (gloo !== 'True') return { missing: `PyTorch ${version} has no gloo backend`, version, torchrun: [] };
  const launcher = existsSync('/usr/bin/torchrun') ? ['/usr/bin/torchrun'] : [PYTHON, '-m', 'torch.distributed.run'];
  const oldTorch = Number.parseInt(version, 10) < 2 && Number(minor) >= 11;
  return { missing: null, version, torchrun: [...launcher, ...(oldTorch ? ['--redirects', '2', '--tee', '2'] : [])] };
}

export interface PyResult {
  code: number;
  stdout: string;
  stderr: string;
}

/** Runs a command to the end (killed after `timeoutMs`, so a hung process fails the test instead of stalling it). */
export function run(command: string[], options: { cwd?: string; timeoutMs?: number } = {}): PyResult {
  const r = spawnSync(command[0], command.slice(1), {
    cwd: options.cwd,
    env: { ...process.env, OMP_NUM_THREADS: '1' },
    encoding: 'utf8',
    stdio: ['ignore', 'pipe', 'pipe'],
    timeout: options.timeoutMs ?? 60_000,
    maxBuffer: 64 * 1024 * 1024,
  });
  const killed = r.signal ? `\n(killed by ${r.signal} after ${options.timeoutMs ?? 60_000} ms)` : '';
  return { code: r.status ?? 1, stdout: r.stdout, stderr: r.stderr + killed };
}

/** Runs Python code with train_ddp.py importable as `t`; `input` is passed as JSON on stdin, stdout parsed as JSON. */
export function pythonJson(code: string, input: unknown): unknown {
  const prelude = [
    'import importlib.util, json, sys',
    `spec = importlib.util.spec_from_file_location("t", ${JSON.stringify(TRAIN_DDP)})`,
    't = importlib.util.module_from_spec(spec); spec.loader.exec_module(t)',
    'data = json.load(sys.stdin)',
  ].join('\n');
  const r = spawnSync(PYTHON, ['-c', `${prelude}\n${code}`], {
    input: JSON.stringify(input),
    encoding: 'utf8',
    maxBuffer: 64 * 1024 * 1024,
  });
  if (r.status !== 0) throw new Error(`python failed: ${r.stderr}`);
  return JSON.parse(r.stdout);
}
