import { describe, expect, it } from 'vitest';
import { cliBuilt, runCli } from './run-cli.js';

// Function only (figures come from `pnpm bench`): a tiny batch, one or two steps.
describe.skipIf(!cliBuilt())('selfsup bench', () => {
  it('measures one backend: ms/step, tokens/s, GFLOP/s, peak RSS, no tensor growth, a profile', () => {
    const r = runCli([
      'bench',
      '--backend',
      'wasm',
      '--threads',
      '2',
      '--batch-size',
      '2',
      '--steps',
      '2',
      '--warmup',
      '1',
      '--profile',
      '--json',
    ]);
    expect(r.code).toBe(0);
    const out = JSON.parse(r.stdout);
    expect(out).toMatchObject({
      backend: 'wasm',
      threads: 2,
      build: 'threaded-simd',
      fused: true,
      preset: 'nanogpt-cpu',
      tokensPerStep: 128,
      steps: 2,
    });
    for (const k of ['msPerStep', 'tokensPerSec', 'gflops', 'peakRssMiB', 'firstLoss', 'lastLoss']) {
      expect(Number.isFinite(out[k]) && out[k] > 0, k).toBe(true);
    }
    expect(out.tensorsAfter).toBe(out.tensorsBefore);
    expect(out.bytesAfter).toBe(out.bytesBefore);
    const kernels = out.profile.kernels.map((k: { kernel: string }) => k.kernel);
    expect(kernels).toContain('BatchMatMul');
    expect(kernels).toContain('SelfsupAttentionGrad');
  });

  it('compares backends side by side, each in its own process', () => {
    const r = runCli([
      'bench',
      '--configs',
      'wasm:1,cpu',
      '--batch-size',
      '1',
      '--steps',
      '1',
      '--warmup',
      '0',
      '--no-torch',
    ]);
    expect(r.code).toBe(0);
    expect(r.stdout).toMatch(/nanogpt-cpu: 4 layers, 4 heads, 128 wide, block 64, batch 1/);
    expect(r.stdout).toMatch(/wasm 1T\s+\d/);
    expect(r.stdout).toMatch(/\n\s+cpu\s+\d/);
  });

  it('rejects an unknown preset or backend list with exit 2', () => {
    expect(runCli(['bench', '--preset', 'nope']).code).toBe(2);
    const r = runCli(['bench', '--configs', 'wasm:x']);
    expect(r.code).toBe(2);
    expect(r.stderr).toMatch(/--configs/);
  });
});
