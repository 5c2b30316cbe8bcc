/** Files the `selfsup` package ships beside its code (`templates/`, listed in package.json "files"). */
import { readFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { runtimeError } from '@selfsup/core';

/** `templates/` of this package: next to `dist/` when built, next to `src/` in the sources. */
export const TEMPLATES_DIR = join(dirname(fileURLToPath(import.meta.url)), '..', 'templates');

/** The text of a shipped template (such as `train_ddp.py`). */
export function readTemplate(name: string): string {
  const path = join(TEMPLATES_DIR, name);
  try {
    return readFileSync(path, 'utf8');
  } catch (err) {
    throw runtimeError(`the selfsup package is incomplete: cannot read ${path} (${(err as Error).message})`, err);
  }
}
