/**
 * Failures of checkpoint reading and loading. Each names the file (or key) and the reason, so the page can
 * show it as is; they cross the worker boundary by `name`.
 */

/** A file that is not what its name says (truncated, corrupt header, wrong dtype sizes...). */
export class CheckpointFormatError extends Error {
  override name = 'CheckpointFormatError';
  constructor(
    readonly file: string,
    reason: string,
  ) {
    super(`${file}: ${reason}`);
  }
}

/** A pickle that names a global outside the tensor-checkpoint allowlist: refused, nothing executed. */
export class UnsafePickleError extends Error {
  override name = 'UnsafePickleError';
  constructor(
    readonly file: string,
    readonly global: string,
  ) {
    super(
      `${file}: refused to load: the pickle references ${global}, which is not part of a PyTorch tensor ` +
        `checkpoint (only torch._utils._rebuild_tensor_v2, torch.*Storage and collections.OrderedDict are ` +
        `allowed). Nothing was executed. Convert the checkpoint to safetensors if you trust it.`,
    );
  }
}

/** A checkpoint tensor whose shape differs from the model's parameter of the same name. */
export class ShapeMismatchError extends Error {
  override name = 'ShapeMismatchError';
  constructor(
    readonly mismatches: readonly { key: string; checkpointShape: number[]; modelShape: number[] }[],
  ) {
    super(
      `Error(s) in loading the checkpoint into VideoMAEForVideoClassification: ${mismatches
        .map(
          (m) =>
            `size mismatch for ${m.key}: the checkpoint has shape [${m.checkpointShape.join(', ')}], the model ` +
            `expects [${m.modelShape.join(', ')}]`,
        )
        .join('; ')}. Check that config.json belongs to these weights, or load with ignoreMismatchedSizes.`,
    );
  }
}

/** The checkpoint is not a VideoMAE classifier/pretraining state dict at all. */
export class IncompatibleCheckpointError extends Error {
  override name = 'IncompatibleCheckpointError';
}

/** No config.json or no weights among the given files. */
export class MissingCheckpointFileError extends Error {
  override name = 'MissingCheckpointFileError';
}
