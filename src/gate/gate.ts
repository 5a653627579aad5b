import type { AuditLog } from '../audit/log.js';
import type { FreezeWindowConfig } from '../config/schema.js';
import { newHoldId } from '../holds/hold-id.js';
import { expireHold, moveHold, openHold } from '../holds/lifecycle.js';
import { authenticate, type Authentication } from '../identity/authenticate.js';
import { decide, type Signal } from '../policy/decide.js';
import type { PolicyEngine } from '../policy/engine.js';
import { activeFreeze } from '../policy/freeze.js';
import { Admissions } from './admission.js';
import { DecisionMemo } from './memo.js';
import { observe, type Observed } from './observe.js';
import type { AgentRecord, AuditEntry, AuditRecord, HoldRecord, TokenRecord } from '../store/records.js';
import type { Store } from '../store/store.js';
import type { Operation } from '../core/operation.js';
import type { Decision, Verdict } from '../core/verdict.js';
import type { Scope } from '../policy/scopes.js';

export interface GateRequest {
  readonly operation: Operation;
  /** The Airlock token as presented (`alk_…`), or undefined when none was. */
  readonly token: string | undefined;
  /**
   * What `Gate.authenticate` found for this token while the door was taking this request: the
   * gate uses it in place of authenticating again, once and only moments after (admission.ts).
   */
  readonly authenticated?: Authentication;
  /** A hold id the agent quotes to run an approved operation (`Airlock-Hold: hold_…`). */
  readonly holdId?: string;
  /** The exact request in the door's own form, token removed; kept with a hold for replay. */
  readonly request?: unknown;
  /**
   * What the door measured of the operation's effect (`DELETE touched 100 of 100 rows`): put
   * first among the reasons, so that the hold, the audit record and the console show it.
   */
  readonly evidence?: readonly string[];
  /**
   * The id of the request this operation came in (core/request-id.ts): the decision's record,
   * and the record of a hold expiring on the way, carry it. Every door passes the one it has.
   */
  readonly requestId?: string | undefined;
}

export interface GateResult {
  readonly verdict: Verdict;
  /** The audit record of this decision; undefined when it could not be written (then: deny). */
  readonly record: AuditRecord | undefined;
  readonly agent: string | undefined;
  readonly tokenId: string | undefined;
}

/** What an extension sees of a decision being made. */
export interface DecisionContext {
  readonly agent: AgentRecord;
  /** Undefined when explaining for an agent rather than for one of its tokens. */
  readonly token: TokenRecord | undefined;
  readonly operation: Operation;
  readonly now: Date;
  /** Only explaining (`airlock explain`, the console): extensions must change nothing. */
  readonly dryRun?: boolean;
}

/** Extensions of the pipeline: anomaly signals, budgets, and observers of what was decided. */
export interface GateExtensions {
  signals?(context: DecisionContext): Promise<readonly Signal[]> | readonly Signal[];
  budget?(context: DecisionContext): Promise<BudgetCheck | undefined> | BudgetCheck | undefined;
  /** Called after the decision is durable; errors are contained. */
  decided?(context: DecisionContext, verdict: Verdict, record: AuditRecord): Promise<void> | void;
  /** Called when a new hold is created (notifications). */
  held?(hold: HoldRecord): Promise<void> | void;
}

export interface BudgetCheck {
  readonly exceeded: boolean;
  readonly explanation?: string;
  readonly refillAt?: string;
  /** Units this decision claimed in the store (BudgetClaimRepository): its record takes them over as it is committed. */
  readonly claims?: readonly string[];
}

export interface GateOptions {
  readonly store: Store;
  readonly audit: AuditLog;
  /** The current policy engine; a getter, so a reload takes effect on the next decision. */
  readonly policies: () => PolicyEngine;
  /** The configured freeze windows and hold lifetime: getters, so that a config reload takes effect on the next decision. */
  readonly freezeWindows?: () => readonly FreezeWindowConfig[];
  readonly holdTtlMs?: () => number;
  readonly clock?: () => Date;
  readonly extensions?: readonly GateExtensions[];
  /**
   * Every decision waits until its record is committed. `all`: every commit is also synced to
   * disk first. `changes` (the default): a batch holding only allowed reads is committed without
   * its own sync, and reaches the disk with the next synced commit or checkpoint — reads change
   * nothing upstream, and a sync per read would cap a database door at the disk's sync rate.
   */
  readonly auditDurability?: 'all' | 'changes';
  /** Until when an upstream is in observe mode (its config's `observeUntil`), by name. */
  readonly observeUpstream?: (upstream: string | undefined) => string | undefined;
}

/**
 * The decision pipeline every door calls: authenticate → gather state → decide → match or
 * create a hold → write the audit record → answer. Nothing is forwarded unless this returns
 * `allow`, and it returns only after the record is durable; if it cannot be written, the
 * answer is `deny` with code `unavailable`.
 */
export class Gate {
  private readonly clock: () => Date;
  private readonly extensions: readonly GateExtensions[];
  private readonly memo = new DecisionMemo();
  private readonly admissions: Admissions;

  constructor(private readonly options: GateOptions) {
    this.clock = options.clock ?? (() => new Date());
    this.extensions = options.extensions ?? [];
    this.admissions = new Admissions(options.store);
  }

  /**
   * Authenticates a token for a door that must know who is asking before it decides anything
   * (to route, to bind a session). Passed back as `authenticated` with the request's decision,
   * it spares that decision a second authentication.
   */
  authenticate(presented: string | undefined): Promise<Authentication> {
    return this.admissions.authenticate(presented, this.clock());
  }

  get store(): Store {
    return this.options.store;
  }

  now(): Date {
    return this.clock();
  }

  async decide(request: GateRequest): Promise<GateResult> {
    try {
      return await this.decideOrThrow(request);
    } catch (error) {
      // The store failed mid-decision: whatever the policy says, nothing may be forwarded.
      return unavailable(`Airlock could not complete the decision, so nothing was forwarded (${(error as Error).message})`, 'airlock/store', {});
    }
  }

  private async decideOrThrow(request: GateRequest): Promise<GateResult> {
    const now = this.clock();
    const { store } = this.options;
    const { operation } = request;
    const auth = this.admissions.take(request.authenticated, request.token, now) ?? (await authenticate(store, request.token, now));
    if (!auth.ok) {
      const verdict: Verdict = { kind: 'deny', code: 'unauthenticated', reasons: [auth.reason], policies: ['airlock/authentication'] };
      return this.record(request, verdict, { agent: auth.agent, tokenId: auth.tokenId });
    }

    const context: DecisionContext = { agent: auth.agent, token: auth.token, operation, now };
    const judged = await this.judge(context, auth.scopes);
    const { signals, claims } = judged;
    const decision = request.evidence?.length ? { ...judged.decision, reasons: [...request.evidence, ...judged.decision.reasons] } : judged.decision;

    const who = { agent: auth.agent.name, tokenId: auth.token.id, claims };
    const explanations = signals.map((s) => `${s.name}: ${s.explanation}`);
    const observing = observe(decision, auth.agent, this.options.observeUpstream?.(operation.upstream), now);
    if (observing) return this.observed(context, await this.record(request, observing.decision, who, explanations, undefined, observing.would));
    if (decision.kind !== 'hold') return this.observed(context, await this.record(request, decision, who, explanations));

    const matched = await this.matchHold(request, decision, auth.agent.name, now);
    if (matched.kind === 'create') {
      const hold = this.newHold(request, decision, auth.token, now);
      await openHold(store, hold);
      const held: Verdict = { ...decision, holdId: hold.id, expiresAt: hold.expiresAt };
      const result = await this.record(request, held, who, explanations);
      if (result.record) for (const e of this.extensions) await contained(() => e.held?.(hold));
      else await moveHold(store, hold.id, 'abandon', { decision: 'its audit record could not be written' });
      return this.observed(context, result);
    }

    const { verdict, consumed } = matched;
    const result = await this.record(request, verdict, who, explanations, consumed);
    if (!result.record && consumed) {
      // The approval was used up but nothing was forwarded: give it back.
      await moveHold(store, consumed.id, 'giveBack', { executedAt: undefined });
    }
    return this.observed(context, result);
  }

  /**
   * What Airlock would decide, with no side effect: no hold is created, nothing is recorded and
   * no baseline learns from it. For `airlock explain` and the console.
   */
  async explain(
    operation: Operation,
    principal: { agent: AgentRecord; token?: TokenRecord; scopes: readonly Scope[] },
  ): Promise<{ decision: Decision; signals: readonly Signal[] }> {
    return this.judge({ agent: principal.agent, token: principal.token, operation, now: this.clock(), dryRun: true }, principal.scopes);
  }

  private async judge(
    context: DecisionContext,
    scopes: readonly Scope[],
  ): Promise<{ decision: Decision; signals: readonly Signal[]; claims: readonly string[] }> {
    const { agent, now, operation } = context;
    const control = await this.options.store.control.get();
    const freeze = activeFreeze(this.options.freezeWindows?.() ?? [], control.freeze, now);
    const signals = (await Promise.all(this.extensions.map((e) => e.signals?.(context) ?? []))).flat();
    const budgets = await Promise.all(this.extensions.map((e) => e.budget?.(context)));
    const budget = budgets.find((b) => b?.exceeded);
    const claims = budgets.flatMap((b) => b?.claims ?? []);
    const engine = this.options.policies();
    // What changes from one request to the next (the stop and freeze switches, signals,
    // budgets) was gathered above for this one; only a decision that none of them shaped is
    // remembered, and only recalled when none of them is present now.
    const { token } = context;
    const memoable = token !== undefined && !context.dryRun && !control.stopAll && !freeze && signals.length === 0 && !budget;
    const recalled = memoable ? this.memo.recall(token, engine, agent, operation, now) : undefined;
    if (recalled) return { decision: recalled, signals, claims };
    const decision = decide(engine, {
      operation,
      agent: { name: agent.name, state: agent.state, ...(agent.stateReason ? { stateReason: agent.stateReason } : {}) },
      scopes,
      ...(control.stopAll ? { stopAll: { reason: control.stopAll.reason } } : {}),
      ...(freeze ? { freeze } : {}),
      ...(budget ? { budget } : {}),
      signals,
      now,
    });
    return { decision: memoable ? this.memo.remember(token, engine, agent, operation, now, decision) : decision, signals, claims };
  }

  /**
   * An operation that needs a human may already have one's answer: an approved hold for this
   * agent and this exact request (quoted by id, or found by digest) runs it once. A pending hold
   * for the same request is answered again rather than duplicated.
   */
  private async matchHold(
    request: GateRequest,
    decision: Extract<Decision, { kind: 'hold' }>,
    agent: string,
    now: Date,
  ): Promise<{ kind: 'answer'; verdict: Verdict; consumed?: HoldRecord } | { kind: 'create' }> {
    const { store } = this.options;
    const digest = request.operation.digest;
    let hold: HoldRecord | undefined;
    if (request.holdId) {
      hold = await store.holds.get(request.holdId);
      const refuse = (why: string) => ({
        kind: 'answer' as const,
        verdict: { kind: 'deny', code: 'hold_invalid', holdId: request.holdId, reasons: [why], policies: ['airlock/hold'] } as Verdict,
      });
      if (!hold) return refuse(`hold ${request.holdId} does not exist`);
      if (hold.agent !== agent) return refuse(`hold ${hold.id} belongs to another agent`);
      if (hold.operation.digest !== digest)
        return refuse(`hold ${hold.id} was for a different request; an approval covers only the exact request that was held`);
    } else {
      const candidates = await store.holds.list({ agent, status: ['approved', 'pending', 'scheduled'], limit: 50 });
      hold = candidates.find((h) => h.operation.digest === digest && Date.parse(h.expiresAt) > now.getTime());
      if (!hold) return { kind: 'create' };
    }

    if (Date.parse(hold.expiresAt) <= now.getTime() && (hold.status === 'pending' || hold.status === 'approved')) {
      await expireHold({ store, audit: this.options.audit }, hold, request.requestId);
      return {
        kind: 'answer',
        verdict: { kind: 'deny', code: 'hold_invalid', holdId: hold.id, reasons: [`hold ${hold.id} expired at ${hold.expiresAt}`], policies: ['airlock/hold'] },
      };
    }
    switch (hold.status) {
      case 'approved': {
        const consumed = await moveHold(store, hold.id, 'consume', { executedAt: now.toISOString() });
        if (!consumed) {
          return {
            kind: 'answer',
            verdict: { kind: 'deny', code: 'hold_invalid', holdId: hold.id, reasons: [`hold ${hold.id} was already used`], policies: ['airlock/hold'] },
          };
        }
        const by = consumed.approvals.map((a) => a.operator).join(', ');
        return {
          kind: 'answer',
          consumed,
          verdict: {
            kind: 'allow',
            holdId: hold.id,
            reasons: [`approved by ${by} (hold ${hold.id})`, ...decision.reasons],
            policies: [...decision.policies, 'airlock/hold'],
          },
        };
      }
      case 'pending':
      case 'scheduled':
        return {
          kind: 'answer',
          verdict: {
            ...decision,
            needs: hold.needs,
            holdId: hold.id,
            expiresAt: hold.expiresAt,
            ...(hold.runAt ? { runAt: hold.runAt } : {}),
          },
        };
      default: {
        const what = {
          executed: 'was already used',
          denied: `was denied${hold.decidedBy ? ` by ${hold.decidedBy}` : ''}`,
          cancelled: 'was cancelled',
          expired: 'expired',
          failed: 'failed',
        }[hold.status];
        return {
          kind: 'answer',
          verdict: {
            kind: 'deny',
            code: 'hold_invalid',
            holdId: hold.id,
            reasons: [`hold ${hold.id} ${what}${hold.decision ? `: ${hold.decision}` : ''}`],
            policies: ['airlock/hold'],
          },
        };
      }
    }
  }

  private newHold(request: GateRequest, decision: Extract<Decision, { kind: 'hold' }>, token: TokenRecord, now: Date): HoldRecord & { status: 'pending' } {
    const { operation } = request;
    return {
      id: newHoldId(),
      status: 'pending',
      createdAt: now.toISOString(),
      expiresAt: new Date(now.getTime() + (this.options.holdTtlMs?.() ?? 3_600_000)).toISOString(),
      agent: token.agent,
      tokenId: token.id,
      operation,
      reasons: decision.reasons,
      policies: decision.policies,
      needs: decision.needs,
      request: request.request ?? null,
      approvals: [],
      decidedBy: undefined,
      decision: undefined,
      runAt: undefined,
      executedAt: undefined,
      outcome: undefined,
    };
  }

  /** Writes the decision durably; a verdict that cannot be recorded becomes a refusal. */
  private async record(
    request: GateRequest,
    verdict: Verdict,
    who: { agent: string | undefined; tokenId: string | undefined; claims?: readonly string[] },
    signalExplanations: readonly string[] = [],
    consumed?: HoldRecord,
    observed?: Observed['would'],
  ): Promise<GateResult> {
    const { operation } = request;
    const entry: AuditEntry = {
      type: 'decision',
      agent: who.agent,
      token: who.tokenId,
      door: operation.door,
      upstream: operation.upstream,
      action: operation.action,
      class: operation.class,
      environment: operation.environment,
      resources: operation.resources,
      digest: operation.digest,
      summary: operation.summary,
      parts: operation.parts,
      verdict: verdict.kind,
      ...(verdict.kind === 'deny' ? { code: verdict.code } : {}),
      reasons: verdict.reasons,
      policies: verdict.policies,
      ...(verdict.signals ? { signals: verdict.signals } : {}),
      ...(verdict.holdId ? { holdId: verdict.holdId } : {}),
      ...(signalExplanations.length > 0 || consumed || observed
        ? {
            detail: {
              ...(signalExplanations.length ? { signals: signalExplanations } : {}),
              ...(consumed ? { approvals: consumed.approvals } : {}),
              ...(observed ? { observed } : {}),
            },
          }
        : {}),
      ...(request.requestId ? { requestId: request.requestId } : {}),
    };
    const sync = !(verdict.kind === 'allow' && operation.class === 'read' && this.options.auditDurability !== 'all');
    try {
      // The budget units this decision claimed leave the store as its record enters it.
      const record = await this.options.audit.append(entry, who.claims?.length ? { sync, releaseClaims: who.claims } : { sync });
      return { verdict, record, agent: who.agent, tokenId: who.tokenId };
    } catch (error) {
      return unavailable(`Airlock could not record the decision, so nothing was forwarded (${(error as Error).message})`, 'airlock/audit', who);
    }
  }

  private async observed(context: DecisionContext, result: GateResult): Promise<GateResult> {
    if (result.record) for (const e of this.extensions) await contained(() => e.decided?.(context, result.verdict, result.record!));
    return result;
  }
}

/** A refusal because Airlock itself could not decide or record: never forward, say why. */
function unavailable(reason: string, policy: string, who: { agent?: string | undefined; tokenId?: string | undefined }): GateResult {
  return {
    verdict: { kind: 'deny', code: 'unavailable', reasons: [reason], policies: [policy] },
    record: undefined,
    agent: who.agent,
    tokenId: who.tokenId,
  };
}

async function contained(run: () => Promise<void> | void): Promise<void> {
  try {
    await run();
  } catch {
    // Extensions observe; they never change a decision already recorded.
  }
}
