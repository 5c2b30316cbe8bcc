/** The CLI as a library, for tests and embedding: `main(argv)` returns the exit code. */

export { commands } from './commands/index.js';
export { main } from './main.js';
