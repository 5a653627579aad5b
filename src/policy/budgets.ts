/**
 * Budgets: at most `limit` allowed operations of a class per agent in any sliding window of
 * `per`. What an agent has used is counted from the audit log, which every process and replica
 * sharing the store writes, so that all of them enforce one budget; operations being decided
 * right now in this process are counted too, so that concurrent requests cannot all take the
 * last unit.
 *
 * @example
 * budgets:
 *   - { class: write, limit: 300, per: 1m }            # every agent
 *   - { agent: deploy-bot, class: destructive, limit: 1, per: 1d }   # even when approved
 */
import type { BudgetConfig } from '../config/schema.js';
import { formatDuration } from '../core/duration.js';
import type { BudgetCheck, DecisionContext, GateExtensions } from '../gate/index.js';
import type { OperationClass } from '../core/operation.js';
import type { AuditLog } from '../audit/log.js';
import type { AuditRecord } from '../store/records.js';
import type { Store } from '../store/store.js';

/** The budgets that apply to this agent and class: its own and those for every agent (`*`). */
export function applicableBudgets(budgets: readonly BudgetConfig[], agent: string, operationClass: OperationClass): BudgetConfig[] {
  return budgets.filter((b) => (b.agent === '*' || b.agent === agent) && b.class === operationClass);
}

export interface BudgetUse {
  readonly budget: BudgetConfig;
  readonly exceeded: boolean;
  /** When one more operation fits again; undefined for a budget of 0, which never refills. */
  readonly refillAt?: string;
}

/**
 * Whether one more operation fits in a budget, given `inFlight` operations of this process not
 * yet recorded and `nthNewest`: the time of the (limit - inFlight)-th newest allowed operation in
 * the window, undefined when there are not that many. If it exists there is no room, and the
 * budget refills when it leaves the window.
 */
export function judgeBudget(budget: BudgetConfig, nthNewest: string | undefined, inFlight: number, now: Date): BudgetUse {
  if (budget.limit === 0) return { budget, exceeded: true };
  if (budget.limit - inFlight <= 0) return { budget, exceeded: true, refillAt: new Date(now.getTime() + budget.per).toISOString() };
  if (nthNewest === undefined) return { budget, exceeded: false };
  return { budget, exceeded: true, refillAt: new Date(Date.parse(nthNewest) + budget.per).toISOString() };
}

/** The answer for the gate: exceeded if any budget is, refilling when the last of them does. */
export function budgetCheckOf(agent: string, operationClass: OperationClass, uses: readonly BudgetUse[]): BudgetCheck {
  const exceeded = uses.filter((u) => u.exceeded);
  if (exceeded.length === 0) return { exceeded: false };
  const never = exceeded.find((u) => u.refillAt === undefined);
  if (never) {
    return {
      exceeded: true,
      explanation: `${agent} may not make ${operationClass} operations at all (its budget is 0 per ${formatDuration(never.budget.per)})`,
    };
  }
  const last = exceeded.reduce((a, b) => (Date.parse(b.refillAt!) > Date.parse(a.refillAt!) ? b : a));
  const { limit, per } = last.budget;
  return {
    exceeded: true,
    refillAt: last.refillAt!,
    explanation:
      `${agent} has used its budget of ${limit} ${operationClass} operation${limit === 1 ? '' : 's'} per ${formatDuration(per)}; ` +
      `the budget refills at ${last.refillAt}`,
  };
}

/** Operations this process is deciding whose record is not written yet; forgotten after this long. */
const IN_FLIGHT_TTL_MS = 60_000;

/**
 * The gate extension that enforces `budgets` from the config. An operation is in flight from
 * the moment its budget is checked until its decision is recorded; it is counted from memory
 * until then and from the audit log after, and it leaves memory as its record arrives (the
 * audit log tells its subscribers in the same step as it tells the gate), so that it is not
 * counted twice. In the instant between a record's commit and that news, a concurrent check
 * can count it twice: Airlock may then refuse one operation early. Across processes sharing a
 * store, each decision also claims its unit in the store, under one lock for every process, so
 * two replicas cannot both take the last unit; the decision's record takes the claim over in the
 * commit that writes it (AppendOptions.releaseClaims), so that no replica sees the operation
 * both claimed and recorded.
 */
export class BudgetKeeper implements GateExtensions {
  private readonly inFlight = new Map<string, Map<DecisionContext, number>>();

  constructor(
    private readonly store: Store,
    /** The budgets in force: a getter, so that a config reload takes effect on the next decision. */
    private readonly budgets: () => readonly BudgetConfig[],
    audit?: AuditLog,
  ) {
    audit?.subscribe((record) => this.recorded(record));
  }

  async budget(context: DecisionContext): Promise<BudgetCheck | undefined> {
    const agent = context.agent.name;
    const operationClass = context.operation.class;
    const budgets = applicableBudgets(this.budgets(), agent, operationClass);
    if (budgets.length === 0) return undefined;
    const flights = this.flightsOf(`${agent}\u0000${operationClass}`);
    const others = flights.size;
    // Claimed before reading, so that a concurrent decision in this process counts this one.
    if (!context.dryRun) flights.set(context, performance.now());
    const now = context.now;
    const uses = await Promise.all(
      budgets.map(async (budget) => {
        const since = new Date(now.getTime() - budget.per).toISOString();
        const room = budget.limit - others;
        const nthNewest = room > 0 ? await this.store.activity.nthAllowedSince(agent, operationClass, since, room) : undefined;
        return judgeBudget(budget, nthNewest, others, now);
      }),
    );
    const check = budgetCheckOf(agent, operationClass, uses);
    if (check.exceeded || context.dryRun) {
      flights.delete(context);
      return check;
    }
    return this.claimAll(context, budgets, check);
  }

  /**
   * Takes a unit of every budget in the store as well, so that replicas sharing it count this
   * decision once between them (store.ts, BudgetClaimRepository): the check above sees this
   * process's decisions in flight, the claim everyone's. The claims go back with the check, and
   * the decision's record releases them as it is committed; a decision never recorded leaves
   * them to expire.
   */
  private async claimAll(context: DecisionContext, budgets: readonly BudgetConfig[], check: BudgetCheck): Promise<BudgetCheck> {
    const agent = context.agent.name;
    const operationClass = context.operation.class;
    const now = context.now;
    const taken: string[] = [];
    for (const budget of budgets) {
      const since = new Date(now.getTime() - budget.per).toISOString();
      const claim = await this.store.budgetClaims.claim({
        agent,
        operationClass,
        since,
        limit: budget.limit,
        at: now.toISOString(),
        expiresAt: new Date(now.getTime() + IN_FLIGHT_TTL_MS).toISOString(),
      });
      if (claim) {
        taken.push(claim);
        continue;
      }
      // Another replica took the last unit meanwhile: refused, refilling as if it were recorded.
      await Promise.all(taken.map((id) => this.store.budgetClaims.release(id)));
      this.inFlight.get(`${agent}\u0000${operationClass}`)?.delete(context);
      const nthNewest = await this.store.activity.nthAllowedSince(agent, operationClass, since, budget.limit);
      const refillAt = new Date((nthNewest ? Date.parse(nthNewest) : now.getTime()) + budget.per).toISOString();
      return budgetCheckOf(agent, operationClass, [{ budget, exceeded: true, refillAt }]);
    }
    return taken.length > 0 ? { ...check, claims: taken } : check;
  }

  decided(context: DecisionContext): void {
    // The record is durable: the audit log counts this decision from now on (and its commit
    // released the claims).
    this.inFlight.get(`${context.agent.name}\u0000${context.operation.class}`)?.delete(context);
  }

  private recorded(record: AuditRecord): void {
    if (record.type !== 'decision' || !record.agent || !record.class) return;
    const flights = this.inFlight.get(`${record.agent}\u0000${record.class}`);
    if (!flights) return;
    for (const context of flights.keys()) {
      if (context.operation.digest === record.digest && (context.token?.id ?? undefined) === record.token) {
        flights.delete(context);
        return;
      }
    }
  }

  private flightsOf(key: string): Map<DecisionContext, number> {
    let flights = this.inFlight.get(key);
    if (!flights) {
      flights = new Map();
      this.inFlight.set(key, flights);
    }
    const stale = performance.now() - IN_FLIGHT_TTL_MS;
    // A decision whose record could not be written never reaches `decided`.
    for (const [context, since] of flights) if (since < stale) flights.delete(context);
    return flights;
  }
}
