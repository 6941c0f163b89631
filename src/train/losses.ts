/**
 * Cross-entropy on hard (class index) and soft (probability) targets, averaged over the batch, plus the
 * soft targets that label smoothing and CutMix/Mixup make (timm's `mixup_target`).
 *
 * Log-softmax subtracts the row maximum before exponentiating (tf.logSoftmax), so logits in the thousands
 * stay finite. Hard labels with smoothing eps give the same loss as torch's
 * `cross_entropy(label_smoothing=eps)`: both are CE against (1 - eps) * onehot + eps / C.
 */
import * as tf from '@tensorflow/tfjs-core';

/** Class indices: a JS array (validated here) or an int32 tensor already on the device. */
export type Labels = ArrayLike<number> | tf.Tensor1D;

export class LossError extends Error {
  override name = 'LossError';
}

function labelTensor(labels: Labels, numClasses: number): tf.Tensor1D {
  if (labels instanceof tf.Tensor) return labels;
  for (let i = 0; i < labels.length; i++) {
    const label = labels[i]!;
    if (!Number.isInteger(label) || label < 0 || label >= numClasses) {
      throw new LossError(`label ${label} at batch index ${i} is not a class index in [0, ${numClasses})`);
    }
  }
  return tf.tensor1d(Array.from(labels), 'int32');
}

/** (1 - smoothing) * onehot + smoothing / numClasses (timm's off/on values). */
export function smoothOneHot(labels: Labels, numClasses: number, smoothing = 0): tf.Tensor2D {
  if (!(smoothing >= 0 && smoothing < 1))
    throw new LossError(`label smoothing must be in [0, 1), got ${smoothing}`);
  return tf.tidy(() => {
    const off = smoothing / numClasses;
    // tfjs-backend-wasm 4.22's OneHot returns all zeros for a float32 output: build the int32 one-hot every
    // backend gets right, then choose the on/off values (rounded once from float64, as timm's are).
    const indices = labelTensor(labels, numClasses);
    const shape: [number, number] = [indices.shape[0], numClasses];
    return tf.where(
      tf.cast(tf.oneHot(indices, numClasses), 'bool'),
      tf.fill(shape, 1 - smoothing + off, 'float32'),
      tf.fill(shape, off, 'float32'),
    ) as tf.Tensor2D;
  });
}

/**
 * lam * smooth(labels) + (1 - lam) * smooth(pairedLabels): smoothing before mixing, as timm does. `lam` is
 * one value for the batch or one per sample.
 */
export function mixedTargets(
  labels: Labels,
  pairedLabels: Labels,
  lam: number | ArrayLike<number>,
  numClasses: number,
  smoothing = 0,
): tf.Tensor2D {
  return tf.tidy(() => {
    const first = smoothOneHot(labels, numClasses, smoothing);
    const second = smoothOneHot(pairedLabels, numClasses, smoothing);
    const weight: tf.Tensor | number =
      typeof lam === 'number' ? lam : tf.tensor2d(Array.from(lam), [lam.length, 1]);
    return tf.add(tf.mul(first, weight), tf.mul(second, tf.sub(1, weight))) as tf.Tensor2D;
  });
}

/** mean_b sum_c -targets[b, c] * log_softmax(logits[b])_c. */
export function softTargetCrossEntropy(logits: tf.Tensor2D, targets: tf.Tensor2D): tf.Scalar {
  if (!tf.util.arraysEqual(logits.shape, targets.shape)) {
    throw new LossError(`logits [${logits.shape}] and targets [${targets.shape}] differ in shape`);
  }
  return tf.tidy(() => tf.mean(tf.neg(tf.sum(tf.mul(targets, tf.logSoftmax(logits)), -1))) as tf.Scalar);
}

/** Cross-entropy against class indices, optionally label-smoothed (torch's `label_smoothing`). */
export function hardTargetCrossEntropy(logits: tf.Tensor2D, labels: Labels, smoothing = 0): tf.Scalar {
  const [batch, numClasses] = logits.shape;
  const count = labels instanceof tf.Tensor ? labels.shape[0] : labels.length;
  if (count !== batch) throw new LossError(`${count} labels for a batch of ${batch} logits`);
  return tf.tidy(() => softTargetCrossEntropy(logits, smoothOneHot(labels, numClasses, smoothing)));
}
