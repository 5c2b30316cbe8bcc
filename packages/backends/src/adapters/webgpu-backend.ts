/**
 * Registers tfjs's 'webgpu' backend with our factory. tfjs-backend-webgpu registers itself only if `navigator.gpu`
 * exists when it is first imported (in Node it never does: we install Dawn's later), and its device asks for none of
 * the storage-buffer limits beyond WebGPU's defaults. Ours asks the adapter's maximum of those that kernels bind.
 */
import * as tf from '@tensorflow/tfjs-core';

const WEBGPU_PRIORITY = 3;

interface GpuAdapter {
  features: Set<string>;
  limits: Record<string, number>;
  info?: unknown;
  requestDevice(descriptor: object): Promise<unknown>;
}

let registered = false;

export async function registerWebgpuBackend(gpu: { requestAdapter(o?: object): Promise<unknown> }): Promise<void> {
  const { WebGPUBackend } = (await import('@tensorflow/tfjs-backend-webgpu')) as unknown as {
    WebGPUBackend: new (device: unknown, adapterInfo?: unknown) => tf.KernelBackend;
  };
  if (registered && tf.findBackendFactory('webgpu')) return;
  if (tf.findBackendFactory('webgpu')) tf.removeBackend('webgpu');
  tf.registerBackend(
    'webgpu',
    async () => {
      const adapter = (await gpu.requestAdapter({
        powerPreference: tf.env().getBool('WEBGPU_USE_LOW_POWER_GPU') ? 'low-power' : 'high-performance',
      })) as GpuAdapter | null;
      if (!adapter) throw new Error('no WebGPU adapter');
      const limits = adapter.limits;
      const wanted = [
        'maxComputeWorkgroupStorageSize',
        'maxComputeWorkgroupsPerDimension',
        'maxStorageBufferBindingSize',
        'maxBufferSize',
        'maxComputeWorkgroupSizeX',
        'maxComputeInvocationsPerWorkgroup',
        'maxStorageBuffersPerShaderStage',
      ];
      const requiredLimits: Record<string, number> = {};
      for (const name of wanted) if (typeof limits[name] === 'number') requiredLimits[name] = limits[name];
      const requiredFeatures = ['timestamp-query'].filter((f) => adapter.features.has(f));
      const device = await adapter.requestDevice({ requiredFeatures, requiredLimits });
      return new WebGPUBackend(device, adapter.info);
    },
    WEBGPU_PRIORITY,
  );
  registered = true;
}
