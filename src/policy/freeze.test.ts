import { describe, expect, it } from 'vitest';
import type { FreezeWindowConfig } from '../config/schema.js';
import type { ControlState } from '../store/records.js';
import { activeFreeze, nextFreeze } from './freeze.js';

// 2026-03-06 is a Friday.
const at = (iso: string) => new Date(iso);
const weekend: FreezeWindowConfig = { reason: 'weekend', weekly: { from: 'fri 18:00', until: 'mon 08:00' } };
const nightly: FreezeWindowConfig = { reason: 'backups', daily: { from: '22:00', until: '06:00' } };
const release: FreezeWindowConfig = { reason: 'release 4.2', from: '2026-03-09T08:00:00Z', until: '2026-03-09T12:00:00Z' };

describe('activeFreeze', () => {
  it.each<[string, FreezeWindowConfig[], ControlState['freeze'], string, { reason: string; until?: string } | undefined]>([
    ['nothing configured', [], undefined, '2026-03-06T12:00:00Z', undefined],
    ['a one-off window, inside', [release], undefined, '2026-03-09T09:00:00Z', { reason: 'release 4.2', until: '2026-03-09T12:00:00.000Z' }],
    ['a one-off window, at its end (open interval)', [release], undefined, '2026-03-09T12:00:00Z', undefined],
    ['a one-off window, before it', [release], undefined, '2026-03-09T07:59:59Z', undefined],
    ['weekly, Friday before it opens', [weekend], undefined, '2026-03-06T17:59:00Z', undefined],
    ['weekly, Friday as it opens', [weekend], undefined, '2026-03-06T18:00:00Z', { reason: 'weekend', until: '2026-03-09T08:00:00.000Z' }],
    ['weekly, Sunday (across the week boundary)', [weekend], undefined, '2026-03-08T23:30:00Z', { reason: 'weekend', until: '2026-03-09T08:00:00.000Z' }],
    ['weekly, Monday as it closes', [weekend], undefined, '2026-03-09T08:00:00Z', undefined],
    ['weekly, Wednesday', [weekend], undefined, '2026-03-04T12:00:00Z', undefined],
    ['daily, before midnight', [nightly], undefined, '2026-03-04T23:00:00Z', { reason: 'backups', until: '2026-03-05T06:00:00.000Z' }],
    ['daily, after midnight', [nightly], undefined, '2026-03-05T05:59:30Z', { reason: 'backups', until: '2026-03-05T06:00:00.000Z' }],
    ['daily, in the day', [nightly], undefined, '2026-03-05T12:00:00Z', undefined],
    [
      'back-to-back windows end when the last one does',
      [weekend, release],
      undefined,
      '2026-03-07T12:00:00Z',
      { reason: 'weekend', until: '2026-03-09T12:00:00.000Z' },
    ],
    [
      'a run-time freeze with an end',
      [],
      { reason: 'incident 77', by: 'local:ana', from: '2026-03-04T10:00:00Z', until: '2026-03-04T14:00:00Z' },
      '2026-03-04T11:00:00Z',
      { reason: 'incident 77', until: '2026-03-04T14:00:00Z' },
    ],
    [
      'a run-time freeze without an end lasts until ended',
      [],
      { reason: 'incident 77', by: 'local:ana', from: '2026-03-04T10:00:00Z', until: undefined },
      '2026-03-20T11:00:00Z',
      { reason: 'incident 77' },
    ],
    [
      'a run-time freeze that has not begun yet',
      [],
      { reason: 'migration', by: 'local:ana', from: '2026-03-04T10:00:00Z', until: '2026-03-04T14:00:00Z' },
      '2026-03-04T09:00:00Z',
      undefined,
    ],
    [
      'a run-time freeze inside a configured window: both reasons, the later end',
      [nightly],
      { reason: 'incident 77', by: 'local:ana', from: '2026-03-04T21:00:00Z', until: '2026-03-04T23:00:00Z' },
      '2026-03-04T22:30:00Z',
      { reason: 'incident 77; backups', until: '2026-03-05T06:00:00.000Z' },
    ],
  ])('%s', (_name, windows, runtime, now, expected) => {
    expect(activeFreeze(windows, runtime, at(now))).toEqual(expected);
  });
});

describe('nextFreeze', () => {
  it('names the next configured window to open, with its end', () => {
    expect(nextFreeze([weekend, nightly], undefined, at('2026-03-06T12:00:00Z'))).toMatchObject({
      reason: 'weekend',
      from: '2026-03-06T18:00:00.000Z',
      until: '2026-03-09T08:00:00.000Z',
      kind: 'weekly',
    });
    expect(nextFreeze([nightly], undefined, at('2026-03-05T07:00:00Z'))).toMatchObject({ from: '2026-03-05T22:00:00.000Z', until: '2026-03-06T06:00:00.000Z' });
  });

  it('includes a run-time freeze set to begin later and a future one-off window', () => {
    const runtime = { reason: 'migration', by: 'local:ana', from: '2026-03-04T10:00:00.000Z', until: undefined };
    expect(nextFreeze([release], runtime, at('2026-03-04T09:00:00Z'))).toMatchObject({ reason: 'migration', kind: 'runtime' });
    expect(nextFreeze([release], undefined, at('2026-03-04T09:00:00Z'))).toMatchObject({ reason: 'release 4.2', kind: 'once' });
    expect(nextFreeze([release], undefined, at('2026-03-10T09:00:00Z'))).toBeUndefined();
  });
});
