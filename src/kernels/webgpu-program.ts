/**
 * Running our own WGSL programs through tfjs-backend-webgpu. tfjs writes the bindings (one storage buffer
 * per entry of `variableNames`, named after it, then `result`), the `uniforms` struct (with `size` when
 * `program.size` is set) and helpers such as `setOutputAtIndex`; a program supplies `main`.
 */
import * as tf from '@tensorflow/tfjs-core';
import type { WebGPUBackend, WebGPUProgram } from '@tensorflow/tfjs-backend-webgpu';
import { webgpu_util } from '@tensorflow/tfjs-backend-webgpu';

export type { WebGPUProgram };

/** Uniform values for a program's `uniforms` declaration, in declaration order. */
export type ProgramUniforms = { type: 'int32' | 'float32' | 'uint32'; data: number[] }[];

export function activeWebGPUBackend(): WebGPUBackend | null {
  if (tf.getBackend() !== 'webgpu') return null;
  return tf.backend() as unknown as WebGPUBackend;
}

/** A flat, one-output-element-per-invocation layout (what elementwise programs use). */
export function flatLayout(
  outputShape: number[],
  workgroupX = 64,
): Pick<WebGPUProgram, 'dispatch' | 'dispatchLayout' | 'workgroupSize'> {
  const dispatchLayout = webgpu_util.flatDispatchLayout(outputShape);
  const workgroupSize: [number, number, number] = [workgroupX, 1, 1];
  return {
    dispatchLayout,
    workgroupSize,
    dispatch: webgpu_util.computeDispatch(dispatchLayout, outputShape, workgroupSize),
  };
}

/**
 * Storage buffers per shader stage that every device allows (WebGPU's minimum, and the limit of
 * compatibility-mode adapters such as lavapipe under ANGLE): read-only inputs count as well.
 */
export const MAX_STORAGE_BUFFERS_PER_STAGE = 8;

/** Storage buffers a program binds: one per input, the output, and any its own WGSL declares. */
export function storageBindings(program: Pick<WebGPUProgram, 'variableNames' | 'getUserCode'>): number {
  const declared = program.getUserCode().match(/var\s*<\s*storage\b/g)?.length ?? 0;
  return program.variableNames.length + 1 + declared;
}

export function runProgram(
  program: WebGPUProgram,
  inputs: tf.Tensor[],
  uniforms?: ProgramUniforms,
  dtype: tf.DataType = 'float32',
): tf.Tensor {
  const backend = activeWebGPUBackend();
  if (!backend) throw new Error(`${program.shaderKey} needs the webgpu backend (active: ${tf.getBackend()})`);
  const bindings = storageBindings(program);
  if (bindings > MAX_STORAGE_BUFFERS_PER_STAGE) {
    throw new Error(
      `${program.shaderKey} binds ${bindings} storage buffers, more than the ${MAX_STORAGE_BUFFERS_PER_STAGE} every device allows`,
    );
  }
  const info = backend.runWebGPUProgram(program, inputs, dtype, uniforms);
  return tf.engine().makeTensorFromTensorInfo(info);
}
