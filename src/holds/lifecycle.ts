import type { AuditLog } from '../audit/log.js';
import type { AuditEntry, HoldApproval, HoldPatch, HoldRecord, HoldStatus } from '../store/records.js';
import type { ApprovalOutcome, Store } from '../store/store.js';

/**
 * A hold's life in one place: every move it can make, by name, with the states it may leave
 * and the state it enters. Each move is one compare-and-set in the store, so of two processes
 * making a move at once only one wins; callers (the gate, the scheduler, the operators'
 * service, the backup step, the doors) name a move here and never set a status themselves.
 *
 * @example
 * const consumed = await moveHold(store, hold.id, 'consume', { executedAt: now });
 * if (!consumed) refuse('it was already used');
 */
export const HOLD_MOVES = {
  /** Enough approvals, no delay: the identical request may run once (addHoldApproval). */
  approve: { from: ['pending'], to: 'approved' },
  /** Enough approvals with a delay: Airlock runs it at runAt unless cancelled (addHoldApproval). */
  schedule: { from: ['pending'], to: 'scheduled' },
  /** The agent's identical retry runs an approved hold, once. */
  consume: { from: ['approved'], to: 'executed' },
  /** A consumed approval whose request was not forwarded after all (its record, its backup, its upstream failed). */
  giveBack: { from: ['executed'], to: 'approved' },
  /** A new hold whose decision record could not be written: nobody will ever be told of it. */
  abandon: { from: ['pending'], to: 'failed' },
  /** A delay ended and no door can send the request itself: the agent's identical retry runs it once. */
  release: { from: ['scheduled'], to: 'approved' },
  /** The scheduler takes a hold whose delay ended, to send it itself. */
  claim: { from: ['scheduled'], to: 'executed' },
  /** The scheduler could not write the record that must precede sending: it stays scheduled. */
  unclaim: { from: ['executed'], to: 'scheduled' },
  /** A claimed hold could not be run (blocked since, its backup failed, not sent). */
  fail: { from: ['executed'], to: 'failed' },
  /** Records what the upstream answered when it ran. */
  finish: { from: ['executed'], to: 'executed' },
  deny: { from: ['pending', 'approved', 'scheduled'], to: 'denied' },
  cancel: { from: ['pending', 'approved', 'scheduled'], to: 'cancelled' },
  expire: { from: ['pending', 'approved'], to: 'expired' },
} as const satisfies Record<string, { readonly from: readonly HoldStatus[]; readonly to: HoldStatus }>;

export type HoldMove = keyof typeof HOLD_MOVES;

/** The allowed transitions, state by state, as the moves above define them. */
export const HOLD_TRANSITIONS: Readonly<Record<HoldStatus, readonly HoldStatus[]>> = (() => {
  const table: Record<HoldStatus, HoldStatus[]> = {
    pending: [],
    approved: [],
    scheduled: [],
    executed: [],
    denied: [],
    cancelled: [],
    expired: [],
    failed: [],
  };
  for (const { from, to } of Object.values(HOLD_MOVES)) for (const state of from) if (!table[state].includes(to)) table[state].push(to);
  return table;
})();

/** A new hold, pending. */
export async function openHold(store: Store, hold: HoldRecord & { readonly status: 'pending' }): Promise<void> {
  await store.holds.insert(hold);
}

/** Makes the move if the hold is in one of its `from` states; undefined when it is not (another actor got there first). */
export function moveHold(store: Store, id: string, move: HoldMove, patch: HoldPatch = {}): Promise<HoldRecord | undefined> {
  const { from, to } = HOLD_MOVES[move];
  return store.holds.transition(id, from, to, patch);
}

/**
 * One operator's approval of a pending hold; with enough of them it is approved, or scheduled
 * when it has a delay (the `approve` and `schedule` moves, made by the store in the same step).
 */
export function addHoldApproval(store: Store, id: string, approval: HoldApproval): Promise<ApprovalOutcome> {
  return store.holds.addApproval(id, approval);
}

/**
 * Audit record types for each step of a hold's life. The hold itself is created by the gate's
 * `decision` record (verdict `hold`); a hold run by the agent's retry is the `decision` record
 * with verdict `allow` and the hold id.
 */
export const HOLD_EVENTS = {
  approval: 'hold.approval', // one operator approved; more approvals are needed
  approved: 'hold.approved', // enough approvals (with runAt when delayed)
  denied: 'hold.denied',
  cancelled: 'hold.cancelled',
  expired: 'hold.expired',
  released: 'hold.released', // a delay ended; the agent's identical retry may now run it once
  running: 'hold.running', // Airlock is about to forward a scheduled operation itself
  executed: 'hold.executed', // … and it was forwarded (with the upstream's answer)
  failed: 'hold.failed', // a scheduled operation could not be run
  backupOk: 'backup.succeeded',
  backupFailed: 'backup.failed',
} as const;

/** The fields that say which hold and which operation an audit record is about. */
export function holdEntry(type: string, hold: HoldRecord, extra: Partial<AuditEntry> = {}): AuditEntry {
  const { operation } = hold;
  return {
    type,
    holdId: hold.id,
    agent: hold.agent,
    token: hold.tokenId,
    door: operation.door,
    ...(operation.upstream ? { upstream: operation.upstream } : {}),
    action: operation.action,
    class: operation.class,
    environment: operation.environment,
    resources: operation.resources,
    digest: operation.digest,
    ...extra,
  };
}

/**
 * Moves a pending or approved hold past its expiry to `expired`, once, and records it: with the
 * id of the request that found it expired, or none when the background sweep did.
 */
export async function expireHold(parts: { store: Store; audit: AuditLog }, hold: HoldRecord, requestId?: string): Promise<HoldRecord | undefined> {
  const expired = await moveHold(parts.store, hold.id, 'expire');
  if (expired) {
    await parts.audit.append(
      holdEntry(HOLD_EVENTS.expired, expired, {
        reasons: [
          `hold ${hold.id} expired at ${hold.expiresAt}${hold.status === 'approved' ? ' (approved, but not run in time)' : ' without enough approvals'}`,
        ],
        detail: { was: hold.status, approvals: hold.approvals.map((a) => a.operator) },
        ...(requestId ? { requestId } : {}),
      }),
    );
  }
  return expired;
}
