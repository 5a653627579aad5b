import { parseScope } from '../policy/scopes.js';
import type { Runtime } from '../server/runtime.js';
import type { HoldRecord } from '../store/records.js';
import { runBackup } from './backup.js';
import { expireHold, HOLD_EVENTS, holdEntry, moveHold } from './lifecycle.js';
import type { Replayers, ReplayResult } from './replay.js';

/**
 * The hold scheduler's work, one pass at a time: expire what nobody approved in time, and run
 * what was approved with a delay once the delay is over. Everything is claimed with a
 * compare-and-set on the hold's status, so that several Airlock processes sharing a store may
 * all run passes and each hold still runs at most once; the schedule lives in the store, so it
 * survives restarts.
 */
export async function expireDueHolds(runtime: Runtime): Promise<number> {
  const due = await runtime.store.holds.list({ status: ['pending', 'approved'], expiresBy: runtime.clock().toISOString(), oldestFirst: true, limit: 200 });
  let count = 0;
  for (const hold of due) if (await expireHold(runtime, hold)) count++;
  return count;
}

export async function runDueHolds(runtime: Runtime, replayers: Replayers): Promise<number> {
  const due = await runtime.store.holds.list({ status: ['scheduled'], runBy: runtime.clock().toISOString(), oldestFirst: true, limit: 50 });
  let count = 0;
  for (const hold of due) {
    try {
      if (await runScheduledHold(runtime, hold, replayers)) count++;
    } catch (error) {
      runtime.log.error({ hold: hold.id, err: (error as Error).message }, 'scheduled hold could not be run');
    }
  }
  return count;
}

/** Runs one scheduled hold whose time has come; false when another process had it first. */
export async function runScheduledHold(runtime: Runtime, hold: HoldRecord, replayers: Replayers): Promise<boolean> {
  const now = runtime.clock();
  const replayer = replayers.get(hold.operation.door);
  if (!replayer) {
    // Nothing here can send it on its own: let the agent's identical retry run it, once.
    const expiresAt = new Date(Math.max(Date.parse(hold.expiresAt), now.getTime() + (runtime.config.holds.ttl ?? 3_600_000))).toISOString();
    const released = await moveHold(runtime.store, hold.id, 'release', { expiresAt });
    if (!released) return false;
    await runtime.audit.append(
      holdEntry(HOLD_EVENTS.released, released, {
        reasons: [`the delay of hold ${hold.id} is over; the identical request may now run once, until ${expiresAt}`],
      }),
    );
    return true;
  }

  const claimed = await moveHold(runtime.store, hold.id, 'claim', { executedAt: now.toISOString(), outcome: { state: 'running' } });
  if (!claimed) return false;
  const fail = async (why: string, outcome: Record<string, unknown> = {}) => {
    const failed = await moveHold(runtime.store, hold.id, 'fail', {
      decision: why,
      executedAt: undefined,
      outcome: { state: 'not run', ...outcome },
    });
    await runtime.audit.append(holdEntry(HOLD_EVENTS.failed, failed ?? claimed, { reasons: [why] }));
    return true;
  };

  const blocked = await stillBlocked(runtime, claimed);
  if (blocked) return fail(`hold ${hold.id} was not run: ${blocked}`);

  // Written before the effect: if this record cannot be written, the operation does not run.
  try {
    await runtime.audit.append(
      holdEntry(HOLD_EVENTS.running, claimed, {
        reasons: [`running hold ${hold.id}, approved by ${claimed.approvals.map((a) => a.operator).join(', ')}, at the end of its delay`],
        detail: { approvals: claimed.approvals, runAt: claimed.runAt },
      }),
    );
  } catch (error) {
    await moveHold(runtime.store, hold.id, 'unclaim', { executedAt: undefined, outcome: undefined });
    throw error;
  }

  if (claimed.operation.upstream) {
    // Airlock sends it itself, in the background: no request to name.
    const backup = await runBackup(runtime, {
      operation: claimed.operation,
      agent: claimed.agent,
      holdId: claimed.id,
      tokenId: claimed.tokenId,
      requestId: undefined,
    });
    if (!backup.ok) return fail(`hold ${hold.id} was not run: the backup before it failed (${backup.detail})`, { backup: backup.detail });
  }

  let result: ReplayResult;
  try {
    result = await replayer(claimed);
  } catch (error) {
    result = { forwarded: false, ok: false, detail: (error as Error).message };
  }
  if (!result.forwarded) return fail(`hold ${hold.id} could not be sent: ${result.detail ?? 'the door did not forward it'}`, { ...result });
  const outcome = {
    state: 'done',
    ok: result.ok,
    ...(result.status !== undefined ? { status: result.status } : {}),
    ...(result.detail ? { detail: result.detail } : {}),
  };
  const done = await moveHold(runtime.store, hold.id, 'finish', { outcome });
  await runtime.audit.append(
    holdEntry(HOLD_EVENTS.executed, done ?? claimed, {
      reasons: [
        `hold ${hold.id} ran: ${result.ok ? 'the upstream reported success' : 'the upstream reported an error'}${result.status !== undefined ? ` (${result.status})` : ''}`,
      ],
      detail: outcome,
    }),
  );
  return true;
}

/**
 * What would stop this operation if the agent sent it now: an emergency stop, a stopped agent,
 * a revoked token, a freeze, a policy that now forbids it. An approval does not outlive those.
 */
async function stillBlocked(runtime: Runtime, hold: HoldRecord): Promise<string | undefined> {
  const agent = await runtime.store.agents.get(hold.agent);
  if (!agent) return `its agent ${hold.agent} no longer exists`;
  const token = await runtime.store.tokens.get(hold.tokenId);
  if (!token || token.revokedAt) return `the token it was asked with (${hold.tokenId}) was revoked`;
  const { decision } = await runtime.gate.explain(hold.operation, { agent, token, scopes: token.scopes.map(parseScope) });
  return decision.kind === 'deny' ? decision.reasons.join('; ') : undefined;
}
