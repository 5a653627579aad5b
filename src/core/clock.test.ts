import { describe, expect, it } from 'vitest';
import { monotonicClock } from './clock.js';

describe('the clock Airlock decides by', () => {
  it('follows the wall clock forwards', () => {
    let wall = Date.parse('2026-12-01T10:00:00Z');
    const clock = monotonicClock(() => new Date(wall));
    expect(clock().toISOString()).toBe('2026-12-01T10:00:00.000Z');
    wall += 90_000;
    expect(clock().toISOString()).toBe('2026-12-01T10:01:30.000Z');
  });

  it('stands still when the wall clock is stepped back, until it catches up', () => {
    let wall = Date.parse('2026-12-01T10:00:00Z');
    const clock = monotonicClock(() => new Date(wall));
    clock();
    wall -= 86_400_000;
    expect(clock().toISOString()).toBe('2026-12-01T10:00:00.000Z');
    wall = Date.parse('2026-12-01T10:00:05Z');
    expect(clock().toISOString()).toBe('2026-12-01T10:00:05.000Z');
  });
});
