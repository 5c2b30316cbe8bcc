/** The `webgl` backend: tfjs-backend-webgl, a browser fallback where WebGPU is missing. */
import type { BackendInfo } from '../types.js';

export function probeWebgl(): BackendInfo {
  const g = globalThis as {
    document?: { createElement(tag: string): { getContext(kind: string): unknown } };
    OffscreenCanvas?: new (w: number, h: number) => { getContext(kind: string): unknown };
  };
  let context: unknown;
  try {
    if (g.OffscreenCanvas) context = new g.OffscreenCanvas(1, 1).getContext('webgl2');
    else if (g.document) context = g.document.createElement('canvas').getContext('webgl2');
  } catch {
    context = undefined;
  }
  if (!g.OffscreenCanvas && !g.document) return { name: 'webgl', available: false, reason: 'WebGL needs a browser' };
  return context
    ? { name: 'webgl', available: true, reason: 'WebGL 2 context' }
    : { name: 'webgl', available: false, reason: 'this browser gives no WebGL 2 context' };
}
