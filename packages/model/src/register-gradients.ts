/**
 * tfjs-core registers no gradients by itself (the `@tensorflow/tfjs` union package does it); the model's loss must be
 * differentiable wherever it runs, so importing the model registers them. The build bundles this one file's graph
 * (tsup.config.ts) because tfjs-core ships it only as extension-less ESM that Node cannot load directly.
 */
import '@tensorflow/tfjs-core/dist/register_all_gradients';
