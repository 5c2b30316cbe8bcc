/**
 * Names read from files (a manifest's file list, meta.json's file names) become paths only through `childPath`: a
 * plain name inside the folder, never `../x`, an absolute path or a sub-folder, so a downloaded folder cannot make us
 * read or move files elsewhere.
 */
import { join } from 'node:path';
import { inputError } from './errors.js';
import { quoteJson } from './json.js';

/** True for a single path component that stays in its folder (not empty, `.`, `..`, no separators or NUL). */
export function isPlainFileName(name: unknown): name is string {
  return (
    typeof name === 'string' &&
    name.length > 0 &&
    name.length <= 255 &&
    name !== '.' &&
    name !== '..' &&
    !/[/\\\0]/.test(name)
  );
}

/** `dir/name` for a `name` taken from a file; `what` names that file and field in the error. */
export function childPath(dir: string, name: unknown, what: string): string {
  if (!isPlainFileName(name)) {
    throw inputError(`${what}: ${quoteJson(name)} is not a plain file name inside ${dir}`);
  }
  return join(dir, name);
}
