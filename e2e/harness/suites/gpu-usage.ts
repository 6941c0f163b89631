/**
 * Records what the page asks of the WebGPU device, to hold it against the adapter's limits: bytes allocated
 * (live and peak), the largest buffer, the largest storage binding and the most storage buffers bound for
 * one program (with the program's name), the largest dispatch, and validation errors. It patches the
 * WebGPU prototypes, so it must be installed before the device is created.
 */

export interface ProgramBinding {
  program: string;
  bytes: number;
}

export interface GpuUsage {
  liveBytes: number;
  peakBytes: number;
  buffersCreated: number;
  largestBuffer: number;
  largestStorageBinding: ProgramBinding;
  mostStorageBuffers: { program: string; count: number };
  largestDispatchDimension: { program: string; workgroups: number };
  /** Storage bindings over `limit`, one line per program (deduplicated). */
  bindingsOver: (limit: number) => string[];
  validationErrors: string[];
}

interface BindGroupFacts {
  storageCount: number;
  largestStorage: number;
}

const bindGroups = new WeakMap<GPUBindGroup, BindGroupFacts>();
const bufferSizes = new WeakMap<GPUBuffer, number>();
const programBindings = new Map<string, number>();
const passPrograms = new WeakMap<GPUComputePassEncoder, string>();

const record = {
  liveBytes: 0,
  peakBytes: 0,
  buffersCreated: 0,
  largestBuffer: 0,
  largestStorageBinding: { program: '', bytes: 0 },
  mostStorageBuffers: { program: '', count: 0 },
  largestDispatchDimension: { program: '', workgroups: 0 },
  validationErrors: [] as string[],
};

let installed = false;

function bindingOf(resource: GPUBindingResource): { buffer: GPUBuffer; size: number } | null {
  if (resource instanceof GPUBuffer) return { buffer: resource, size: resource.size };
  if (typeof resource === 'object' && 'buffer' in resource) {
    const offset = resource.offset ?? 0;
    return { buffer: resource.buffer, size: resource.size ?? resource.buffer.size - offset };
  }
  return null;
}

export function installGpuRecorder(): void {
  if (installed) return;
  installed = true;
  const createBuffer = GPUDevice.prototype.createBuffer;
  GPUDevice.prototype.createBuffer = function (this: GPUDevice, descriptor: GPUBufferDescriptor) {
    const buffer = createBuffer.call(this, descriptor);
    bufferSizes.set(buffer, descriptor.size);
    record.buffersCreated++;
    record.liveBytes += descriptor.size;
    record.peakBytes = Math.max(record.peakBytes, record.liveBytes);
    record.largestBuffer = Math.max(record.largestBuffer, descriptor.size);
    return buffer;
  };
  const destroy = GPUBuffer.prototype.destroy;
  GPUBuffer.prototype.destroy = function (this: GPUBuffer) {
    const size = bufferSizes.get(this);
    if (size !== undefined) {
      record.liveBytes -= size;
      bufferSizes.delete(this);
    }
    destroy.call(this);
  };
  const createBindGroup = GPUDevice.prototype.createBindGroup;
  GPUDevice.prototype.createBindGroup = function (this: GPUDevice, descriptor: GPUBindGroupDescriptor) {
    const group = createBindGroup.call(this, descriptor);
    const facts: BindGroupFacts = { storageCount: 0, largestStorage: 0 };
    for (const entry of descriptor.entries) {
      const binding = bindingOf(entry.resource);
      if (!binding || !(binding.buffer.usage & GPUBufferUsage.STORAGE)) continue;
      facts.storageCount++;
      facts.largestStorage = Math.max(facts.largestStorage, binding.size);
    }
    bindGroups.set(group, facts);
    return group;
  };
  const setPipeline = GPUComputePassEncoder.prototype.setPipeline;
  GPUComputePassEncoder.prototype.setPipeline = function (
    this: GPUComputePassEncoder,
    pipeline: GPUComputePipeline,
  ) {
    passPrograms.set(this, pipeline.label || '(unlabelled)');
    setPipeline.call(this, pipeline);
  };
  const setBindGroup = GPUComputePassEncoder.prototype.setBindGroup as (
    this: GPUComputePassEncoder,
    index: number,
    group: GPUBindGroup | null,
    ...rest: unknown[]
  ) => void;
  GPUComputePassEncoder.prototype.setBindGroup = function (
    this: GPUComputePassEncoder,
    index: number,
    group: GPUBindGroup | null,
    ...rest: unknown[]
  ) {
    const facts = group ? bindGroups.get(group) : undefined;
    const program = passPrograms.get(this) ?? '(no pipeline yet)';
    if (facts) {
      if (facts.storageCount > record.mostStorageBuffers.count)
        record.mostStorageBuffers = { program, count: facts.storageCount };
      if (facts.largestStorage > record.largestStorageBinding.bytes)
        record.largestStorageBinding = { program, bytes: facts.largestStorage };
      programBindings.set(program, Math.max(programBindings.get(program) ?? 0, facts.largestStorage));
    }
    setBindGroup.call(this, index, group, ...rest);
  } as typeof GPUComputePassEncoder.prototype.setBindGroup;
  const dispatch = GPUComputePassEncoder.prototype.dispatchWorkgroups;
  GPUComputePassEncoder.prototype.dispatchWorkgroups = function (
    this: GPUComputePassEncoder,
    x: number,
    y?: number,
    z?: number,
  ) {
    const largest = Math.max(x, y ?? 1, z ?? 1);
    if (largest > record.largestDispatchDimension.workgroups)
      record.largestDispatchDimension = { program: passPrograms.get(this) ?? '', workgroups: largest };
    dispatch.call(this, x, y, z);
  };
  const requestDevice = GPUAdapter.prototype.requestDevice;
  GPUAdapter.prototype.requestDevice = async function (this: GPUAdapter, descriptor?: GPUDeviceDescriptor) {
    const device = await requestDevice.call(this, descriptor);
    device.addEventListener('uncapturederror', (event) => {
      record.validationErrors.push((event as GPUUncapturedErrorEvent).error.message);
    });
    return device;
  };
}

export function gpuUsage(): GpuUsage {
  return {
    ...record,
    largestStorageBinding: { ...record.largestStorageBinding },
    mostStorageBuffers: { ...record.mostStorageBuffers },
    largestDispatchDimension: { ...record.largestDispatchDimension },
    validationErrors: [...record.validationErrors],
    bindingsOver: (limit) =>
      [...programBindings].filter(([, bytes]) => bytes > limit).map(([p, bytes]) => `${p}: ${bytes} B`),
  };
}
