import { describe, expect, it } from 'vitest';
import { WindowCounter } from './window-counter.js';

describe('a window counter', () => {
  it('cuts a time range into the slices it files events under, so that counts read back slice by slice land where the events would', () => {
    const counter = new WindowCounter(60_000);
    const slices = counter.slicesBetween(1_500, 4_200);
    expect(slices).toEqual([
      [1_500, 2_000],
      [2_000, 3_000],
      [3_000, 4_000],
      [4_000, 4_200],
    ]);
    // Events anywhere in a range counted with `add(start, n)` are the same count as each added at its own time.
    const one = new WindowCounter(60_000);
    for (const at of [1_600, 1_999, 2_000, 3_500, 4_100]) one.add(at);
    const sliced = new WindowCounter(60_000);
    for (const [start, end] of slices) sliced.add(start, [1_600, 1_999, 2_000, 3_500, 4_100].filter((at) => at >= start && at < end).length);
    expect(sliced.count(4_200)).toBe(one.count(4_200));
    expect(sliced.count(60_000 + 2_100)).toBe(one.count(60_000 + 2_100));
  });
});
