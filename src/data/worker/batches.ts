/**
 * From clips to tensors: a clip sampled as a spec says (temporal window, spatial plan) and written
 * normalised, and batches of them, without the clips that cannot be read: each of those is reported in the
 * batch with its reason, and rejected for good (moved to the skipped list) only when it failed alone on a
 * fresh decoder, so one broken clip never stops a run and a decoder fault never loses one. A few batches
 * are prepared ahead, so the next step's are ready when it asks.
 */
import {
  maxShortSideFor,
  spatialPlan,
  temporalSample,
  type ClipSpec,
  type SampleInfo,
} from '../clip-spec.ts';
import type { ClipRecord } from '../dataset-index.ts';
import { ClipNotFoundError, ClipRejectedError, messageOf } from '../errors.ts';
import type { RgbFrame } from '../image.ts';
import { writeClip } from '../transforms.ts';
import type { FrameSource } from './frame-source.ts';
import { requestKey } from './ingest-helpers.ts';
import type { BatchRequest, BatchTensor } from './protocol.ts';

/** Prepared batches kept ready (each can be ~100 MB at 224 px). */
const MAX_PREPARED = 2;

export interface SampledClip {
  frames: RgbFrame[];
  sample: SampleInfo;
}

export class BatchMaker {
  private readonly prepared = new Map<string, Promise<BatchTensor>>();

  constructor(
    private readonly source: FrameSource,
    /** The clip of an id; throws ClipNotFoundError for one that is not (or no longer) in the dataset. */
    private readonly record: (clipId: string) => ClipRecord,
    /** Moves a clip that failed alone on a fresh decoder to the skipped list. */
    private readonly reject: (clipId: string, reason: string) => void,
  ) {}

  /** Drops prepared batches (the dataset, its splits or the cache changed). */
  clear(): void {
    this.prepared.clear();
  }

  async sample(clip: ClipRecord, spec: ClipSpec, seed: number, epoch: number): Promise<SampledClip> {
    const temporal = temporalSample(clip, spec, seed, epoch);
    const { width, height, frames } = await this.source.read(
      clip,
      temporal.indices,
      maxShortSideFor(spec.spatial.imageSize),
    );
    const plan = spatialPlan(clip, width, height, spec, seed, epoch);
    return {
      frames: temporal.indices.map((i) => ({ width, height, data: frames.get(i)! })),
      sample: { indices: temporal.indices, padded: temporal.padded, plan },
    };
  }

  /** The batch of `request`: the one prepared for it, or assembled now. */
  get(request: BatchRequest): Promise<BatchTensor> {
    const key = requestKey(request);
    const ready = this.prepared.get(key);
    this.prepared.delete(key);
    return ready ?? this.assemble(request);
  }

  prefetch(requests: readonly BatchRequest[]): void {
    for (const request of requests) {
      const key = requestKey(request);
      if (this.prepared.has(key)) continue;
      while (this.prepared.size >= MAX_PREPARED) this.prepared.delete(this.prepared.keys().next().value!);
      const pending = this.assemble(request);
      // A failed prefetch is reported when (if) the batch is asked for.
      pending.catch(() => undefined);
      this.prepared.set(key, pending);
    }
  }

  private async assemble(request: BatchRequest): Promise<BatchTensor> {
    const { numFrames } = request.spec.temporal;
    const size = request.spec.spatial.imageSize;
    const clipSize = numFrames * 3 * size * size;
    const read = await Promise.allSettled(
      request.clipIds.map(async (id) => {
        const clip = this.record(id);
        return { clip, ...(await this.sample(clip, request.spec, request.seed, request.epoch)) };
      }),
    );
    const usable: ({ clip: ClipRecord } & SampledClip)[] = [];
    const skipped: BatchTensor['skipped'] = [];
    read.forEach((result, i) => {
      if (result.status === 'fulfilled') {
        usable.push(result.value);
        return;
      }
      const clipId = request.clipIds[i]!;
      const reason = messageOf(result.reason);
      // Rejected for good only after failing alone on a fresh decoder (retry-alone.ts); any other failure
      // (a cache read, a decoder fault that outlived its retry budget) leaves the clip in the dataset.
      const permanent =
        result.reason instanceof ClipRejectedError || result.reason instanceof ClipNotFoundError;
      skipped.push({ path: clipId, reason, transient: !permanent });
      if (result.reason instanceof ClipRejectedError) this.reject(clipId, reason);
    });
    const data = new Float32Array(usable.length * clipSize);
    usable.forEach(({ frames, sample }, b) =>
      writeClip(frames, sample.plan, request.spec.normalize, data, b * clipSize),
    );
    return {
      data,
      shape: [usable.length, numFrames, 3, size, size],
      labels: Int32Array.from(usable, (u) => u.clip.labelIndex),
      clipIds: usable.map((u) => u.clip.id),
      samples: usable.map((u) => u.sample),
      skipped,
    };
  }
}
