/**
 * Named errors of the data pipeline. They cross worker boundaries as themselves, fields included
 * (util/worker-boundary.ts), so the page and the compute worker can react by type.
 */
import { registerErrorClasses } from '../util/worker-boundary.ts';

export class DataError extends Error {
  override name = 'DataError';
}

/** A file that looks like video but cannot be used; `reason` is written for the person who dropped it. */
export class ClipRejectedError extends DataError {
  override name = 'ClipRejectedError';
  constructor(
    readonly reason: string,
    readonly path = '',
  ) {
    super(path ? `${path}: ${reason}` : reason);
  }
}

/** The browser can demux the file but no decoder here handles its codec. */
export class UnsupportedCodecError extends ClipRejectedError {
  override name = 'UnsupportedCodecError';
}

/**
 * A decoder instance failed (an ffmpeg.wasm abort or out-of-bounds access, a WebCodecs decoder that errored
 * or was reclaimed): a fault of the decoder, not yet of the clip. The clip is retried alone on a fresh
 * decoder and becomes a ClipRejectedError only when it fails there too.
 */
export class DecoderFaultError extends DataError {
  override name = 'DecoderFaultError';
}

/** A decoder that stopped making progress on a clip (a hung codec, a crashed ffmpeg.wasm worker). */
export class DecoderStalledError extends DecoderFaultError {
  override name = 'DecoderStalledError';
}

export class ClipNotFoundError extends DataError {
  override name = 'ClipNotFoundError';
}

export class DatasetNotLoadedError extends DataError {
  override name = 'DatasetNotLoadedError';
}

export class IngestCancelledError extends DataError {
  override name = 'IngestCancelledError';
}

registerErrorClasses({
  DataError,
  ClipRejectedError,
  UnsupportedCodecError,
  DecoderFaultError,
  DecoderStalledError,
  ClipNotFoundError,
  DatasetNotLoadedError,
  IngestCancelledError,
});

export function messageOf(error: unknown): string {
  if (error instanceof ClipRejectedError) return error.reason;
  if (error instanceof Error) return error.message;
  return String(error);
}
