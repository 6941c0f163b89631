/**
 * Classification metrics computed in JS from logits read back once per batch (`[B, C]`, row-major):
 * training-step accuracy, evaluation top-1 / top-5, loss and the confusion matrix. Plain numbers, so the
 * worker can post them and the charts can use them without tfjs.
 *
 * Ties rank the lower class index first, as argmax does, so top-1 always agrees with argmax; a NaN logit
 * never counts as correct.
 */
import type { Prediction } from './types.ts';

/** What a step's accuracy compares against: a mixed clip has two labels, and we use the one it mostly shows. */
export type AccuracyTarget = 'label' | 'dominant-label';

export interface StepAccuracy {
  accuracy: number;
  correct: number;
  count: number;
  target: AccuracyTarget;
}

export interface EvalMetrics {
  count: number;
  /** Mean cross-entropy against the hard labels (no smoothing, no mixing). */
  loss: number;
  top1: number;
  top5: number;
  /** k used for "top-5" (fewer when there are fewer than 5 classes). */
  topK: number;
  /** confusion[true][predicted]. */
  confusion: number[][];
}

export class MetricsError extends Error {
  override name = 'MetricsError';
}

function checkShape(logits: ArrayLike<number>, numClasses: number, labelCount: number): void {
  if (logits.length !== labelCount * numClasses) {
    throw new MetricsError(`${logits.length} logits for ${labelCount} labels of ${numClasses} classes`);
  }
}

/** 0-based rank of `label` in row `row` (0 = the argmax). NaN for a NaN logit. */
export function rankOfLabel(
  logits: ArrayLike<number>,
  numClasses: number,
  row: number,
  label: number,
): number {
  const base = row * numClasses;
  const own = logits[base + label]!;
  if (Number.isNaN(own)) return Number.NaN;
  let rank = 0;
  for (let c = 0; c < numClasses; c++) {
    const other = logits[base + c]!;
    if (other > own || (other === own && c < label) || Number.isNaN(other)) rank += 1;
  }
  return rank;
}

export function argmaxRows(logits: ArrayLike<number>, numClasses: number): Int32Array {
  const rows = logits.length / numClasses;
  const out = new Int32Array(rows);
  for (let r = 0; r < rows; r++) {
    let best = 0;
    for (let c = 1; c < numClasses; c++) {
      if (logits[r * numClasses + c]! > logits[r * numClasses + best]!) best = c;
    }
    out[r] = best;
  }
  return out;
}

/** Rows whose label ranks within the top k. */
export function topKCorrect(
  logits: ArrayLike<number>,
  numClasses: number,
  labels: ArrayLike<number>,
  k: number,
): number {
  checkShape(logits, numClasses, labels.length);
  let correct = 0;
  for (let r = 0; r < labels.length; r++) {
    if (rankOfLabel(logits, numClasses, r, labels[r]!) < k) correct += 1;
  }
  return correct;
}

/**
 * Accuracy of a training step. On a batch where any clip was mixed it is measured against each clip's
 * dominant label and says so, because there is no single right answer for a mixed clip.
 */
export function stepAccuracy(
  logits: ArrayLike<number>,
  numClasses: number,
  samples: readonly { label: number; dominantLabel: number; kind: 'none' | 'mixup' | 'cutmix' }[],
): StepAccuracy {
  const mixed = samples.some((s) => s.kind !== 'none');
  const labels = samples.map((s) => (mixed ? s.dominantLabel : s.label));
  const correct = topKCorrect(logits, numClasses, labels, 1);
  return {
    accuracy: samples.length === 0 ? 0 : correct / samples.length,
    correct,
    count: samples.length,
    target: mixed ? 'dominant-label' : 'label',
  };
}

/** -log softmax(row)[label] in float64, stable for any finite logits. */
export function crossEntropyOfRow(
  logits: ArrayLike<number>,
  numClasses: number,
  row: number,
  label: number,
): number {
  const base = row * numClasses;
  let max = Number.NEGATIVE_INFINITY;
  for (let c = 0; c < numClasses; c++) max = Math.max(max, logits[base + c]!);
  let sum = 0;
  for (let c = 0; c < numClasses; c++) sum += Math.exp(logits[base + c]! - max);
  return Math.log(sum) + max - logits[base + label]!;
}

/** Each clip's predicted class (argmax) and the softmax probability the model gives it. */
export function predictionsOf(
  logits: ArrayLike<number>,
  numClasses: number,
  clipIds: readonly string[],
  paths: readonly string[],
  labels: ArrayLike<number>,
): Prediction[] {
  const predicted = argmaxRows(logits, numClasses);
  return clipIds.map((clipId, i) => ({
    clipId,
    path: paths[i]!,
    label: labels[i]!,
    predicted: predicted[i]!,
    confidence: Math.exp(-crossEntropyOfRow(logits, numClasses, i, predicted[i]!)),
  }));
}

/** Accumulates an evaluation pass batch by batch (validation or test: never mixed). */
export class EvalAccumulator {
  private readonly confusion: number[][];
  private count = 0;
  private top1 = 0;
  private topK = 0;
  private lossSum = 0;
  readonly k: number;

  constructor(readonly numClasses: number) {
    if (!Number.isInteger(numClasses) || numClasses < 1) throw new MetricsError(`numClasses ${numClasses}`);
    this.confusion = Array.from({ length: numClasses }, () => new Array<number>(numClasses).fill(0));
    this.k = Math.min(5, numClasses);
  }

  add(logits: ArrayLike<number>, labels: ArrayLike<number>): void {
    checkShape(logits, this.numClasses, labels.length);
    const predicted = argmaxRows(logits, this.numClasses);
    for (let r = 0; r < labels.length; r++) {
      const label = labels[r]!;
      if (!Number.isInteger(label) || label < 0 || label >= this.numClasses) {
        throw new MetricsError(`label ${label} at row ${r} is not a class index in [0, ${this.numClasses})`);
      }
      const rank = rankOfLabel(logits, this.numClasses, r, label);
      if (rank === 0) this.top1 += 1;
      if (rank < this.k) this.topK += 1;
      this.confusion[label]![predicted[r]!]! += 1;
      this.lossSum += crossEntropyOfRow(logits, this.numClasses, r, label);
      this.count += 1;
    }
  }

  result(): EvalMetrics {
    const n = Math.max(1, this.count);
    return {
      count: this.count,
      // Over no clip there is no accuracy: NaN, shown as "—", never 0%.
      loss: this.count === 0 ? Number.NaN : this.lossSum / n,
      top1: this.count === 0 ? Number.NaN : this.top1 / n,
      top5: this.count === 0 ? Number.NaN : this.topK / n,
      topK: this.k,
      confusion: this.confusion.map((row) => row.slice()),
    };
  }
}
