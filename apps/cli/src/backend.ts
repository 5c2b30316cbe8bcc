/** The `--backend` and `--threads` flags every compute command takes, and switching to the chosen backend. */
import { BACKEND_REQUESTS, type BackendChoice, type BackendRequest, selectBackend } from '@selfsup/backends';
import * as tf from '@tensorflow/tfjs-core';
import type { FlagSpecs, FlagValue } from './args.js';

export const BACKEND_FLAGS: FlagSpecs = {
  backend: {
    type: 'string',
    choices: BACKEND_REQUESTS,
    description: 'compute backend (default auto: the fastest here)',
  },
  threads: { type: 'int', min: 1, description: 'wasm threads (default: the cores of this machine, at most 8)' },
};

export async function useBackend(flags: Record<string, FlagValue>): Promise<BackendChoice> {
  // tfjs prints a multi-line banner on stderr the first time its cpu backend runs in Node (advice to install
  // tfjs-node, which `selfsup backends` gives in context). Production mode silences tfjs's own warnings, so stderr
  // holds only our log lines and, on an error, the one line that says what went wrong.
  tf.enableProdMode();
  const request = (flags.backend as BackendRequest | undefined) ?? 'auto';
  return selectBackend(request, typeof flags.threads === 'number' ? { threads: flags.threads } : {});
}

export function describeBackend(choice: BackendChoice): string {
  return `${choice.name}${choice.threads ? ` (${choice.threads} thread${choice.threads === 1 ? '' : 's'})` : ''}`;
}
