import { existsSync } from 'node:fs';
import { packageProject } from '../../vitest.shared';

// WebGPU tests in Node need a Vulkan driver. Without a GPU, Chromium's SwiftShader is one: its ICD file is read at run
// time, but its libvulkan.so.1 must be on the library path when the test process starts, so both are set here, in
// the process that forks the test workers (only when nothing is configured already and Debian's chromium is there).
const SWIFTSHADER = '/usr/lib/chromium/vk_swiftshader_icd.json';
if (!process.env.VK_ICD_FILENAMES && existsSync(SWIFTSHADER)) {
  process.env.VK_ICD_FILENAMES = SWIFTSHADER;
  process.env.LD_LIBRARY_PATH = ['/usr/lib/chromium', process.env.LD_LIBRARY_PATH].filter(Boolean).join(':');
}

export default packageProject('backends');
