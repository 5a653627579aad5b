import type { HoldApproval, HoldRecord } from './records.js';
import type { ApprovalOutcome } from './store.js';

/**
 * One operator's approval applied to a hold as stored: what every store does inside the
 * transaction that read the hold, so that the rule is one function whichever store keeps it.
 * When the approvals reach what the hold needs, it becomes `approved`, or `scheduled` at
 * `at + needs.delaySeconds` (its expiry moved to no earlier than then).
 */
export function applyApproval(hold: HoldRecord | undefined, approval: HoldApproval): ApprovalOutcome {
  if (!hold) return { ok: false, problem: 'not_found', hold: undefined };
  if (hold.status !== 'pending') return { ok: false, problem: 'not_pending', hold };
  if (hold.approvals.some((a) => a.operator === approval.operator)) return { ok: false, problem: 'already_approved', hold };
  const approvals = [...hold.approvals, approval];
  const next: HoldRecord = { ...hold, approvals };
  if (approvals.length < hold.needs.approvals) return { ok: true, hold: next };
  if (hold.needs.delaySeconds > 0) {
    const runAt = new Date(Date.parse(approval.at) + hold.needs.delaySeconds * 1000).toISOString();
    // biome-ignore lint/complexity/useMathMinMax: ISO timestamps are strings, which Math.max would turn into NaN
    return { ok: true, hold: { ...next, status: 'scheduled', runAt, expiresAt: runAt > hold.expiresAt ? runAt : hold.expiresAt } };
  }
  return { ok: true, hold: { ...next, status: 'approved' } };
}
