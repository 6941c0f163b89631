/**
 * Gradient plumbing between the backward pass and the optimizer: accumulation over micro-batches and
 * global-norm clipping with torch.nn.utils.clip_grad_norm_ semantics. Everything stays on the device (no
 * reads), so a step never waits on the GPU.
 */
import * as tf from '@tensorflow/tfjs-core';

export type NamedTensors = ReadonlyMap<string, tf.Tensor>;

export class GradientError extends Error {
  override name = 'GradientError';
}

/**
 * Sums gradients over micro-batches. `mean` divides by the count, which equals HF Trainer's scaling of each
 * micro-batch loss by 1 / gradient_accumulation_steps when the micro-batches are the same size.
 */
export class GradientAccumulator {
  private readonly sums = new Map<string, tf.Tensor>();
  private added = 0;

  get count(): number {
    return this.added;
  }

  /** Adds one micro-batch's gradients; the caller keeps ownership of `grads`. */
  add(grads: NamedTensors): void {
    if (this.added > 0) {
      if (grads.size !== this.sums.size || [...grads.keys()].some((name) => !this.sums.has(name))) {
        throw new GradientError('micro-batch gradients name different parameters than the first micro-batch');
      }
    }
    for (const [name, grad] of grads) {
      const previous = this.sums.get(name);
      if (previous && !tf.util.arraysEqual(previous.shape, grad.shape)) {
        throw new GradientError(`gradient ${name} changed shape from [${previous.shape}] to [${grad.shape}]`);
      }
      const sum = tf.tidy(() => (previous ? tf.add(previous, grad) : tf.clone(grad)));
      previous?.dispose();
      this.sums.set(name, sum);
    }
    this.added += 1;
  }

  /** The accumulated gradients (owned by the caller), and a reset for the next step. */
  take(reduction: 'mean' | 'sum'): Map<string, tf.Tensor> {
    if (this.added === 0) throw new GradientError('no gradients accumulated');
    const result = new Map<string, tf.Tensor>();
    for (const [name, sum] of this.sums) {
      if (reduction === 'sum') result.set(name, sum);
      else {
        result.set(
          name,
          tf.tidy(() => tf.div(sum, this.added)),
        );
        sum.dispose();
      }
    }
    this.sums.clear();
    this.added = 0;
    return result;
  }

  dispose(): void {
    for (const sum of this.sums.values()) sum.dispose();
    this.sums.clear();
    this.added = 0;
  }
}

/** The L2 norm over all gradients together, sqrt(sum of every element squared), as a scalar tensor. */
export function globalNorm(grads: NamedTensors): tf.Scalar {
  if (grads.size === 0) throw new GradientError('global norm of no gradients');
  return tf.tidy(() => {
    // Per-tensor norms first, then the norm of those, as torch does: the same rounding path.
    const norms = [...grads.values()].map((grad) => tf.norm(grad));
    return tf.norm(tf.stack(norms)) as tf.Scalar;
  });
}

export interface ClippedGradients {
  grads: Map<string, tf.Tensor>;
  /** The norm before clipping (what torch returns and charts show). */
  totalNorm: tf.Scalar;
}

/**
 * torch.nn.utils.clip_grad_norm_(max_norm, norm_type=2): multiplies every gradient by
 * min(1, max_norm / (total_norm + 1e-6)). Returns new tensors (the caller owns them and the inputs).
 */
export function clipByGlobalNorm(grads: NamedTensors, maxNorm: number): ClippedGradients {
  if (!(maxNorm > 0)) throw new GradientError(`max norm must be > 0, got ${maxNorm}`);
  const totalNorm = globalNorm(grads);
  // torch evaluates `max_norm / (total + 1e-6)` as reciprocal(total + 1e-6) * max_norm (Tensor.__rtruediv__);
  // the same two roundings keep clipped gradients bit-identical to torch's.
  const coefficient = tf.tidy(() => tf.minimum(tf.mul(tf.reciprocal(tf.add(totalNorm, 1e-6)), maxNorm), 1));
  // Not one tidy around the loop: tidy does not look inside a Map and would free the results.
  const clipped = new Map<string, tf.Tensor>();
  for (const [name, grad] of grads) clipped.set(name, tf.mul(grad, coefficient));
  coefficient.dispose();
  return { grads: clipped, totalNorm };
}

export function disposeAll(tensors: NamedTensors): void {
  for (const tensor of tensors.values()) tensor.dispose();
}
