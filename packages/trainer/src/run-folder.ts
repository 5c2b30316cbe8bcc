/** The names inside a run folder (DESIGN.md §3). */
export const RunFiles = {
  model: 'model.safetensors',
  config: 'config.json',
  tokenizer: 'tokenizer.json',
  optimizer: 'optimizer.safetensors',
  state: 'trainer_state.json',
  /** The checkpoint's manifest: every file of the set with its size and SHA-256; written last. */
  manifest: 'checkpoint.json',
  metrics: 'metrics.jsonl',
  /** Data the trainer prepared itself from raw text (a `selfsup prepare` folder). */
  data: 'data',
  lock: '.lock',
  /** A checkpoint being written (incomplete: deleted on recovery). */
  staging: '.checkpoint-staging',
  /** A complete checkpoint being moved into place (committed: recovery finishes the move). */
  ready: '.checkpoint-ready',
  /** Earlier checkpoints kept by `--keep-last N`: `checkpoints/step-00000100/`, each a whole set with its manifest. */
  archive: 'checkpoints',
} as const;
