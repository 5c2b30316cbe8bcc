/** The `--backend` and `--threads` flags every compute command takes, and switching to the chosen backend. */
import { BACKEND_REQUESTS, type BackendChoice, type BackendRequest, selectBackend } from '@selfsup/backends';
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
  const request = (flags.backend as BackendRequest | undefined) ?? 'auto';
  return selectBackend(request, typeof flags.threads === 'number' ? { threads: flags.threads } : {});
}

export function describeBackend(choice: BackendChoice): string {
  return `${choice.name}${choice.threads ? ` (${choice.threads} thread${choice.threads === 1 ? '' : 's'})` : ''}`;
}
