import type { AuditLog } from '../audit/log.js';
import type { GateRequest, GateResult } from '../gate/index.js';
import type { Store } from '../store/store.js';
import { MetricsRegistry } from './metrics-text.js';

/** Seconds: a decision takes a fraction of a millisecond to tens of milliseconds on a shared store. */
const DECISION_BUCKETS = [0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5];
/** Seconds: an upstream answers in milliseconds to its timeout. */
const FORWARD_BUCKETS = [0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30];

/**
 * What one Airlock reports at /metrics. Counters and histograms are this replica's (Prometheus
 * sums replicas); gauges read from the shared store (pending holds, stops) are the same on every
 * replica, so aggregate them with max, not sum.
 */
export class AirlockMetrics {
  readonly registry = new MetricsRegistry();
  private readonly decisions = this.registry.counter('airlock_decisions_total', 'Decisions made, by door, verdict and operation class.', [
    'door',
    'verdict',
    'class',
  ]);
  private readonly decisionSeconds = this.registry.histogram(
    'airlock_decision_duration_seconds',
    'Time to decide and record a decision, by door.',
    ['door'],
    DECISION_BUCKETS,
  );
  private readonly forwardSeconds = this.registry.histogram(
    'airlock_forward_duration_seconds',
    'Time from forwarding a request to the upstream’s answer, by door.',
    ['door'],
    FORWARD_BUCKETS,
  );
  private readonly signals = this.registry.counter('airlock_signals_total', 'Anomaly signals raised on decisions, by signal.', ['signal']);
  private readonly storeErrors = this.registry.counter(
    'airlock_store_errors_total',
    'Times the store could not be read or written; each refused what it was deciding.',
    ['during'],
  );

  constructor(store: Store, audit: AuditLog) {
    this.registry.gauge('airlock_holds_pending', 'Holds waiting for operators (shared by every replica).', [], async () => [
      { value: (await store.holds.list({ status: ['pending'], limit: 100_000 })).length },
    ]);
    this.registry.gauge('airlock_stop_active', 'Whether the all-agents stop is pulled (1) or not (0).', [], async () => [
      { value: (await store.control.get()).stopAll ? 1 : 0 },
    ]);
    this.registry.gauge('airlock_freeze_active', 'Whether an operator’s run-time freeze is on (1) or not (0).', [], async () => [
      { value: (await store.control.get()).freeze ? 1 : 0 },
    ]);
    this.registry.gauge('airlock_agents', 'Agents by state: active, suspended (circuit breaker or operator), stopped.', ['state'], async () => {
      const counts = { active: 0, suspended: 0, stopped: 0 };
      for (const agent of await store.agents.list()) counts[agent.state] += 1;
      return Object.entries(counts).map(([state, value]) => ({ labels: { state }, value }));
    });
    this.registry.gauge('airlock_audit_queue_depth', 'Audit records appended by this replica and not yet committed.', [], () => [{ value: audit.depth }]);
  }

  decided(request: GateRequest, result: GateResult, seconds: number): void {
    const door = request.operation.door;
    this.decisions.inc({ door, verdict: result.verdict.kind, class: request.operation.class });
    this.decisionSeconds.observe({ door }, seconds);
    for (const signal of result.record?.signals ?? []) this.signals.inc({ signal });
    if (result.verdict.kind === 'deny' && result.verdict.code === 'unavailable') this.storeErrors.inc({ during: 'decision' });
  }

  /** For doors: the upstream's answer arrived `seconds` after the request was forwarded. */
  forwarded(door: string, seconds: number): void {
    this.forwardSeconds.observe({ door }, seconds);
  }

  storeError(during: string): void {
    this.storeErrors.inc({ during });
  }

  render(): Promise<string> {
    return this.registry.render();
  }
}
