import type { Store } from '../../store/store.js';

/**
 * Sign-in attempts are limited per operator name (against guessing one operator's password) and
 * per client address (against trying many names). Failures are counted in the store, so the
 * limit holds across restarts and across replicas sharing a store.
 */
export const SIGN_IN_LIMITS = { perOperator: 5, perAddress: 20, windowMs: 15 * 60_000 } as const;

const subjects = (who: { operator: string; address: string }) =>
  [
    { subject: `console-sign-in:operator:${who.operator.toLowerCase()}`, limit: SIGN_IN_LIMITS.perOperator },
    { subject: `console-sign-in:address:${who.address}`, limit: SIGN_IN_LIMITS.perAddress },
  ] as const;

/** When the operator or address has failed too often lately: the time they may try again. */
export async function signInBlockedUntil(store: Store, who: { operator: string; address: string }, now: Date): Promise<Date | undefined> {
  const since = new Date(now.getTime() - SIGN_IN_LIMITS.windowMs).toISOString();
  let until: Date | undefined;
  for (const { subject, limit } of subjects(who)) {
    const { count, oldest } = await store.failedAttempts.since(subject, since);
    if (count >= limit && oldest) {
      const retry = new Date(Date.parse(oldest) + SIGN_IN_LIMITS.windowMs);
      if (!until || retry > until) until = retry;
    }
  }
  return until;
}

export async function recordSignInFailure(store: Store, who: { operator: string; address: string }, now: Date, reason: string): Promise<void> {
  for (const { subject } of subjects(who)) await store.failedAttempts.record(subject, now.toISOString(), reason);
}
