/**
 * Pretraining checkpoints, one per slot: the whole VideoMAEForPreTraining (encoder and decoder) under
 * `model.*`, AdamW's moments under `adam.m.*` / `adam.v.*`, and everything needed to continue the curve
 * exactly as JSON metadata. Like run checkpoints (checkpoint-store.ts) no RNG state is stored: the
 * pretraining derives clip order, masks and mixing from (seed, step).
 *
 * They live beside the run checkpoints but in their own folder, so "delete saved runs" leaves the
 * pretrainings that runs may start from.
 */
import { readSafetensors, writeSafetensors } from '../model/checkpoint/safetensors.ts';
import type { PreprocessSettings } from '../data/clip-spec.ts';
import { CheckpointError, type CheckpointStorage, type TensorValue } from './checkpoint-store.ts';
import type { OptimizerStateSnapshot } from './optimizers.ts';
import type { PretrainConfig, PretrainSlot } from './pretrain-config.ts';
import type { PretrainingInfo, PretrainPoint } from './pretrain-types.ts';
import type { RunStatus } from './types.ts';

export interface PretrainProgress {
  step: number;
  elapsedMs: number;
  points: PretrainPoint[];
  /** Clips asked for that could not be read, and steps that passed without an update for it. */
  lostClips: number;
  emptySteps: number;
}

export interface PretrainCheckpoint {
  slot: PretrainSlot;
  config: PretrainConfig;
  /** The VideoMAEForPreTraining config.json (encoder and decoder sizes). */
  modelConfig: Record<string, unknown>;
  preprocess: PreprocessSettings;
  /** The dataset it pretrains on: a resume on another one is refused. */
  datasetKey: string;
  status: RunStatus;
  savedAt: number;
  progress: PretrainProgress;
  weights: Map<string, TensorValue>;
  optimizer: OptimizerStateSnapshot;
}

const FORMAT = 'videomae-playground-pretrain-checkpoint/1';

interface PretrainMeta extends Omit<PretrainCheckpoint, 'weights' | 'optimizer'> {
  format: typeof FORMAT;
  optimizer: { kind: OptimizerStateSnapshot['kind']; step: number; slotSteps: Record<string, number> };
}

export function encodePretrainCheckpoint(checkpoint: PretrainCheckpoint): Uint8Array {
  const tensors: [string, TensorValue][] = [];
  for (const [name, value] of checkpoint.weights) tensors.push([`model.${name}`, value]);
  const slotSteps: Record<string, number> = {};
  for (const [name, slot] of Object.entries(checkpoint.optimizer.slots)) {
    const shape = checkpoint.weights.get(name)?.shape ?? [slot.m.length];
    tensors.push([`adam.m.${name}`, { shape, data: slot.m }]);
    tensors.push([`adam.v.${name}`, { shape, data: slot.v }]);
    slotSteps[name] = slot.step;
  }
  const { weights: _weights, optimizer, ...rest } = checkpoint;
  const meta: PretrainMeta = {
    format: FORMAT,
    ...rest,
    optimizer: { kind: optimizer.kind, step: optimizer.step, slotSteps },
  };
  return writeSafetensors(tensors, { format: 'pt', pretraining: JSON.stringify(meta) });
}

function parseMeta(text: string | undefined, file: string): PretrainMeta {
  let meta: PretrainMeta | null;
  try {
    meta = JSON.parse(text ?? 'null') as PretrainMeta | null;
  } catch {
    throw new CheckpointError(`${file}: the pretraining checkpoint's metadata is not valid JSON`);
  }
  if (!meta || meta.format !== FORMAT)
    throw new CheckpointError(`${file}: not a pretraining checkpoint of this app`);
  return meta;
}

export function decodePretrainCheckpoint(bytes: Uint8Array, file: string): PretrainCheckpoint {
  const { tensors, metadata } = readSafetensors(bytes, file);
  const meta = parseMeta(metadata.pretraining, file);
  const weights = new Map<string, TensorValue>();
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
  const slots: OptimizerStateSnapshot['slots'] = {};
  for (const [name, { m, v }] of moments) {
    const step = meta.optimizer.slotSteps[name];
    if (!m || !v || step === undefined)
      throw new CheckpointError(`${file}: optimizer state of ${name} is incomplete`);
    slots[name] = { step, m, v };
  }
  const { format: _format, optimizer, ...rest } = meta;
  return { ...rest, weights, optimizer: { kind: optimizer.kind, step: optimizer.step, slots } };
}

/** Mean loss of the last whole epoch recorded (NaN before one ends). */
export function lastEpochLoss(points: readonly PretrainPoint[]): number {
  const last = points.at(-1);
  if (!last) return NaN;
  const epochEnd = Math.floor(last.epoch + 1e-9);
  if (epochEnd < 1) return NaN;
  const inEpoch = points.filter((p) => p.epoch > epochEnd - 1 + 1e-9 && p.epoch <= epochEnd + 1e-9);
  if (inEpoch.length === 0) return NaN;
  return inEpoch.reduce((sum, p) => sum + p.loss, 0) / inEpoch.length;
}

function infoOf(meta: Omit<PretrainMeta, 'format' | 'optimizer'>): PretrainingInfo {
  return {
    slot: meta.slot,
    config: meta.config,
    status: meta.status,
    step: meta.progress.step,
    epoch: meta.progress.points.at(-1)?.epoch ?? 0,
    loss: lastEpochLoss(meta.progress.points),
    savedAt: meta.savedAt,
  };
}

/** Reads the header only, for listing pretrainings. */
export function peekPretrainCheckpoint(bytes: Uint8Array): PretrainingInfo | null {
  try {
    const headerLength = Number(new DataView(bytes.buffer, bytes.byteOffset, 8).getBigUint64(0, true));
    const header = JSON.parse(new TextDecoder().decode(bytes.subarray(8, 8 + headerLength))) as {
      __metadata__?: { pretraining?: string };
    };
    return infoOf(parseMeta(header.__metadata__?.pretraining, 'checkpoint'));
  } catch {
    return null;
  }
}

export function pretrainFileOf(slot: PretrainSlot): string {
  return `${slot}.safetensors`;
}

export class PretrainCheckpointStore {
  constructor(private readonly storage: CheckpointStorage) {}

  async save(checkpoint: PretrainCheckpoint): Promise<void> {
    await this.storage.write(pretrainFileOf(checkpoint.slot), encodePretrainCheckpoint(checkpoint));
  }

  async load(slot: PretrainSlot): Promise<PretrainCheckpoint | null> {
    const bytes = await this.storage.read(pretrainFileOf(slot));
    return bytes ? decodePretrainCheckpoint(bytes, pretrainFileOf(slot)) : null;
  }

  async list(): Promise<PretrainingInfo[]> {
    const infos: PretrainingInfo[] = [];
    for (const name of await this.storage.list()) {
      if (!/^pretraining-[12]\.safetensors$/.test(name)) continue;
      const bytes = await this.storage.read(name);
      const info = bytes ? peekPretrainCheckpoint(bytes) : null;
      if (info) infos.push(info);
    }
    return infos.sort((a, b) => a.slot.localeCompare(b.slot));
  }

  async remove(slot: PretrainSlot): Promise<void> {
    await this.storage.remove(pretrainFileOf(slot));
  }
}
