/**
 * A one-output WebGPU program for tfjs-backend-webgpu (nothing imported from it: importing tfjs-backend-webgpu before
 * `navigator.gpu` exists would keep it from registering its backend) with one invocation per output element (flat dispatch): enough
 * for our fused kernels, which are elementwise or reduce short rows/columns per element. `body` is WGSL run for each
 * `index < uniforms.size`; inputs are the storage arrays named in `names`, the output is `result`.
 */
import type { DataType, TensorInfo } from '@tensorflow/tfjs-core';

export interface Uniform {
  name: string;
  type: 'f32' | 'i32';
  value: number;
}

interface WebgpuBackendLike {
  runWebGPUProgram(
    program: object,
    inputs: TensorInfo[],
    outputDtype: DataType,
    uniforms?: { type: string; data: number[] }[],
  ): TensorInfo;
}

const WORKGROUP: [number, number, number] = [64, 1, 1];

class FlatProgram {
  readonly workgroupSize = WORKGROUP;
  readonly size = true;
  readonly dispatchLayout: { x: number[] };
  readonly dispatch: [number, number, number];
  readonly uniforms?: string;

  constructor(
    readonly shaderKey: string,
    readonly variableNames: string[],
    readonly outputShape: number[],
    private readonly body: string,
    uniforms: Uniform[],
  ) {
    this.dispatchLayout = { x: outputShape.map((_, i) => i) };
    // WebGPU allows 65535 workgroups per dimension; past that the grid goes 2-D (tfjs's global index handles it).
    const groups = Math.ceil(outputShape.reduce((a, b) => a * b, 1) / WORKGROUP[0]);
    this.dispatch = groups <= 65535 ? [groups, 1, 1] : [65535, Math.ceil(groups / 65535), 1];
    if (uniforms.length > 0) this.uniforms = uniforms.map((u) => `${u.name} : ${u.type},`).join(' ');
  }

  getUserCode(): string {
    return `
      fn main(index : i32) {
        if (index < uniforms.size) {
          ${this.body}
        }
      }`;
  }
}

/** Runs `body` once per element of a new `outputShape` tensor. */
export function runFlat(
  backend: unknown,
  key: string,
  inputs: Record<string, TensorInfo>,
  outputShape: number[],
  body: string,
  uniforms: Uniform[] = [],
  dtype: DataType = 'float32',
): TensorInfo {
  const names = Object.keys(inputs);
  const program = new FlatProgram(`selfsup_${key}`, names, outputShape, body, uniforms);
  const data = uniforms.map((u) => ({ type: u.type === 'f32' ? 'float32' : 'int32', data: [u.value] }));
  return (backend as WebgpuBackendLike).runWebGPUProgram(program, Object.values(inputs), dtype, data);
}
