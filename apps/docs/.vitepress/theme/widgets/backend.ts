/**
 * Backend selection for the widgets, through @selfsup/backends: what is available in this browser, what `auto`
 * would pick, and switching. The wasm files are served by the site at /tfjs-wasm/ (see .vitepress/wasm-files.ts).
 */
import type { BackendChoice, BackendInfo, BackendName, BackendRequest } from '@selfsup/backends';
import { withBase } from 'vitepress';

export type { BackendChoice, BackendInfo, BackendName, BackendRequest };

/** The backends a page can offer (tfjs-node's `tensorflow` exists only in Node). */
export const PAGE_BACKENDS: BackendName[] = ['webgpu', 'webgl', 'wasm', 'cpu'];

function selectOptions() {
  // An absolute URL: the wasm threads' workers start from a blob: URL and cannot resolve a relative one.
  return { wasmPaths: new URL(withBase('/tfjs-wasm/'), window.location.href).href };
}

export interface Availability {
  infos: BackendInfo[];
  /** What `auto` would choose here, and why. */
  auto: { name: BackendName; reason: string };
}

let availability: Promise<Availability> | undefined;

export function backendAvailability(): Promise<Availability> {
  availability ??= (async () => {
    const { listBackends, decideAuto } = await import('@selfsup/backends');
    const infos = (await listBackends(selectOptions())).filter((i) => PAGE_BACKENDS.includes(i.name));
    return { infos, auto: decideAuto(infos) };
  })();
  return availability;
}

let last: BackendChoice | undefined;

/** Makes `request` the active tfjs backend; returns the choice and the backend tfjs reports running. */
export async function useBackend(request: BackendRequest): Promise<{ choice: BackendChoice; running: string }> {
  const [{ selectBackend }, tf] = await Promise.all([import('@selfsup/backends'), import('@tensorflow/tfjs-core')]);
  const choice = await selectBackend(request, selectOptions());
  last = choice;
  await tf.ready();
  return { choice, running: tf.getBackend() };
}

/** The backend another widget on this page already chose, or `auto`'s pick when none has. */
export async function currentOrAutoBackend(): Promise<{ choice: BackendChoice; running: string }> {
  if (last) return { choice: last, running: await runningBackend() };
  return useBackend('auto');
}

/** The backend tfjs has active right now (`tf.getBackend()`). */
export async function runningBackend(): Promise<string> {
  const tf = await import('@tensorflow/tfjs-core');
  return tf.getBackend();
}
