/**
 * WebGPU parity in Node: a small GPT's loss and every gradient on WebGPU (Dawn through the `webgpu` package) match the
 * cpu backend to 1e-4. Without a GPU this runs on Chromium's SwiftShader Vulkan driver (Debian `chromium`); where
 * neither is present the test is skipped and says why.
 */
import { existsSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { cliBuilt, runCli } from './run-cli.js';

const SWIFTSHADER = '/usr/lib/chromium/vk_swiftshader_icd.json';
const env: Record<string, string> = process.env.VK_ICD_FILENAMES
  ? {}
  : {
      VK_ICD_FILENAMES: SWIFTSHADER,
      LD_LIBRARY_PATH: ['/usr/lib/chromium', process.env.LD_LIBRARY_PATH].filter(Boolean).join(':'),
    };

function adapterHere(): string | undefined {
  if (!cliBuilt()) return 'the CLI is not built';
  const r = runCli(['backends', '--json'], { env });
  if (r.code !== 0) return `selfsup backends failed: ${r.stderr.trim()}`;
  const webgpu = (
    JSON.parse(r.stdout) as { backends: { name: string; available: boolean; reason: string }[] }
  ).backends.find((b) => b.name === 'webgpu');
  return webgpu?.available ? undefined : `no WebGPU adapter: ${webgpu?.reason}`;
}

const skipReason =
  existsSync(SWIFTSHADER) || process.env.VK_ICD_FILENAMES ? adapterHere() : `no GPU driver and no ${SWIFTSHADER}`;
if (skipReason) console.log(`WebGPU parity test skipped: ${skipReason}`);

describe.skipIf(skipReason !== undefined)('WebGPU parity with cpu (Node)', () => {
  it('a GPT loss and all its gradients match cpu to 1e-4', () => {
    const r = runCli(['backends', '--verify', '--only', 'webgpu', '--json'], { env });
    expect(r.code, r.stderr).toBe(0);
    const out = JSON.parse(r.stdout) as {
      verify: { backend: string; ok: boolean; maxAbsDiff: number; relDiffs: number[] }[];
    };
    const webgpu = out.verify.find((v) => v.backend === 'webgpu');
    expect(webgpu?.ok).toBe(true);
    expect(webgpu?.relDiffs.length).toBeGreaterThan(10); // the loss and every parameter's gradient
    expect(webgpu!.maxAbsDiff).toBeLessThan(1e-4);
  });
});
