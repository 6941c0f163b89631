import { describe, expect, it } from 'vitest';
import { MetricThrottle, type ThrottleClock } from './metric-throttle.ts';

/** A hand-driven clock: time moves only when the test says so, and due timers fire then. */
class ManualClock implements ThrottleClock {
  time = 0;
  private timers = new Map<number, { at: number; callback: () => void }>();
  private nextId = 1;
  now = () => this.time;
  setTimeout = (callback: () => void, ms: number) => {
    const id = this.nextId++;
    this.timers.set(id, { at: this.time + ms, callback });
    return id;
  };
  clearTimeout = (handle: unknown) => {
    this.timers.delete(handle as number);
  };
  advance(ms: number): void {
    const end = this.time + ms;
    for (;;) {
      const due = [...this.timers.entries()]
        .filter(([, t]) => t.at <= end)
        .sort((a, b) => a[1].at - b[1].at)[0];
      if (!due) break;
      this.timers.delete(due[0]);
      this.time = due[1].at;
      due[1].callback();
    }
    this.time = end;
  }
  get pendingTimers(): number {
    return this.timers.size;
  }
}

function setup(maxPerSecond = 4) {
  const clock = new ManualClock();
  const sent: { at: number; messages: string[] }[] = [];
  const throttle = new MetricThrottle<string>(
    (messages) => sent.push({ at: clock.time, messages }),
    maxPerSecond,
    clock,
  );
  return { clock, sent, throttle };
}

describe('metric throttle', () => {
  it('sends at most N batches a second and loses no step point', () => {
    const { clock, sent, throttle } = setup(4);
    for (let step = 0; step < 1000; step++) {
      throttle.push(`step ${step}`);
      clock.advance(2); // a step every 2 ms: 500 steps a second
    }
    clock.advance(1000);
    expect(sent.flatMap((s) => s.messages)).toEqual(Array.from({ length: 1000 }, (_, i) => `step ${i}`));
    for (let i = 1; i < sent.length; i++) expect(sent[i]!.at - sent[i - 1]!.at).toBeGreaterThanOrEqual(250);
    expect(sent.length).toBeLessThanOrEqual(2 * 4 + 1);
  });

  it('sends the first message at once and always delivers the latest after the interval', () => {
    const { clock, sent, throttle } = setup(2);
    throttle.push('a');
    expect(sent).toEqual([{ at: 0, messages: ['a'] }]);
    throttle.push('b');
    expect(sent).toHaveLength(1);
    clock.advance(499);
    expect(sent).toHaveLength(1);
    clock.advance(1);
    expect(sent[1]).toEqual({ at: 500, messages: ['b'] });
    expect(clock.pendingTimers).toBe(0);
  });

  it("keeps only the newest 'latest' message of a key", () => {
    const { clock, sent, throttle } = setup(1);
    throttle.push('first');
    throttle.push('progress 1', 'latest', 'progress');
    throttle.push('step 2');
    throttle.push('progress 2', 'latest', 'progress');
    throttle.push('rate 1', 'latest', 'rate');
    clock.advance(1000);
    expect(sent[1]!.messages).toEqual(['step 2', 'progress 2', 'rate 1']);
  });

  it("delivers 'now' messages (evaluations) immediately, after what was pending", () => {
    const { clock, sent, throttle } = setup(1);
    throttle.push('step 1');
    throttle.push('step 2');
    throttle.push('eval 1', 'now');
    expect(sent.map((s) => s.messages)).toEqual([['step 1'], ['step 2', 'eval 1']]);
    expect(clock.pendingTimers).toBe(0);
  });

  it('flushes on demand and drops everything on dispose', () => {
    const { clock, sent, throttle } = setup(1);
    throttle.push('a');
    throttle.push('b');
    throttle.flush();
    expect(sent.map((s) => s.messages)).toEqual([['a'], ['b']]);
    throttle.push('c');
    throttle.dispose();
    clock.advance(5000);
    expect(sent).toHaveLength(2);
    expect(() => setup(0)).toThrow(RangeError);
  });
});
