/**
 * What the circuit breaker counts, as pure functions of an agent's recent refusals and holds.
 *
 * A hold waiting for a human is Airlock working as meant, not the agent going astray: it never
 * counts by itself, and neither does asking after it again or an answer about the hold itself
 * ("already used", "expired"). What counts is the agent pushing against a refusal: each refused
 * attempt, a retry of a refused call included, and each credential Airlock does not accept
 * (a revoked or expired token of the agent's: the tripwire). And one sequence trips the breaker
 * at once whatever the count, because it is the incident Airlock exists for: a refusal, then
 * another credential, then a destructive or privilege call.
 *
 * @example
 * breakerTrip(events, { count: 3, window: 600_000 });
 * // { kind: 'incident', events: [forbidden, unauthenticated, held volumeDelete], summary: '…' }
 */
import { formatDuration } from '../core/duration.js';
import type { RefusalEvent } from '../store/records.js';

/** Refusals that say nothing about the agent: it is already stopped, a freeze is open, Airlock failed. */
const NOT_THE_AGENT = new Set(['stopped', 'frozen', 'unavailable']);

/** Whether the breaker keeps the event at all (a hold may still be the end of the incident's sequence). */
export function isBreakerEvent(verdict: string | undefined, code: string | undefined): boolean {
  if (verdict === 'hold') return true;
  return verdict === 'deny' && !NOT_THE_AGENT.has(code ?? '');
}

/**
 * Refusals that count towards a burst: a refusal the agent brought on itself. Not counted: holds
 * (a human will answer), answers about a hold (`hold_invalid`: used, expired, denied), and
 * refusals that are not the agent's doing.
 */
export function countsAsRefusal(verdict: string | undefined, code: string | undefined): boolean {
  return verdict === 'deny' && code !== 'hold_invalid' && isBreakerEvent(verdict, code);
}

const PERMISSION_ERRORS = new Set(['forbidden', 'unauthenticated']);
const DANGEROUS = new Set(['destructive', 'privilege']);

/**
 * The incident's sequence, in order: a permission error (out of scope, or a token not accepted),
 * then a credential other than the one refused (another token, or one Airlock does not accept),
 * then a destructive or privilege call, held or refused (it may come with that other credential).
 */
export function incidentSequence(events: readonly RefusalEvent[]): RefusalEvent[] | undefined {
  // One earlier refusal per token and code is enough to pair with what follows: linear in events.
  const refusals = new Map<string, RefusalEvent>();
  let pair: [RefusalEvent, RefusalEvent] | undefined;
  for (const event of events) {
    if (!pair) {
      for (const refused of refusals.values()) if (anotherCredential(refused, event)) pair = [refused, event];
    }
    if (pair && DANGEROUS.has(event.class ?? '') && isBreakerEvent(event.verdict, event.code)) {
      return pair[1] === event ? pair : [...pair, event];
    }
    if (event.verdict === 'deny' && PERMISSION_ERRORS.has(event.code ?? '')) {
      const key = `${event.token ?? ''}|${event.code}`;
      if (!refusals.has(key)) refusals.set(key, event);
    }
  }
  return undefined;
}

function anotherCredential(refused: RefusalEvent, later: RefusalEvent): boolean {
  if (later.token !== undefined && refused.token !== undefined && later.token !== refused.token) return true;
  return later.verdict === 'deny' && later.code === 'unauthenticated' && refused.code !== 'unauthenticated';
}

export type BreakerTrip =
  | { readonly kind: 'incident'; readonly events: readonly RefusalEvent[]; readonly summary: string }
  | { readonly kind: 'burst'; readonly events: readonly RefusalEvent[]; readonly summary: string };

/** Whether these events (the window's, in order) trip the breaker, and why in words. */
export function breakerTrip(events: readonly RefusalEvent[], settings: { readonly count: number; readonly window: number }): BreakerTrip | undefined {
  const sequence = incidentSequence(events);
  if (sequence) {
    const last = sequence.at(-1)!;
    return {
      kind: 'incident',
      events: sequence,
      summary: `a refused call, another credential, then ${last.class} ${last.action ?? 'operation'} within ${formatDuration(settings.window)} (the pattern of an agent looking for a way around a refusal)`,
    };
  }
  const refused = events.filter((e) => countsAsRefusal(e.verdict, e.code));
  if (refused.length < settings.count) return undefined;
  return { kind: 'burst', events: refused, summary: `${refused.length} refused attempts within ${formatDuration(settings.window)}` };
}

export function describeRefusals(refusals: readonly RefusalEvent[]): string {
  const shown = refusals.slice(-5).map((r) => {
    const what = r.verdict === 'hold' ? 'held' : `refused (${r.code ?? 'deny'})`;
    return `${what}${r.action ? ` ${r.action}` : ''} at ${r.at}${r.seq !== undefined ? ` [audit ${r.seq}]` : ''}`;
  });
  return (refusals.length > 5 ? '…; ' : '') + shown.join('; ');
}
