/**
 * Harness suite for `npm run bench -- vitb-step`: one training step of the app's trainer on WebGPU while
 * every request to the device is recorded (gpu-usage.ts), to hold it against the adapter's limits and the
 * Model panel's memory estimate.
 */
import { gpuUsage, installGpuRecorder } from './gpu-usage.ts';
import { currentDevice } from '../../../src/worker/webgpu-device.ts';

// Before the webgpu backend exists: the recorder watches the device from its creation.
installGpuRecorder();

export { useBackend } from './backends.ts';
export { trainStepTimes } from './train-step.ts';

/** What the device was asked for so far, as plain data (the limit check runs against `limit`). */
export function gpuUsageReport(limit: number): Omit<ReturnType<typeof gpuUsage>, 'bindingsOver'> & {
  bindingsOverLimit: string[];
} {
  const { bindingsOver, ...usage } = gpuUsage();
  return { ...usage, bindingsOverLimit: bindingsOver(limit) };
}

/**
 * The limits a training step can run into, as the device tfjs runs on has them (the app's device asks for
 * the adapter's binding and buffer sizes, but not for more storage buffers per stage than the default 8).
 */
export function deviceLimits(): Record<string, number> {
  const device = currentDevice();
  if (!device) throw new Error('the webgpu backend has no device: call useBackend("webgpu") first');
  const l = device.limits;
  return {
    maxStorageBufferBindingSize: l.maxStorageBufferBindingSize,
    maxBufferSize: l.maxBufferSize,
    maxStorageBuffersPerShaderStage: l.maxStorageBuffersPerShaderStage,
    maxComputeWorkgroupsPerDimension: l.maxComputeWorkgroupsPerDimension,
  };
}
