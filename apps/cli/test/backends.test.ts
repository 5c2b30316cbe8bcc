import { describe, expect, it } from 'vitest';
import { cliBuilt, runCli } from './run-cli.js';

describe.skipIf(!cliBuilt())('selfsup backends', () => {
  it('lists every backend with a reason and says what auto picks (--json)', () => {
    const r = runCli(['backends', '--json']);
    expect(r.code).toBe(0);
    const out = JSON.parse(r.stdout) as {
      backends: { name: string; available: boolean; reason: string }[];
      auto: { name: string; reason: string };
    };
    expect(out.backends.map((b) => b.name).sort()).toEqual(['cpu', 'tensorflow', 'wasm', 'webgl', 'webgpu']);
    for (const b of out.backends) expect(b.reason).not.toBe('');
    expect(out.backends.find((b) => b.name === 'cpu')?.available).toBe(true);
    expect(out.backends.find((b) => b.name === 'wasm')?.available).toBe(true);
    const picked = out.backends.find((b) => b.name === out.auto.name);
    expect(picked?.available).toBe(true);
    expect(out.auto.reason).toMatch(/^auto: /);
  });

  it('prints a readable list and exits (wasm worker threads do not keep it alive)', () => {
    const r = runCli(['backends', '--threads', '2']);
    expect(r.code).toBe(0);
    expect(r.stdout).toMatch(/✓ wasm\s+WebAssembly SIMD, 2 threads/);
    expect(r.stdout).toMatch(/auto → /);
    expect(r.stdout).toMatch(/tensorflow.*npm install @tensorflow\/tfjs-node/);
  });

  it('--verify: wasm computes a GPT loss and its gradients like cpu', () => {
    const r = runCli(['backends', '--verify', '--only', 'wasm', '--json']);
    expect(r.code, r.stderr).toBe(0);
    const out = JSON.parse(r.stdout) as { verify: { backend: string; ok: boolean; maxAbsDiff: number }[] };
    expect(out.verify.map((v) => v.backend)).toEqual(['cpu', 'wasm']);
    expect(out.verify[1].ok).toBe(true);
    expect(out.verify[1].maxAbsDiff).toBeLessThan(1e-4);
  });

  it('rejects a stray argument with exit 2', () => {
    const r = runCli(['backends', 'extra']);
    expect(r.code).toBe(2);
    expect(r.stderr).toMatch(/unexpected argument 'extra'/);
  });
});
