/**
 * A BatchSource over clips already in memory, as `[T, 3, H, W]` float32 arrays: what benchmarks and Node
 * tests train on, and a way to train on tensors that do not come from video files. Training batches get
 * the data worker's kind of determinism: a clip's random horizontal flip is a function of (seed, epoch,
 * clip id), whatever else the run does.
 */
import type { BatchRequest } from '../data/worker/protocol.ts';
import { clipRng } from '../data/clip-spec.ts';
import type { BatchSource, TrainingBatch } from './trainer.ts';

export interface MemoryClip {
  data: Float32Array;
  label: number;
}

export class UnknownClipError extends Error {
  override name = 'UnknownClipError';
}

export class MemoryBatchSource implements BatchSource {
  /** Every request served, in order (what a run asked for, e.g. to compare two runs' data order). */
  readonly served: BatchRequest[] = [];

  /**
   * `unreadable`: clips that fail as a broken file does in the data worker (id -> reason): they are left
   * out of every batch and listed in its `skipped`.
   */
  constructor(
    private readonly clips: ReadonlyMap<string, MemoryClip>,
    private readonly clipShape: readonly [number, number, number, number],
    private readonly unreadable: ReadonlyMap<string, string> = new Map(),
  ) {
    const size = clipShape.reduce((a, b) => a * b, 1);
    for (const [id, clip] of clips) {
      if (clip.data.length !== size) {
        throw new RangeError(`clip ${id} has ${clip.data.length} values, expected [${clipShape.join(', ')}]`);
      }
    }
  }

  async getBatch(request: BatchRequest): Promise<TrainingBatch> {
    this.served.push(request);
    const [t, c, h, w] = this.clipShape;
    const size = t * c * h * w;
    const readable = request.clipIds.filter((id) => !this.unreadable.has(id));
    const data = new Float32Array(readable.length * size);
    const labels = new Int32Array(readable.length);
    readable.forEach((id, i) => {
      const clip = this.clips.get(id);
      if (!clip) throw new UnknownClipError(`no clip ${id}`);
      labels[i] = clip.label;
      const out = data.subarray(i * size, (i + 1) * size);
      const flip =
        request.spec.spatial.mode === 'train' && clipRng(request.seed, request.epoch, id).next() < 0.5;
      if (!flip) {
        out.set(clip.data);
        return;
      }
      for (let row = 0; row < t * c * h; row++) {
        for (let x = 0; x < w; x++) out[row * w + x] = clip.data[row * w + (w - 1 - x)]!;
      }
    });
    return {
      data,
      shape: [readable.length, t, c, h, w],
      labels,
      clipIds: readable,
      skipped: request.clipIds
        .filter((id) => this.unreadable.has(id))
        .map((id) => ({ path: id, reason: this.unreadable.get(id)! })),
    };
  }

  prefetch(): void {
    // Everything is already in memory.
  }
}
