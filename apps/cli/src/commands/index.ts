/** Every `selfsup` command, in the order `selfsup --help` lists them. Each lives in its own file here. */
import type { Command } from '../command.js';
import { prepareCommand } from './prepare.js';
import { tokenizerCommand } from './tokenizer.js';

export const commands: Command[] = [prepareCommand, tokenizerCommand];
