import { Counter, Gauge, Histogram, Registry } from 'prom-client';
import type { AuditLog } from '../audit/log.js';
import type { GateRequest, GateResult } from '../gate/index.js';
import type { Store } from '../store/store.js';

/** Seconds: a decision takes a fraction of a millisecond to tens of milliseconds on a shared store. */
const DECISION_BUCKETS = [0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5];
/** Seconds: an upstream answers in milliseconds to its timeout. */
const FORWARD_BUCKETS = [0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30];

/**
 * What one Airlock reports at /metrics, with prom-client. Counters and histograms are this
 * replica's (Prometheus sums replicas); gauges read from the shared store (pending holds, stops)
 * are the same on every replica, so aggregate them with max, not sum. Each Airlock has its own
 * registry, so several in one process (tests) do not share series. The worker processes of one
 * `airlock start` (`workers`) answer a scrape together: `render` then returns every worker's
 * series merged (counters and histograms summed, the store's gauges their max; see workers.ts).
 */
export class AirlockMetrics {
  readonly registry = new Registry();
  readonly contentType = this.registry.contentType;
  private readonly decisions = new Counter({
    name: 'airlock_decisions_total',
    help: 'Decisions made, by door, verdict and operation class.',
    labelNames: ['door', 'verdict', 'class'],
    registers: [this.registry],
  });
  private readonly decisionSeconds = new Histogram({
    name: 'airlock_decision_duration_seconds',
    help: 'Time to decide and record a decision, by door.',
    labelNames: ['door'],
    buckets: DECISION_BUCKETS,
    registers: [this.registry],
  });
  private readonly forwardSeconds = new Histogram({
    name: 'airlock_forward_duration_seconds',
    help: 'Time from forwarding a request to the upstream’s answer (a PostgreSQL statement: to its ReadyForQuery), by door and upstream.',
    labelNames: ['door', 'upstream'],
    buckets: FORWARD_BUCKETS,
    registers: [this.registry],
  });
  private readonly requestSeconds = new Histogram({
    name: 'airlock_request_duration_seconds',
    help: 'Time from a request reaching the HTTP listener to its answer finishing (decision, forwarding and answer), by door.',
    labelNames: ['door'],
    buckets: FORWARD_BUCKETS,
    registers: [this.registry],
  });
  private readonly mcpRequests = new Counter({
    name: 'airlock_mcp_requests_total',
    help: "Requests on agents' MCP sessions, by what answered them: `direct` (a tools/call the door answered itself) or `sdk` (the MCP SDK's server transport).",
    labelNames: ['path'],
    registers: [this.registry],
  });
  private readonly signals = new Counter({
    name: 'airlock_signals_total',
    help: 'Anomaly signals raised on decisions, by signal.',
    labelNames: ['signal'],
    registers: [this.registry],
  });
  private readonly storeErrors = new Counter({
    name: 'airlock_store_errors_total',
    help: 'Times the store could not be read or written; each refused what it was deciding.',
    labelNames: ['during'],
    registers: [this.registry],
  });

  constructor(store: Store, audit: AuditLog) {
    const registers = [this.registry];
    // A scrape while the store is away still answers: the shared gauges keep their last value
    // and the failure is counted, so the outage shows in store errors rather than as a failed scrape.
    const fromStore = (read: () => Promise<void>) => async () => {
      try {
        await read();
      } catch {
        this.storeErrors.inc({ during: 'metrics' });
      }
    };
    const pending: Gauge = new Gauge({
      name: 'airlock_holds_pending',
      aggregator: 'max',
      help: 'Holds waiting for operators (shared by every replica).',
      registers,
      collect: fromStore(async () => pending.set((await store.holds.list({ status: ['pending'], limit: 100_000 })).length)),
    });
    const stop: Gauge = new Gauge({
      name: 'airlock_stop_active',
      aggregator: 'max',
      help: 'Whether the all-agents stop is pulled (1) or not (0).',
      registers,
      collect: fromStore(async () => stop.set((await store.control.get()).stopAll ? 1 : 0)),
    });
    const freeze: Gauge = new Gauge({
      name: 'airlock_freeze_active',
      aggregator: 'max',
      help: 'Whether an operator’s run-time freeze is on (1) or not (0).',
      registers,
      collect: fromStore(async () => freeze.set((await store.control.get()).freeze ? 1 : 0)),
    });
    const agents: Gauge = new Gauge({
      name: 'airlock_agents',
      aggregator: 'max',
      help: 'Agents by state: active, suspended (circuit breaker or operator), stopped.',
      labelNames: ['state'],
      registers,
      collect: fromStore(async () => {
        const counts = { active: 0, suspended: 0, stopped: 0 };
        for (const agent of await store.agents.list()) counts[agent.state] += 1;
        for (const [state, value] of Object.entries(counts)) agents.set({ state }, value);
      }),
    });
    new Gauge({
      name: 'airlock_audit_queue_depth',
      help: 'Audit records appended by this replica and not yet committed.',
      registers,
      collect() {
        this.set(audit.depth);
      },
    });
  }

  decided(request: GateRequest, result: GateResult, seconds: number): void {
    const door = request.operation.door;
    this.decisions.inc({ door, verdict: result.verdict.kind, class: request.operation.class });
    this.decisionSeconds.observe({ door }, seconds);
    for (const signal of result.record?.signals ?? []) this.signals.inc({ signal });
    if (result.verdict.kind === 'deny' && result.verdict.code === 'unavailable') this.storeErrors.inc({ during: 'decision' });
  }

  /**
   * The one place every door's forward is timed: call it as the request leaves for the upstream,
   * and the function it returns when the upstream's answer arrives (its status and headers; a
   * PostgreSQL statement's ReadyForQuery). A forward that fails before an answer is not observed:
   * its refusal is the answer, timed by the request metrics.
   */
  forwarding(door: string, upstream: string): () => void {
    const started = performance.now();
    let done = false;
    return () => {
      if (done) return;
      done = true;
      this.forwardSeconds.observe({ door, upstream }, (performance.now() - started) / 1000);
    };
  }

  /** `forwarding` around a promise of the upstream's answer. */
  async timeForward<T>(door: string, upstream: string, send: () => Promise<T>): Promise<T> {
    const answered = this.forwarding(door, upstream);
    const answer = await send();
    answered();
    return answer;
  }

  /** The HTTP listener finished answering a request of this door (`http`, `mcp`, `api`, or `airlock` for its own pages). */
  answered(door: string, seconds: number): void {
    this.requestSeconds.observe({ door }, seconds);
  }

  mcpRequest(path: 'direct' | 'sdk'): void {
    this.mcpRequests.inc({ path });
  }

  storeError(during: string): void {
    this.storeErrors.inc({ during });
  }

  private renderer: (() => Promise<string>) | undefined;

  /** What /metrics answers instead of this registry alone: the merged series of a group of worker processes. */
  renderWith(render: () => Promise<string>): void {
    this.renderer = render;
  }

  render(): Promise<string> {
    return this.renderer ? this.renderer() : this.registry.metrics();
  }
}
