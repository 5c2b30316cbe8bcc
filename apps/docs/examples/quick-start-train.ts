import { selectBackend } from '@selfsup/backends';
import { resolveOptions, train } from '@selfsup/trainer';

// The fastest compute here: WebGPU on a real GPU, else threaded wasm, else plain JS.
const backend = await selectBackend('auto');
console.log(`backend: ${backend.name} (${backend.reason})`);

// nanoGPT's CPU recipe; any option can be changed the way a command-line flag would change it.
const { options, preset } = resolveOptions({ preset: 'nanogpt-cpu', flags: { maxIters: 2000 } });

// Prepares input.txt (character tokenizer), trains, evaluates, checkpoints into runs/library, samples at the end.
const run = train({ out: 'runs/library', data: 'input.txt', options, preset });
for await (const event of run) {
  if (event.type === 'eval')
    console.log(`step ${event.step}: train ${event.trainLoss.toFixed(3)}, val ${event.valLoss.toFixed(3)}`);
  if (event.type === 'sample') console.log(`sample: ${event.text}`);
}
