/**
 * Identity for wasm without a copy. tfjs-backend-wasm's Identity copies the tensor, and tfjs clones every tensor a
 * custom gradient saves for the backward pass (`tf.customGrad`'s `save`), so on wasm each saved activation was held
 * twice: 1.4 GB of copies in one bert-tiny step of 128 × 128 tokens. Tensors are immutable, so the clone can share the
 * data and count a reference, as the cpu and webgl backends and wasm's own Reshape do.
 */
import { Identity, type KernelConfig, type KernelFunc, type TensorInfo } from '@tensorflow/tfjs-core';

interface RefCounting {
  incRef(dataId: object): void;
}

function identityShared(args: { inputs: { x: TensorInfo }; backend: unknown }): TensorInfo {
  const { x } = args.inputs;
  (args.backend as RefCounting).incRef(x.dataId);
  return { dataId: x.dataId, shape: x.shape.slice(), dtype: x.dtype };
}

export const identityConfig: KernelConfig = {
  kernelName: Identity,
  backendName: 'wasm',
  kernelFunc: identityShared as unknown as KernelFunc,
};
