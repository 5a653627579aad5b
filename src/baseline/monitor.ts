/**
 * The baseline at work in the gate: it raises signals for each operation, learns from each
 * decision, and trips the circuit breaker. What it knows about an agent is kept in memory, so a
 * decision costs a map lookup; what it learns is written to the store in the background, a batch
 * every couple of seconds and on close, by replaying the new observations onto whatever is
 * stored, so that several processes sharing a store all contribute and a restart loses nothing
 * that was flushed. Counts that must agree across processes (refusals for the breaker) are read
 * from the audit log itself.
 *
 * @example
 * const monitor = new BehaviourMonitor({ store, audit, settings: config.baseline, clock, log });
 * new Gate({ …, extensions: [monitor] });
 * await monitor.close(); // flushes what it learned
 */
import type { Logger } from 'pino';
import type { AuditLog } from '../audit/log.js';
import type { DecisionContext, GateExtensions } from '../gate/index.js';
import type { Verdict } from '../core/verdict.js';
import type { Signal } from '../policy/decide.js';
import type { AuditRecord } from '../store/records.js';
import type { Store } from '../store/store.js';
import type { BaselineSettings } from './config.js';
import { emptyBaseline, observe, type Baseline, type Observation } from './model.js';
import type { SignalName } from './names.js';
import { breakerTrip, describeRefusals, isBreakerEvent } from './breaker.js';
import { detectSignals, refusalsInWindow, type RefusalEvent } from './signals.js';
import { WindowCounter } from './window-counter.js';

export interface MonitorOptions {
  readonly store: Store;
  readonly audit: AuditLog;
  readonly settings: BaselineSettings;
  readonly clock: () => Date;
  readonly log: Logger;
  /** How long learned observations wait before they are written (milliseconds of real time). */
  readonly flushIntervalMs?: number;
  /** How long an agent's view is trusted before it is read again (other replicas learn too). */
  readonly refreshMs?: number;
}

/** What this process knows about one agent. */
interface Tracked {
  readonly agent: string;
  /** The stored baseline with this process's unflushed observations applied. */
  baseline: Baseline | undefined;
  pending: Observation[];
  /** Decided since the baseline was last brought up to date: applied after the turn, or on use. */
  unapplied: Observation[];
  loadedAt: number;
  /** Decisions within the burst window. */
  readonly recent: WindowCounter;
  /** Refusals and holds since the agent was last suspended or resumed, within the refusal window. */
  refusals: RefusalEvent[];
}

/** Audit records after which an agent's refusals start counting afresh (see activity.refusalsSince). */
const STATE_CHANGES = new Set(['agent.suspended', 'agent.resumed', 'stop.agent', 'agent.added']);

export class BehaviourMonitor implements GateExtensions {
  private readonly tracked = new Map<string, Tracked>();
  private readonly loading = new Map<string, Promise<Tracked>>();
  private readonly fired = new WeakMap<DecisionContext, readonly Signal[]>();
  /** Per-agent queue, so that two refusals cannot suspend an agent twice. */
  private readonly queues = new Map<string, Promise<void>>();
  private readonly flushIntervalMs: number;
  private readonly refreshMs: number;
  private timer: NodeJS.Timeout | undefined;
  private flushing: Promise<void> | undefined;
  private readonly unsubscribe: () => void;
  private closed = false;

  constructor(private readonly options: MonitorOptions) {
    this.flushIntervalMs = options.flushIntervalMs ?? 2000;
    this.refreshMs = options.refreshMs ?? 30_000;
    this.unsubscribe = options.audit.subscribe((record) => this.recorded(record));
  }

  private get settings(): BaselineSettings {
    return this.options.settings;
  }

  async signals(context: DecisionContext): Promise<readonly Signal[]> {
    const tracked = await this.track(context.agent.name);
    this.apply(tracked);
    const signals = detectSignals({
      agent: context.agent.name,
      baseline: tracked.baseline,
      operation: context.operation,
      now: context.now,
      recentOperations: tracked.recent.count(context.now.getTime()),
      recentRefusals: tracked.refusals,
      settings: this.settings,
    });
    if (!context.dryRun) this.fired.set(context, signals);
    return signals;
  }

  /**
   * Learns from a decision. On the request path only the counts the next decision needs at once
   * move (the burst window, the refusals); the observation is folded into the baseline after the
   * turn, a batch at a time, or sooner if a decision needs the baseline first.
   */
  decided(context: DecisionContext, verdict: Verdict, record: AuditRecord): Promise<void> | undefined {
    const name = context.agent.name;
    const fired = this.fired.get(context) ?? [];
    this.fired.delete(context);
    const code = verdict.kind === 'deny' ? verdict.code : undefined;
    // Airlock's own failure says nothing about the agent.
    if (code === 'unavailable') return;
    const tracked = this.tracked.get(name);
    // Unknown here (never decided for, or forgotten since its signals): learn the slow way.
    if (!tracked) return this.track(name).then((found) => this.learn(found, context, verdict, record, fired));
    return this.learn(tracked, context, verdict, record, fired);
  }

  private learn(tracked: Tracked, context: DecisionContext, verdict: Verdict, record: AuditRecord, fired: readonly Signal[]): Promise<void> | undefined {
    const name = context.agent.name;
    const code = verdict.kind === 'deny' ? verdict.code : undefined;
    const { operation, now } = context;
    tracked.unapplied.push({
      at: now.toISOString(),
      upstream: operation.upstream,
      environment: operation.environment,
      action: operation.action,
      class: operation.class,
      allowed: verdict.kind === 'allow',
    });
    tracked.recent.add(now.getTime());
    this.scheduleApply();

    if (verdict.kind === 'allow' && verdict.holdId) {
      // A human approved it: the hold was not the agent going astray.
      tracked.refusals = tracked.refusals.filter((r) => r.holdId !== verdict.holdId);
    }
    const breaker = isBreakerEvent(verdict.kind, code);
    const tripping = fired.filter((s) => s.name !== 'refusal-burst' && this.settings.suspendOn.includes(s.name as SignalName));
    if (!breaker && tripping.length === 0) return undefined;
    return this.act(tracked, name, now, record, breaker, tripping);
  }

  private async act(tracked: Tracked, name: string, now: Date, record: AuditRecord, breaker: boolean, tripping: readonly Signal[]): Promise<void> {
    if (breaker) {
      this.remember(tracked, refusalOf(record), now);
      await this.serially(name, () => this.checkBreaker(name, now));
    }
    if (tripping.length > 0) {
      const why = tripping.map((s) => `${s.name}: ${s.explanation}`).join('; ');
      await this.serially(name, () =>
        this.suspend(
          name,
          `the ${tripping.map((s) => s.name).join(' and ')} signal suspends agents`,
          [why],
          tripping.map((s) => s.name),
          { decision: record.seq },
        ),
      );
    }
  }

  /** Folds the decisions made since into the agent's baseline and its queue for the store. */
  private apply(tracked: Tracked): void {
    if (tracked.unapplied.length === 0) return;
    const batch = tracked.unapplied;
    tracked.unapplied = [];
    let baseline = tracked.baseline;
    for (const observation of batch) {
      baseline = observe(baseline ?? emptyBaseline(tracked.agent, observation.at), observation, this.settings);
      tracked.pending.push(observation);
    }
    tracked.baseline = baseline;
    this.scheduleFlush();
  }

  private applyScheduled = false;
  private scheduleApply(): void {
    if (this.applyScheduled) return;
    this.applyScheduled = true;
    setImmediate(() => {
      this.applyScheduled = false;
      for (const tracked of this.tracked.values()) this.apply(tracked);
    });
  }

  /** Writes what was learned; resolves when it is stored. */
  async flush(): Promise<void> {
    while (this.flushing) await this.flushing;
    this.flushing = this.flushAll().finally(() => (this.flushing = undefined));
    return this.flushing;
  }

  async close(): Promise<void> {
    this.closed = true;
    clearTimeout(this.timer);
    this.unsubscribe();
    await Promise.all(this.queues.values());
    await this.flush();
  }

  /** Records of decisions that never reach `decided`: a revoked or expired token of a known agent. */
  private recorded(record: AuditRecord): void {
    const agent = record.agent;
    if (!agent) return;
    if (record.type === 'agent.removed') {
      // A new agent of the same name starts from nothing, with its own warm-up.
      this.tracked.delete(agent);
      void this.serially(agent, async () => void (await this.options.store.baselines.remove(agent)));
      return;
    }
    if (STATE_CHANGES.has(record.type)) {
      // Suspended, stopped or resumed (by the breaker, or by an operator through the console or
      // admin API of this process): refusals before it no longer count. Changes made by other
      // processes are picked up when the agent's view is next refreshed.
      const tracked = this.tracked.get(agent);
      if (tracked) tracked.refusals = [];
      return;
    }
    if (record.type === 'hold.running' && record.class && record.action && record.environment) {
      // Approved, and run by Airlock at the end of its delay: the agent has now done this.
      const observation: Observation = {
        at: record.at,
        upstream: record.upstream,
        environment: record.environment,
        action: record.action,
        class: record.class,
        allowed: true,
      };
      void this.serially(agent, async () => {
        const tracked = await this.track(agent);
        this.apply(tracked);
        tracked.pending.push(observation);
        tracked.baseline = observe(tracked.baseline ?? emptyBaseline(agent, observation.at), observation, this.settings);
        if (record.holdId) tracked.refusals = tracked.refusals.filter((r) => r.holdId !== record.holdId);
        this.scheduleFlush();
      });
      return;
    }
    if (record.type !== 'decision' || record.code !== 'unauthenticated') return;
    const now = new Date(record.at);
    void this.serially(agent, async () => {
      const tracked = this.tracked.get(agent);
      if (tracked) this.remember(tracked, refusalOf(record), now);
      await this.checkBreaker(agent, now);
    });
  }

  private remember(tracked: Tracked, event: RefusalEvent, now: Date): void {
    tracked.refusals = [...refusalsInWindow(tracked.refusals, now, this.settings.refusals.window), event];
  }

  /**
   * The circuit breaker: counted from the audit log, so that refusals seen by any process, and
   * only those since the agent was last suspended or resumed, count.
   */
  private async checkBreaker(agent: string, now: Date): Promise<void> {
    if (!this.settings.suspendOn.includes('refusal-burst') || this.settings.ignore.includes('refusal-burst')) return;
    const { count, window } = this.settings.refusals;
    const since = new Date(now.getTime() - window).toISOString();
    const events = (await this.options.store.activity.refusalsSince(agent, since)).filter((e) => isBreakerEvent(e.verdict, e.code));
    const trip = breakerTrip(events, { count, window });
    if (!trip) return;
    const seqs = trip.events.flatMap((e) => (e.seq !== undefined ? [e.seq] : []));
    await this.suspend(agent, trip.summary, [`refusal-burst: ${describeRefusals(trip.events)}`], ['refusal-burst'], {
      refusals: seqs,
      pattern: trip.kind,
    });
  }

  private async suspend(
    agent: string,
    summary: string,
    details: readonly string[],
    signals: readonly string[],
    detail: Record<string, unknown>,
  ): Promise<void> {
    const { store, audit, log } = this.options;
    const current = await store.agents.get(agent);
    if (current?.state !== 'active') return;
    const reason = `circuit breaker: ${summary}; an operator must review and resume it`;
    await store.agents.setState(agent, 'suspended', reason);
    await audit.append({
      type: 'agent.suspended',
      agent,
      reasons: [reason, ...details],
      signals,
      detail: { by: 'circuit-breaker', ...detail },
    });
    const tracked = this.tracked.get(agent);
    if (tracked) tracked.refusals = [];
    log.warn({ agent, signals }, `circuit breaker: agent ${agent} suspended (${summary}); resume with: airlock resume --agent ${agent}`);
  }

  private serially(agent: string, run: () => Promise<void>): Promise<void> {
    const previous = this.queues.get(agent) ?? Promise.resolve();
    const next = previous.then(run).catch((error: Error) => {
      this.options.log.error({ agent, err: error.message }, 'baseline: could not act on a decision');
    });
    this.queues.set(agent, next);
    void next.then(() => {
      if (this.queues.get(agent) === next) this.queues.delete(agent);
    });
    return next;
  }

  private async track(agent: string): Promise<Tracked> {
    const existing = this.tracked.get(agent);
    if (existing && (existing.pending.length > 0 || existing.unapplied.length > 0 || performance.now() - existing.loadedAt < this.refreshMs)) return existing;
    let loading = this.loading.get(agent);
    if (!loading) {
      loading = this.load(agent).finally(() => this.loading.delete(agent));
      this.loading.set(agent, loading);
    }
    return loading;
  }

  /** Reads the agent's baseline and recent decisions from the store (first use, or refresh). */
  private async load(agent: string): Promise<Tracked> {
    const { store, clock } = this.options;
    const now = clock().getTime();
    const { burst, refusals } = this.settings;
    const slices = new WindowCounter(burst.window).slicesBetween(now - burst.window, now + 1);
    const [baseline, counts, events] = await Promise.all([
      store.baselines.get(agent),
      countsBySlice(store.activity, agent, slices),
      store.activity.refusalsSince(agent, new Date(now - refusals.window).toISOString()),
    ]);
    let tracked = this.tracked.get(agent);
    if (!tracked) {
      tracked = { agent, baseline: undefined, pending: [], unapplied: [], loadedAt: 0, recent: new WindowCounter(burst.window), refusals: [] };
      this.tracked.set(agent, tracked);
    }
    // Observations made while reading are newer than what was read: keep this process's view.
    if (tracked.pending.length === 0 && tracked.unapplied.length === 0) {
      tracked.baseline = baseline;
      tracked.recent.clear();
      for (const { start, count } of counts) if (count > 0) tracked.recent.add(start, count);
      tracked.refusals = events.filter((e) => isBreakerEvent(e.verdict, e.code));
    }
    tracked.loadedAt = performance.now();
    return tracked;
  }

  private scheduleFlush(): void {
    if (this.timer || this.closed) return;
    this.timer = setTimeout(() => {
      this.timer = undefined;
      void this.flush();
    }, this.flushIntervalMs);
    this.timer.unref();
  }

  private async flushAll(): Promise<void> {
    const { store, clock, log } = this.options;
    for (const [agent, tracked] of this.tracked) {
      this.apply(tracked);
      if (tracked.pending.length === 0) continue;
      const batch = tracked.pending;
      tracked.pending = [];
      try {
        const replay = (start: Baseline | undefined, observations: readonly Observation[]) =>
          observations.reduce((b, o) => observe(b, o, this.settings), start ?? emptyBaseline(agent, observations[0]!.at));
        const stored = await store.baselines.update(agent, clock().toISOString(), (current) => replay(current, batch));
        // The stored value includes what other replicas learned; the burst and refusal counts are
        // read again when the view is next refreshed.
        tracked.baseline = tracked.pending.length > 0 ? replay(stored, tracked.pending) : stored;
      } catch (error) {
        tracked.pending = [...batch, ...tracked.pending];
        log.warn({ agent, err: (error as Error).message }, 'baseline: could not store what was learned; will retry');
        this.scheduleFlush();
      }
    }
  }
}

function refusalOf(record: AuditRecord): RefusalEvent {
  return {
    at: record.at,
    verdict: record.verdict === 'hold' ? 'hold' : 'deny',
    code: record.code,
    action: record.action,
    class: record.class,
    seq: record.seq,
    digest: record.digest,
    token: record.token,
    holdId: record.holdId,
  };
}

/**
 * The agent's decisions counted slice by slice of its burst window, the doors served between
 * slices: a busy agent has a hundred thousand decisions in the window, and reading them back
 * as rows held every request in flight for tens of milliseconds each 30 s.
 */
async function countsBySlice(activity: Store['activity'], agent: string, slices: readonly [number, number][]): Promise<{ start: number; count: number }[]> {
  const counts: { start: number; count: number }[] = [];
  for (const [start, end] of slices) {
    counts.push({ start, count: await activity.countDecisions(agent, new Date(start).toISOString(), new Date(end).toISOString()) });
    await new Promise((resolve) => setImmediate(resolve));
  }
  return counts;
}
