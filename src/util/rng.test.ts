import { describe, expect, it } from 'vitest';
import { Rng } from './rng.ts';

describe('Rng', () => {
  it('is deterministic per seed and differs across seeds', () => {
    const a = new Rng(42);
    const b = new Rng(42);
    const c = new Rng(43);
    const xs = Array.from({ length: 5 }, () => a.next());
    expect(Array.from({ length: 5 }, () => b.next())).toEqual(xs);
    expect(Array.from({ length: 5 }, () => c.next())).not.toEqual(xs);
  });

  it('resumes exactly from a saved state', () => {
    const rng = new Rng('resume');
    for (let i = 0; i < 100; i++) rng.next();
    const copy = new Rng(rng.getState());
    expect(Array.from({ length: 10 }, () => copy.nextUint32())).toEqual(
      Array.from({ length: 10 }, () => rng.nextUint32()),
    );
  });

  it('forks independent streams without advancing the parent', () => {
    const rng = new Rng(1);
    const before = rng.getState();
    const f1 = rng.fork('data');
    const f2 = rng.fork('cutmix');
    expect(rng.getState()).toEqual(before);
    expect(f1.next()).not.toBe(f2.next());
    expect(new Rng(1).fork('data').next()).toBe(new Rng(1).fork('data').next());
  });

  it('draws uniform, normal and beta with the right moments', () => {
    const rng = new Rng(7);
    const n = 200_000;
    let sum = 0;
    let sumSq = 0;
    let betaSum = 0;
    for (let i = 0; i < n; i++) {
      const z = rng.normal();
      sum += z;
      sumSq += z * z;
      betaSum += rng.beta(0.5, 0.5);
    }
    expect(sum / n).toBeCloseTo(0, 1);
    expect(sumSq / n).toBeCloseTo(1, 1);
    expect(betaSum / n).toBeCloseTo(0.5, 2);
    const skewed = Array.from({ length: 50_000 }, () => rng.beta(2, 5));
    expect(skewed.reduce((a, b) => a + b, 0) / skewed.length).toBeCloseTo(2 / 7, 2);
  });

  it('int covers its inclusive range and shuffle permutes', () => {
    const rng = new Rng(3);
    const seen = new Set(Array.from({ length: 1000 }, () => rng.int(2, 5)));
    expect([...seen].sort()).toEqual([2, 3, 4, 5]);
    const items = Array.from({ length: 20 }, (_, i) => i);
    const shuffled = rng.shuffle(items);
    expect(shuffled).not.toEqual(items);
    expect([...shuffled].sort((x, y) => x - y)).toEqual(items);
  });
});
