/** The CLI as a library, for tests and embedding: `main(argv)` returns the exit code. */
export { main } from './main.js';
export { commands } from './commands/index.js';
