import { describe, expect, it } from 'vitest';
import { BoundedCache } from './cache.js';

describe('BoundedCache', () => {
  it('returns what was set, and nothing for a key never set', () => {
    const cache = new BoundedCache<number>(10);
    cache.set('a', 1);
    expect(cache.get('a')).toBe(1);
    expect(cache.get('b')).toBeUndefined();
  });

  it('never holds more than its capacity, however many distinct keys arrive', () => {
    const cache = new BoundedCache<number>(100);
    for (let i = 0; i < 10_000; i++) cache.set(`k${i}`, i);
    expect(cache.size).toBeLessThanOrEqual(100);
    expect(cache.get('k9999')).toBe(9999);
    expect(cache.get('k0')).toBeUndefined();
  });

  it('keeps a key that keeps being used while distinct keys stream past it', () => {
    const cache = new BoundedCache<number>(100);
    cache.set('hot', -1);
    for (let i = 0; i < 10_000; i++) {
      cache.set(`k${i}`, i);
      expect(cache.get('hot')).toBe(-1);
    }
    expect(cache.size).toBeLessThanOrEqual(100);
  });

  it('a later set of the same key wins', () => {
    const cache = new BoundedCache<number>(4);
    cache.set('a', 1);
    cache.set('b', 2);
    cache.set('a', 3);
    expect(cache.get('a')).toBe(3);
  });
});
