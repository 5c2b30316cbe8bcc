/** Every `selfsup` command, in the order `selfsup --help` lists them. Each lives in its own file here. */
import type { Command } from '../command.js';
import { backendsCommand } from './backends.js';
import { benchCommand } from './bench.js';
import { evalCommand } from './eval.js';
import { exportCommand } from './export.js';
import { fillMaskCommand } from './fill-mask.js';
import { importCommand } from './import.js';
import { plotCommand } from './plot.js';
import { prepareCommand } from './prepare.js';
import { sampleCommand } from './sample.js';
import { tokenizerCommand } from './tokenizer.js';
import { trainCommand } from './train.js';

export const commands: Command[] = [
  prepareCommand,
  tokenizerCommand,
  trainCommand,
  sampleCommand,
  fillMaskCommand,
  evalCommand,
  exportCommand,
  importCommand,
  plotCommand,
  benchCommand,
  backendsCommand,
];
