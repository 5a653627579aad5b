import { describe, expect, it } from 'vitest';
import type { RefusalEvent } from '../store/records.js';
import { breakerTrip, countsAsRefusal, incidentSequence, isBreakerEvent } from './breaker.js';

const settings = { count: 3, window: 600_000 };
let minute = 0;
function event(verdict: 'deny' | 'hold', code: string | undefined, more: Partial<RefusalEvent> = {}): RefusalEvent {
  minute += 1;
  return {
    at: new Date(Date.UTC(2026, 2, 2, 9, minute)).toISOString(),
    verdict,
    ...(code ? { code } : {}),
    action: 'graphql:serviceUpdate',
    class: 'write',
    token: 'tok_a',
    ...more,
  };
}
const forbidden = (more: Partial<RefusalEvent> = {}) => event('deny', 'forbidden', more);
const unauthenticated = (more: Partial<RefusalEvent> = {}) => event('deny', 'unauthenticated', { token: 'tok_old', ...more });
const heldDelete = (more: Partial<RefusalEvent> = {}) => event('hold', undefined, { action: 'graphql:volumeDelete', class: 'destructive', ...more });
const alreadyUsed = () => event('deny', 'hold_invalid', { action: 'graphql:volumeDelete', class: 'destructive' });

describe('what the circuit breaker counts', () => {
  it.each<[string | undefined, string | undefined, boolean]>([
    ['hold', undefined, false],
    ['deny', 'forbidden', true],
    ['deny', 'unauthenticated', true],
    ['deny', 'budget', true],
    ['deny', 'bad_request', true],
    ['deny', 'hold_invalid', false],
    ['deny', 'stopped', false],
    ['deny', 'frozen', false],
    ['deny', 'unavailable', false],
    ['allow', undefined, false],
  ])('a %s %s counts as a refused attempt: %s', (verdict, code, counts) => {
    expect(countsAsRefusal(verdict, code)).toBe(counts);
  });

  it('keeps holds (they may end the incident sequence) but not refusals that are not the agent’s doing', () => {
    expect(isBreakerEvent('hold', undefined)).toBe(true);
    expect(isBreakerEvent('deny', 'hold_invalid')).toBe(true);
    expect(isBreakerEvent('deny', 'stopped')).toBe(false);
    expect(isBreakerEvent('allow', undefined)).toBe(false);
  });

  it('stays quiet on the five-minute guide: three holds waited on, each asked after again, then "already used"', () => {
    const events = [heldDelete(), heldDelete(), alreadyUsed(), heldDelete(), heldDelete(), alreadyUsed(), heldDelete(), alreadyUsed()];
    expect(breakerTrip(events, settings)).toBeUndefined();
  });

  it('stays quiet on one refusal followed by holds with the same token', () => {
    expect(breakerTrip([forbidden(), heldDelete(), heldDelete({ action: 'graphql:projectDelete' })], settings)).toBeUndefined();
  });

  it('trips on three refused attempts, a retry of the same refused call included', () => {
    const trip = breakerTrip([forbidden({ digest: 'd1' }), heldDelete(), forbidden({ digest: 'd1' }), forbidden({ digest: 'd2' })], settings);
    expect(trip).toMatchObject({ kind: 'burst', summary: '3 refused attempts within 10m' });
    expect(trip!.events.every((e) => e.verdict === 'deny')).toBe(true);
  });

  it('trips at once on the incident: a permission error, another credential, then a destructive call', () => {
    const sequence = [forbidden(), unauthenticated(), heldDelete()];
    const trip = breakerTrip(sequence, settings);
    expect(trip).toMatchObject({ kind: 'incident', events: sequence });
    expect(trip!.summary).toBe(
      'a refused call, another credential, then destructive graphql:volumeDelete within 10m (the pattern of an agent looking for a way around a refusal)',
    );
  });

  it('trips when the destructive call itself comes with another valid token', () => {
    const refused = forbidden();
    const withOther = heldDelete({ token: 'tok_found' });
    expect(incidentSequence([refused, withOther])).toEqual([refused, withOther]);
  });

  it('trips on a token Airlock does not accept followed by another token and a privilege call', () => {
    const sequence = [unauthenticated(), event('hold', undefined, { token: 'tok_b', action: 'graphql:projectMemberAdd', class: 'privilege' })];
    expect(incidentSequence(sequence)).toEqual(sequence);
  });

  it('does not see the incident when the destructive call came first', () => {
    expect(incidentSequence([heldDelete(), forbidden(), unauthenticated()])).toBeUndefined();
  });

  it('does not see the incident without another credential', () => {
    expect(incidentSequence([forbidden(), forbidden({ digest: 'd3' }), heldDelete()])).toBeUndefined();
  });
});
