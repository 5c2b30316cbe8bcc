/** The `cpu` backend: tfjs-backend-cpu, plain JavaScript, the one that always works. */
import '@tensorflow/tfjs-backend-cpu';
import type { BackendInfo } from '../types.js';

export function probeCpu(): BackendInfo {
  return { name: 'cpu', available: true, reason: 'plain JavaScript (always available, slowest)' };
}
