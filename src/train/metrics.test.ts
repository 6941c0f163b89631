import { describe, expect, it } from 'vitest';
import {
  argmaxRows,
  crossEntropyOfRow,
  EvalAccumulator,
  MetricsError,
  predictionsOf,
  rankOfLabel,
  stepAccuracy,
  topKCorrect,
} from './metrics.ts';

// Six rows of logits over 6 classes.
const LOGITS = [
  [5, 1, 0, 0, 0, 0], // argmax 0
  [0, 1, 2, 3, 4, 5], // argmax 5, class 0 ranks last
  [1, 1, 1, 1, 1, 1], // all tied: argmax 0 (first), class 3 ranks 3rd
  [0, 9, 8, 7, 6, 5], // class 5 ranks 4th (0-based): top-5 yes, top-1 no
  [0, 9, 8, 7, 6, 5], // class 0 ranks 5th: not in the top 5
  [0, Number.NaN, 0, 0, 0, 0], // a NaN logit
].flat();

describe('classification metrics', () => {
  it('ranks labels with ties broken toward the lower index, as argmax', () => {
    expect(Array.from(argmaxRows(LOGITS, 6))).toEqual([0, 5, 0, 1, 1, 0]);
    expect(rankOfLabel(LOGITS, 6, 0, 0)).toBe(0);
    expect(rankOfLabel(LOGITS, 6, 1, 0)).toBe(5);
    expect(rankOfLabel(LOGITS, 6, 2, 3)).toBe(3);
    expect(rankOfLabel(LOGITS, 6, 3, 5)).toBe(4);
    expect(rankOfLabel(LOGITS, 6, 5, 1)).toBeNaN();
  });

  it('counts top-1 and top-5', () => {
    const labels = [0, 0, 3, 5, 0, 1];
    expect(topKCorrect(LOGITS, 6, labels, 1)).toBe(1);
    expect(topKCorrect(LOGITS, 6, labels, 5)).toBe(3);
    expect(() => topKCorrect(LOGITS, 6, [0], 1)).toThrow(MetricsError);
  });

  it('measures step accuracy against the dominant label when the batch was mixed, and says so', () => {
    const logits = [3, 0, 0, 0, 0, 3].flat(); // predicts class 0, then class 2
    const plain = stepAccuracy(logits, 3, [
      { label: 0, dominantLabel: 0, kind: 'none' },
      { label: 1, dominantLabel: 1, kind: 'none' },
    ]);
    expect(plain).toEqual({ accuracy: 0.5, correct: 1, count: 2, target: 'label' });
    const mixed = stepAccuracy(logits, 3, [
      { label: 1, dominantLabel: 0, kind: 'cutmix' },
      { label: 2, dominantLabel: 2, kind: 'cutmix' },
    ]);
    expect(mixed).toEqual({ accuracy: 1, correct: 2, count: 2, target: 'dominant-label' });
  });

  it('computes a stable cross-entropy per row', () => {
    expect(crossEntropyOfRow([0, 0], 2, 0, 1)).toBeCloseTo(Math.LN2, 15);
    expect(crossEntropyOfRow([1000, -1000, 0], 3, 0, 1)).toBeCloseTo(2000, 9);
    // The tiny_cls_meanpool fixture's first row (HF logits) against label 3, by the textbook formula.
    const row = [
      1.9925509691238403, -0.11853478848934174, -0.17843937873840332, -0.8263272643089294, 0.9165733456611633,
    ];
    const expected = -Math.log(Math.exp(row[3]!) / row.reduce((a, b) => a + Math.exp(b), 0));
    expect(crossEntropyOfRow(row, 5, 0, 3)).toBeCloseTo(expected, 12);
  });

  it('accumulates an evaluation: loss, top-1, top-5 and the confusion matrix over batches', () => {
    const evaluation = new EvalAccumulator(6);
    const labels = [0, 0, 3, 5, 0, 1];
    evaluation.add(LOGITS.slice(0, 18), labels.slice(0, 3));
    evaluation.add(LOGITS.slice(18), labels.slice(3));
    const result = evaluation.result();
    expect(result.count).toBe(6);
    expect(result.top1).toBeCloseTo(1 / 6, 15);
    expect(result.top5).toBeCloseTo(3 / 6, 15);
    expect(result.topK).toBe(5);
    expect(result.confusion[0]).toEqual([1, 1, 0, 0, 0, 1]);
    expect(result.confusion[1]).toEqual([1, 0, 0, 0, 0, 0]);
    expect(result.confusion[3]).toEqual([1, 0, 0, 0, 0, 0]);
    expect(result.confusion[5]).toEqual([0, 1, 0, 0, 0, 0]);
    expect(result.confusion.flat().reduce((a, b) => a + b, 0)).toBe(6);
    expect(result.loss).toBeNaN(); // one row holds a NaN logit: the loss says so rather than hiding it
    const finite = new EvalAccumulator(6);
    finite.add(LOGITS.slice(0, 30), labels.slice(0, 5));
    const expectedLoss =
      [0, 1, 2, 3, 4].reduce((a, r) => a + crossEntropyOfRow(LOGITS, 6, r, labels[r]!), 0) / 5;
    expect(finite.result().loss).toBeCloseTo(expectedLoss, 12);
  });

  it('uses k = number of classes for top-5 when there are fewer than 5, and names bad labels', () => {
    const evaluation = new EvalAccumulator(3);
    evaluation.add([0, 1, 2], [0]);
    expect(evaluation.result()).toMatchObject({ top1: 0, top5: 1, topK: 3 });
    expect(() => evaluation.add([0, 1, 2], [3])).toThrow(/label 3 at row 0/);
    // Over no clip there is no accuracy: NaN (shown as "—"), never 0%.
    expect(new EvalAccumulator(2).result()).toMatchObject({ count: 0, top1: NaN, top5: NaN });
  });
});

describe('predictionsOf', () => {
  it('names each clip’s argmax and the softmax probability of it', () => {
    const logits = [1, 3, 2, 0, 0, 5];
    const predictions = predictionsOf(logits, 3, ['a', 'b'], ['x/a.avi', 'x/b.avi'], [2, 2]);
    expect(predictions.map((p) => [p.clipId, p.path, p.label, p.predicted])).toEqual([
      ['a', 'x/a.avi', 2, 1],
      ['b', 'x/b.avi', 2, 2],
    ]);
    const softmax = (row: number[], k: number) =>
      Math.exp(row[k]!) / row.reduce((s, v) => s + Math.exp(v), 0);
    expect(predictions[0]!.confidence).toBeCloseTo(softmax([1, 3, 2], 1), 12);
    expect(predictions[1]!.confidence).toBeCloseTo(softmax([0, 0, 5], 2), 12);
  });
});
