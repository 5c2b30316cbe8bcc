import { listBackends, selectBackend } from '@selfsup/backends';
import * as tf from '@tensorflow/tfjs-core';

// What could run here, and why not where something cannot
for (const info of await listBackends()) {
  console.log(`${info.available ? '✓' : '✗'} ${info.name.padEnd(10)} ${info.reason}`);
}

// Let auto pick, or name one ('wasm', 'webgpu', …): a named backend that cannot start is an error, never a fallback
const choice = await selectBackend('auto');
console.log(`auto → ${choice.name}: ${choice.reason}`);
console.log(`tfjs is running on ${tf.getBackend()}`);
