/**
 * Run checkpoints: weights, optimizer state and everything needed to continue a run's curves exactly
 * (progress, metrics so far, the config and dataset it belongs to). One safetensors file per run: model
 * weights under `model.*`, Adam moments under `adam.m.*` / `adam.v.*`, the rest as JSON in the header's
 * metadata. Stored in the Origin Private File System in the browser, so a reload can resume.
 *
 * No RNG state is stored because none is needed: the trainer derives every random choice from
 * (seed, position), and the position (the step) is in the checkpoint.
 */
import { readSafetensors, writeSafetensors } from '../model/checkpoint/safetensors.ts';
import type { PreprocessSettings } from '../data/clip-spec.ts';
import type { RunConfig } from './run-config.ts';
import type { OptimizerStateSnapshot } from './optimizers.ts';
import type { TrainerProgress } from './trainer.ts';
import type { RunId, RunStatus, SavedRunInfo } from './types.ts';

export interface TensorValue {
  shape: number[];
  data: Float32Array;
}

export interface RunCheckpoint {
  runId: RunId;
  config: RunConfig;
  /** The model's HF config.json. */
  modelConfig: Record<string, unknown>;
  preprocess: PreprocessSettings;
  /** Which dataset this run trains on (classes and clip ids): a resume on another dataset is refused. */
  datasetKey: string;
  status: RunStatus;
  savedAt: number;
  progress: TrainerProgress;
  weights: Map<string, TensorValue>;
  optimizer: OptimizerStateSnapshot;
}

export class CheckpointError extends Error {
  override name = 'CheckpointError';
}

/** A flat byte store: OPFS in the browser, memory in tests and where OPFS is unavailable. */
export interface CheckpointStorage {
  write(name: string, bytes: Uint8Array): Promise<void>;
  read(name: string): Promise<Uint8Array | null>;
  remove(name: string): Promise<void>;
  list(): Promise<string[]>;
}

const FORMAT = 'videomae-playground-run-checkpoint/1';

/** Everything but the tensors, which go to the safetensors body. */
interface CheckpointMeta extends Omit<RunCheckpoint, 'weights' | 'optimizer'> {
  format: typeof FORMAT;
  optimizer: { kind: OptimizerStateSnapshot['kind']; step: number; slotSteps: Record<string, number> };
}

export function encodeCheckpoint(checkpoint: RunCheckpoint): Uint8Array {
  const tensors: [string, TensorValue][] = [];
  for (const [name, value] of checkpoint.weights) tensors.push([`model.${name}`, value]);
  const slotSteps: Record<string, number> = {};
  for (const [name, slot] of Object.entries(checkpoint.optimizer.slots)) {
    const shape = checkpoint.weights.get(name)?.shape ?? [slot.m.length];
    tensors.push([`adam.m.${name}`, { shape, data: slot.m }]);
    tensors.push([`adam.v.${name}`, { shape, data: slot.v }]);
    slotSteps[name] = slot.step;
  }
  const meta: CheckpointMeta = {
    format: FORMAT,
    runId: checkpoint.runId,
    config: checkpoint.config,
    modelConfig: checkpoint.modelConfig,
    preprocess: checkpoint.preprocess,
    datasetKey: checkpoint.datasetKey,
    status: checkpoint.status,
    savedAt: checkpoint.savedAt,
    progress: checkpoint.progress,
    optimizer: { kind: checkpoint.optimizer.kind, step: checkpoint.optimizer.step, slotSteps },
  };
  return writeSafetensors(tensors, { format: 'pt', checkpoint: JSON.stringify(meta) });
}

export function decodeCheckpoint(bytes: Uint8Array, file: string): RunCheckpoint {
  const { tensors, metadata } = readSafetensors(bytes, file);
  let meta: CheckpointMeta;
  try {
    meta = JSON.parse(metadata.checkpoint ?? 'null') as CheckpointMeta;
  } catch {
    throw new CheckpointError(`${file}: the checkpoint metadata is not valid JSON`);
  }
  if (!meta || meta.format !== FORMAT) throw new CheckpointError(`${file}: not a run checkpoint of this app`);
  const weights = new Map<string, TensorValue>();
  const slots: OptimizerStateSnapshot['slots'] = {};
  const moments = new Map<string, { m?: Float32Array; v?: Float32Array }>();
  for (const [key, tensor] of tensors) {
    if (key.startsWith('model.')) weights.set(key.slice(6), { shape: [...tensor.shape], data: tensor.data });
    else if (key.startsWith('adam.m.') || key.startsWith('adam.v.')) {
      const name = key.slice(7);
      const entry = moments.get(name) ?? {};
      entry[key[5] as 'm' | 'v'] = tensor.data;
      moments.set(name, entry);
    }
  }
  for (const [name, { m, v }] of moments) {
    const step = meta.optimizer.slotSteps[name];
    if (!m || !v || step === undefined)
      throw new CheckpointError(`${file}: optimizer state of ${name} is incomplete`);
    slots[name] = { step, m, v };
  }
  return {
    runId: meta.runId,
    config: meta.config,
    modelConfig: meta.modelConfig,
    preprocess: meta.preprocess,
    datasetKey: meta.datasetKey,
    status: meta.status,
    savedAt: meta.savedAt,
    progress: meta.progress,
    weights,
    optimizer: { kind: meta.optimizer.kind, step: meta.optimizer.step, slots },
  };
}

/** Reads only the metadata of a checkpoint (the header), for listing saved runs. */
export function peekCheckpoint(bytes: Uint8Array): SavedRunInfo | null {
  try {
    const headerLength = Number(new DataView(bytes.buffer, bytes.byteOffset, 8).getBigUint64(0, true));
    const header = JSON.parse(new TextDecoder().decode(bytes.subarray(8, 8 + headerLength))) as {
      __metadata__?: { checkpoint?: string };
    };
    const meta = JSON.parse(header.__metadata__?.checkpoint ?? 'null') as CheckpointMeta | null;
    if (!meta || meta.format !== FORMAT) return null;
    const last = meta.progress.steps[meta.progress.steps.length - 1];
    return {
      runId: meta.runId,
      config: meta.config,
      step: meta.progress.step,
      epoch: last?.epoch ?? 0,
      savedAt: meta.savedAt,
      status: meta.status,
    };
  } catch {
    return null;
  }
}

function fileOf(runId: RunId): string {
  return `run-${runId}.safetensors`;
}

export class CheckpointStore {
  constructor(private readonly storage: CheckpointStorage) {}

  async save(checkpoint: RunCheckpoint): Promise<void> {
    await this.storage.write(fileOf(checkpoint.runId), encodeCheckpoint(checkpoint));
  }

  async load(runId: RunId): Promise<RunCheckpoint | null> {
    const bytes = await this.storage.read(fileOf(runId));
    return bytes ? decodeCheckpoint(bytes, fileOf(runId)) : null;
  }

  async list(): Promise<SavedRunInfo[]> {
    const infos: SavedRunInfo[] = [];
    for (const name of await this.storage.list()) {
      if (!/^run-[AB]\.safetensors$/.test(name)) continue;
      const bytes = await this.storage.read(name);
      const info = bytes ? peekCheckpoint(bytes) : null;
      if (info) infos.push(info);
    }
    return infos.sort((a, b) => a.runId.localeCompare(b.runId));
  }

  async remove(runId: RunId): Promise<void> {
    await this.storage.remove(fileOf(runId));
  }

  async clear(): Promise<void> {
    for (const name of await this.storage.list()) await this.storage.remove(name);
  }
}

export class MemoryCheckpointStorage implements CheckpointStorage {
  private readonly files = new Map<string, Uint8Array>();

  async write(name: string, bytes: Uint8Array): Promise<void> {
    this.files.set(name, bytes.slice());
  }

  async read(name: string): Promise<Uint8Array | null> {
    return this.files.get(name)?.slice() ?? null;
  }

  async remove(name: string): Promise<void> {
    this.files.delete(name);
  }

  async list(): Promise<string[]> {
    return [...this.files.keys()];
  }
}

/**
 * OPFS storage. A checkpoint is written to a temporary file first and then moved over the old one, so a
 * tab closed mid-write leaves the previous checkpoint intact.
 */
export class OpfsCheckpointStorage implements CheckpointStorage {
  /** Whether the browser agreed to keep this origin's storage (asked once, before the first checkpoint). */
  persisted: Promise<boolean> | null = null;

  constructor(private readonly folder = 'run-checkpoints') {}

  private async dir(): Promise<FileSystemDirectoryHandle> {
    const root = await navigator.storage.getDirectory();
    return root.getDirectoryHandle(this.folder, { create: true });
  }

  async write(name: string, bytes: Uint8Array): Promise<void> {
    // Best-effort storage is evicted under disk pressure, and the checkpoints with it: ask the browser to
    // keep it before the first one is written (Chrome decides without a prompt; a refusal changes nothing).
    this.persisted ??= navigator.storage.persist?.().catch(() => false) ?? Promise.resolve(false);
    await this.persisted;
    const dir = await this.dir();
    const temp = await dir.getFileHandle(`${name}.partial`, { create: true });
    const writable = await temp.createWritable();
    await writable.write(bytes as Uint8Array<ArrayBuffer>);
    await writable.close();
    const movable = temp as FileSystemFileHandle & { move?: (name: string) => Promise<void> };
    if (movable.move) {
      await dir.removeEntry(name).catch(() => undefined);
      await movable.move(name);
    } else {
      const target = await dir.getFileHandle(name, { create: true });
      const out = await target.createWritable();
      await out.write(bytes as Uint8Array<ArrayBuffer>);
      await out.close();
      await dir.removeEntry(`${name}.partial`);
    }
  }

  async read(name: string): Promise<Uint8Array | null> {
    try {
      const handle = await (await this.dir()).getFileHandle(name);
      return new Uint8Array(await (await handle.getFile()).arrayBuffer());
    } catch {
      return null;
    }
  }

  async remove(name: string): Promise<void> {
    await (await this.dir()).removeEntry(name).catch(() => undefined);
  }

  async list(): Promise<string[]> {
    const names: string[] = [];
    const dir = (await this.dir()) as FileSystemDirectoryHandle & { keys(): AsyncIterable<string> };
    for await (const name of dir.keys()) if (!name.endsWith('.partial')) names.push(name);
    return names;
  }
}
