import { AdminError } from '../admin/admin.js';
import { checkSecondFactor, type OperatorContext } from '../identity/operators.js';
import { SecretKeyError } from '../identity/secret-box.js';
import type { Runtime } from '../server/runtime.js';
import type { DeliveryRecord, HoldRecord, HoldStatus } from '../store/records.js';
import { addHoldApproval, expireHold, HOLD_EVENTS, holdEntry, moveHold } from './lifecycle.js';
import { isHoldId } from './hold-id.js';
import { withoutTrailing } from '../core/text.js';

/** A hold as listed: everything but the stored request, which `showHold` adds. */
export type HoldView = Omit<HoldRecord, 'request'>;

export type DeliveryView = Omit<DeliveryRecord, 'payload'>;

export interface HoldDetail extends HoldRecord {
  /** Webhook deliveries about this hold, newest first: failures are visible here. */
  readonly deliveries: readonly DeliveryView[];
  /** The console page of this hold, when publicUrl is configured. */
  readonly link: string | undefined;
}

export interface HoldApprovalResult {
  readonly hold: HoldView;
  /** Approvals still needed from other operators (two-person rule); 0 when approved. */
  readonly remaining: number;
  /** Set when the approved request cannot run now: the agent is suspended or stopped, or all agents are. */
  readonly warning?: string;
}

export function holdView(hold: HoldRecord): HoldView {
  const { request: _request, ...view } = hold;
  return view;
}

export function deliveryView(delivery: DeliveryRecord): DeliveryView {
  const { payload: _payload, ...view } = delivery;
  return view;
}

/** Where the console shows a hold. */
export function holdLink(publicUrl: string | undefined, holdId: string): string | undefined {
  return publicUrl ? `${withoutTrailing(publicUrl, '/')}/holds/${holdId}` : undefined;
}

/** What the operators' functions need of the runtime; `requestId` names the request they act for, if any. */
export function operatorContext(runtime: Runtime, requestId?: string): OperatorContext {
  return {
    store: runtime.store,
    audit: runtime.audit,
    clock: runtime.clock,
    config: runtime.config,
    warn: (message) => runtime.log.warn(requestId ? { requestId } : {}, message),
    ...(requestId ? { requestId } : {}),
  };
}

/** The operator acting and the request they act in (undefined at the CLI), as the records name them. */
export interface OperatorAction {
  readonly id: string;
  readonly operator: string;
  readonly requestId?: string | undefined;
}

async function requireHold(runtime: Runtime, id: string): Promise<HoldRecord> {
  const hold = isHoldId(id) ? await runtime.store.holds.get(id) : undefined;
  if (!hold) throw new AdminError('not_found', `no hold ${id} (see: airlock hold list)`);
  return hold;
}

/** A pending or approved hold whose time is up is expired on sight, whoever looks first. */
async function current(runtime: Runtime, hold: HoldRecord, requestId: string | undefined): Promise<HoldRecord> {
  if ((hold.status === 'pending' || hold.status === 'approved') && Date.parse(hold.expiresAt) <= runtime.clock().getTime()) {
    return (await expireHold(runtime, hold, requestId)) ?? (await requireHold(runtime, hold.id));
  }
  return hold;
}

export async function listHolds(runtime: Runtime, filter: { status?: HoldStatus[]; agent?: string; limit?: number }): Promise<HoldView[]> {
  const holds = await runtime.store.holds.list({
    ...(filter.status?.length ? { status: filter.status } : {}),
    ...(filter.agent ? { agent: filter.agent } : {}),
    limit: filter.limit ?? 100,
  });
  const now = runtime.clock().getTime();
  // Show what an expired-but-not-yet-swept hold really is, without writing from a read.
  return holds.map((hold) =>
    (hold.status === 'pending' || hold.status === 'approved') && Date.parse(hold.expiresAt) <= now
      ? { ...holdView(hold), status: 'expired' as const }
      : holdView(hold),
  );
}

export async function showHold(runtime: Runtime, id: string, requestId?: string): Promise<HoldDetail> {
  const hold = await current(runtime, await requireHold(runtime, id), requestId);
  const deliveries = await runtime.store.notifications.list({ holdId: hold.id, limit: 50 });
  return { ...hold, deliveries: deliveries.map(deliveryView), link: holdLink(runtime.config.publicUrl, hold.id) };
}

/**
 * One operator's approval. Needs a current, unused second-factor code when the hold asks for
 * one; a wrong code is counted toward the operator's limit and recorded. With the two-person
 * rule, each operator approves once and the hold is approved when enough distinct ones have.
 */
export async function approveHold(runtime: Runtime, request: OperatorAction & { code?: string | undefined }): Promise<HoldApprovalResult> {
  const hold = await current(runtime, await requireHold(runtime, request.id), request.requestId);
  if (hold.status !== 'pending') throw new AdminError('conflict', `hold ${hold.id} is ${hold.status}; only a pending hold can be approved`);
  if (hold.approvals.some((a) => a.operator === request.operator)) {
    throw new AdminError('conflict', `${request.operator} has already approved hold ${hold.id}; it needs ${hold.needs.approvals} different operators`);
  }
  const withCode = hold.needs.secondFactor || request.code !== undefined;
  if (withCode) {
    let check: Awaited<ReturnType<typeof checkSecondFactor>>;
    try {
      check = await checkSecondFactor(operatorContext(runtime, request.requestId), {
        operator: request.operator,
        code: request.code,
        purpose: 'approve',
        holdId: hold.id,
      });
    } catch (error) {
      if (error instanceof SecretKeyError) throw new AdminError('unavailable', `hold ${hold.id} was not approved: ${error.message}`);
      throw error;
    }
    if (!check.ok) throw new AdminError('forbidden', `hold ${hold.id} was not approved: ${check.reason}`);
  }
  const at = runtime.clock().toISOString();
  const outcome = await addHoldApproval(runtime.store, hold.id, { operator: request.operator, at, secondFactor: withCode });
  if (!outcome.ok) {
    if (outcome.problem === 'already_approved') throw new AdminError('conflict', `${request.operator} has already approved hold ${hold.id}`);
    throw new AdminError('conflict', `hold ${hold.id} is ${outcome.hold?.status ?? 'gone'}; only a pending hold can be approved`);
  }
  const updated = outcome.hold;
  await runtime.store.operators.recordApproval(request.operator, at);
  const count = updated.approvals.length;
  const remaining = Math.max(0, updated.needs.approvals - count);
  const by = `${request.operator}${withCode ? ' (second factor)' : ''}`;
  if (updated.status === 'pending') {
    await runtime.audit.append(
      holdEntry(HOLD_EVENTS.approval, updated, {
        operator: request.operator,
        reasons: [`approved by ${by}: ${count} of ${updated.needs.approvals} approvals`],
        detail: { approvals: updated.approvals, remaining },
        ...(request.requestId ? { requestId: request.requestId } : {}),
      }),
    );
  } else {
    const operators = updated.approvals.map((a) => a.operator).join(', ');
    const when = updated.status === 'scheduled' ? `; it runs at ${updated.runAt} unless an operator cancels it` : '; the identical request may now run once';
    await runtime.audit.append(
      holdEntry(HOLD_EVENTS.approved, updated, {
        operator: request.operator,
        reasons: [`approved by ${operators}${when}`],
        detail: { approvals: updated.approvals, ...(updated.runAt ? { runAt: updated.runAt } : {}) },
        ...(request.requestId ? { requestId: request.requestId } : {}),
      }),
    );
  }
  const warning = await blockedRun(runtime, updated);
  return { hold: holdView(updated), remaining, ...(warning ? { warning } : {}) };
}

/**
 * An approval promises a run; say so when a stop or a suspension will refuse it, so the operator
 * does not wait for something that cannot happen.
 */
async function blockedRun(runtime: Runtime, hold: HoldRecord): Promise<string | undefined> {
  const [agent, control] = await Promise.all([runtime.store.agents.get(hold.agent), runtime.store.control.get()]);
  if (control.stopAll) {
    return `all agents are stopped (${control.stopAll.reason}): the approved request is refused until an operator resumes them: airlock resume --all`;
  }
  if (agent && agent.state !== 'active') {
    const why = agent.stateReason ? ` (${agent.stateReason})` : '';
    return `agent ${agent.name} is ${agent.state}${why}: the approved request is refused until an operator resumes it: airlock agent resume ${agent.name}`;
  }
  return undefined;
}

/** Says no: a pending hold (or an approved one not yet run) is refused for good. */
export async function denyHold(runtime: Runtime, request: OperatorAction & { reason?: string | undefined }): Promise<HoldView> {
  return close(runtime, request, 'denied', HOLD_EVENTS.denied);
}

/** Withdraws a hold: above all, stops a scheduled operation during its delay. */
export async function cancelHold(runtime: Runtime, request: OperatorAction & { reason?: string | undefined }): Promise<HoldView> {
  return close(runtime, request, 'cancelled', HOLD_EVENTS.cancelled);
}

async function close(runtime: Runtime, request: OperatorAction & { reason?: string | undefined }, to: 'denied' | 'cancelled', type: string): Promise<HoldView> {
  const hold = await current(runtime, await requireHold(runtime, request.id), request.requestId);
  const why = request.reason?.trim() || `${to} by ${request.operator}`;
  const closed = await moveHold(runtime.store, hold.id, to === 'denied' ? 'deny' : 'cancel', { decidedBy: request.operator, decision: why });
  if (!closed) {
    const now = await requireHold(runtime, hold.id);
    throw new AdminError('conflict', `hold ${hold.id} is ${now.status}${now.status === 'executed' ? ' (it already ran)' : ''}; it can no longer be ${to}`);
  }
  await runtime.audit.append(
    holdEntry(type, closed, {
      operator: request.operator,
      reasons: [why],
      detail: { was: hold.status },
      ...(request.requestId ? { requestId: request.requestId } : {}),
    }),
  );
  return holdView(closed);
}

export async function listDeliveries(
  runtime: Runtime,
  filter: { holdId?: string; status?: DeliveryRecord['status'][]; limit?: number },
): Promise<DeliveryView[]> {
  const deliveries = await runtime.store.notifications.list({
    ...(filter.holdId ? { holdId: filter.holdId } : {}),
    ...(filter.status?.length ? { status: filter.status } : {}),
    limit: filter.limit ?? 100,
  });
  return deliveries.map(deliveryView);
}
