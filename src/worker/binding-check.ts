/**
 * Refuses, before a run starts, a training step whose largest tensor the WebGPU device cannot bind: WebGPU
 * would reject the binding and the program would compute nothing, so the run would train on wrong tensors
 * instead of failing. The page's cost line refuses the same case first; this is the engine's own guard.
 */
import * as tf from '@tensorflow/tfjs-core';
import { fusedAttentionPlan } from '../kernels/attention.ts';
import type { VideoMAEConfig } from '../model/videomae/config.ts';
import { bindingProblem } from '../model/videomae/summary.ts';
import type { RunConfig } from '../train/run-config.ts';
import { currentDevice } from './webgpu-device.ts';

export function bindingRefusal(
  config: VideoMAEConfig,
  runs: readonly { id: string; config: RunConfig }[],
): string | null {
  const device = currentDevice();
  if (tf.getBackend() !== 'webgpu' || !device) return null;
  const limit = Math.min(device.limits.maxStorageBufferBindingSize, device.limits.maxBufferSize);
  const fusedAvailable = fusedAttentionPlan(config.hidden_size / config.num_attention_heads) !== null;
  for (const run of runs) {
    const problem = bindingProblem(config, run.config.batchSize, fusedAvailable, limit);
    if (problem) return `Run ${run.id} cannot train on this GPU: ${problem}`;
  }
  return null;
}
