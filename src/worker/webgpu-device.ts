/**
 * Owns the WebGPU device behind tfjs's webgpu backend, so the app can notice when it is lost (driver
 * reset, GPU removed, `device.destroy()`) and build a fresh backend on a new device afterwards.
 *
 * tfjs-backend-webgpu registers a factory that creates the device privately; this module registers an
 * equivalent factory in its place (same adapter preference, features and limits) that keeps the device
 * and forwards its `lost` promise.
 */
import * as tf from '@tensorflow/tfjs-core';
import { WebGPUBackend } from '@tensorflow/tfjs-backend-webgpu';
import { settleWithin } from '../util/settle-within.ts';

type LostListener = (reason: string) => void;

const listeners = new Set<LostListener>();
let device: GPUDevice | null = null;
/** Settles when the newest device is lost (kept after `device` is cleared). */
let newestLost: Promise<unknown> | null = null;
/** Reports a device's loss once, whichever notices it first: its `lost` promise or simulateDeviceLoss. */
const lossReporters = new WeakMap<GPUDevice, (reason: string) => void>();
/** Set while the app itself replaces the device, so that its `lost` is not reported as a fault. */
let replacing = false;

export function onDeviceLost(listener: LostListener): () => void {
  listeners.add(listener);
  return () => listeners.delete(listener);
}

export function currentDevice(): GPUDevice | null {
  return device;
}

async function createBackend(): Promise<WebGPUBackend> {
  const gpu = navigator.gpu;
  if (!gpu) throw new Error('navigator.gpu is not available');
  const adapter = await gpu.requestAdapter({
    powerPreference: tf.env().getBool('WEBGPU_USE_LOW_POWER_GPU') ? 'low-power' : 'high-performance',
  });
  if (!adapter) throw new Error('requestAdapter returned null');
  const requiredFeatures: GPUFeatureName[] = [];
  if (adapter.features.has('timestamp-query')) requiredFeatures.push('timestamp-query');
  const limits = adapter.limits;
  const created = await adapter.requestDevice({
    requiredFeatures,
    requiredLimits: {
      maxComputeWorkgroupStorageSize: limits.maxComputeWorkgroupStorageSize,
      maxComputeWorkgroupsPerDimension: limits.maxComputeWorkgroupsPerDimension,
      maxStorageBufferBindingSize: limits.maxStorageBufferBindingSize,
      maxBufferSize: limits.maxBufferSize,
      maxComputeWorkgroupSizeX: limits.maxComputeWorkgroupSizeX,
      maxComputeWorkgroupSizeY: limits.maxComputeWorkgroupSizeY,
      maxComputeInvocationsPerWorkgroup: limits.maxComputeInvocationsPerWorkgroup,
    },
  });
  device = created;
  // A validation error (bad WGSL, a binding past a limit) otherwise reaches only this worker's DevTools
  // console, where browser tests cannot see it, while the op's result silently comes back wrong.
  created.addEventListener('uncapturederror', (event) => {
    console.error(`WebGPU error: ${(event as GPUUncapturedErrorEvent).error.message}`);
  });
  let settleLost: () => void = () => {};
  newestLost = new Promise<void>((resolve) => (settleLost = resolve));
  lossReporters.set(created, (reason) => {
    lossReporters.delete(created);
    settleLost();
    if (device === created) device = null;
    if (replacing) return;
    for (const listener of listeners) listener(reason);
  });
  void created.lost.then((info) => {
    const reason = info.message ? `${info.reason}: ${info.message}` : String(info.reason ?? 'unknown');
    lossReporters.get(created)?.(reason);
  });
  return new WebGPUBackend(created, adapter.info);
}

/** Replaces tfjs-backend-webgpu's own factory; call once, before the webgpu backend is first used. */
export function registerWebGPUBackend(): void {
  if (typeof navigator === 'undefined' || !navigator.gpu) return;
  tf.removeBackend('webgpu');
  tf.registerBackend('webgpu', createBackend, 3);
}

/** After a loss: drops the dead backend and, if webgpu was active, starts it again on a new device. */
export async function reviveWebGPU(): Promise<void> {
  const wasActive = tf.getBackend() === 'webgpu';
  replacing = true;
  try {
    tf.removeBackend('webgpu');
  } finally {
    replacing = false;
  }
  tf.registerBackend('webgpu', createBackend, 3);
  if (wasActive) {
    const ok = await tf.setBackend('webgpu');
    if (!ok) throw new Error('WebGPU could not start again after the device was lost');
  }
}

/**
 * Whether the newest device is lost, waiting up to `ms` for it: a failed GPU operation can reject before
 * the device's `lost` promise settles, and only then is a failure the loss rather than a bug. Listeners
 * registered by `onDeviceLost` have run by the time this answers true.
 */
export async function deviceLostWithin(ms: number): Promise<boolean> {
  if (!newestLost) return false;
  return settleWithin(
    newestLost.then(() => true),
    ms,
    () => false,
  );
}

/** Destroys the current device as a driver reset would: how tests (and curious users) check recovery. */
export function simulateDeviceLoss(): boolean {
  if (!device) return false;
  const destroyed = device;
  destroyed.destroy();
  // The runs' pending reads fail at once, but the GPU process settles `lost` only once it has drained the
  // work already queued: seconds on a software adapter such as lavapipe, past the wait that tells a loss
  // from a bug. The loss is certain here, so it is reported now.
  lossReporters.get(destroyed)?.('destroyed: Device was destroyed.');
  return true;
}
