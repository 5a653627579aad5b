import { monotonicClock } from '../core/clock.js';
import { watch, type FSWatcher } from 'node:fs';
import { AuditLog } from '../audit/log.js';
import type { AirlockConfig } from '../config/load.js';
import { Gate, type GateExtensions } from '../gate/index.js';
import { BehaviourMonitor } from '../baseline/monitor.js';
import { BudgetKeeper } from '../policy/budgets.js';
import { PolicyEngine } from '../policy/engine.js';
import { openStore } from '../store/open.js';
import type { Store } from '../store/store.js';
import type { DoorModule } from './door-module.js';
import { createLogger, type Logger } from './log.js';
import { AirlockMetrics } from './metrics.js';

/**
 * One running Airlock's shared parts: config, store, audit log, policies and the gate. Doors,
 * the API and the console all hold this and nothing else.
 */
export interface Runtime {
  readonly config: AirlockConfig;
  readonly store: Store;
  readonly audit: AuditLog;
  readonly gate: Gate;
  readonly log: Logger;
  readonly clock: () => Date;
  /** The doors this runtime serves (a one-shot command serves none): their decision subjects and backup steps. */
  readonly doors: readonly DoorModule[];
  /** What /metrics reports: decisions, latencies, pending holds, stops, the audit queue, store errors. */
  readonly metrics: AirlockMetrics;
  policies(): PolicyEngine;
  /** Re-reads the policy files; on error keeps the policies in force and throws. */
  reloadPolicies(): PolicyEngine;
  close(): Promise<void>;
}

export interface RuntimeOptions {
  readonly clock?: () => Date;
  readonly log?: Logger;
  /** Commit audit records on a writer thread (servers: yes; one-shot commands: no). */
  readonly writerThread?: boolean;
  /** Reload policies when their files change. */
  readonly watchPolicies?: boolean;
  readonly extensions?: readonly GateExtensions[];
  readonly doors?: readonly DoorModule[];
}

export async function openRuntime(config: AirlockConfig, options: RuntimeOptions = {}): Promise<Runtime> {
  // Expiry of tokens, approvals and holds must not come undone when the system clock steps back.
  const clock = monotonicClock(options.clock);
  const log = options.log ?? createLogger();
  let engine = PolicyEngine.load(config.policyFiles);
  const store = await openStore(config, { writerThread: options.writerThread ?? false });
  const audit = new AuditLog(store.audit, clock);
  // Anomaly signals, the circuit breaker and budgets: every door's decisions go through them.
  const monitor = new BehaviourMonitor({ store, audit, settings: config.baseline, clock, log });
  const gate = new Gate({
    store,
    audit,
    policies: () => engine,
    freezeWindows: config.freeze,
    holdTtlMs: config.holds.ttl,
    clock,
    auditDurability: config.audit.durability,
    observeUpstream: (name) => config.upstreams.find((u) => u.name === name)?.observeUntil,
    extensions: [monitor, new BudgetKeeper(store, config.budgets, audit), ...(options.extensions ?? [])],
  });
  const metrics = new AirlockMetrics(store, audit);
  // Every door decides through this one method, so timing it here times every door.
  const decide = gate.decide.bind(gate);
  gate.decide = async (request) => {
    const started = performance.now();
    const result = await decide(request);
    metrics.decided(request, result, (performance.now() - started) / 1000);
    return result;
  };

  const reloadPolicies = () => {
    engine = PolicyEngine.load(config.policyFiles);
    log.info({ policies: engine.policies.length }, 'policies reloaded');
    return engine;
  };

  // Another replica (or an operator's SIGHUP to one) asked every replica to reload.
  const stopListening = store.changes?.subscribe((change) => {
    if (change === 'resync' || change.table !== 'control' || change.key !== 'reload') return;
    try {
      reloadPolicies();
    } catch (error) {
      log.error({ err: (error as Error).message }, 'policy reload failed; the previous policies stay in force');
    }
  });

  const watchers: FSWatcher[] = [];
  if (options.watchPolicies) {
    let timer: NodeJS.Timeout | undefined;
    for (const file of config.policyFiles) {
      try {
        watchers.push(
          watch(file, () => {
            clearTimeout(timer);
            // Editors write in several steps; wait for the file to settle.
            timer = setTimeout(() => {
              try {
                reloadPolicies();
              } catch (error) {
                log.error({ err: (error as Error).message }, 'policy reload failed; the previous policies stay in force');
              }
            }, 200);
          }),
        );
      } catch (error) {
        log.warn({ file, err: (error as Error).message }, 'cannot watch policy file');
      }
    }
  }

  return {
    config,
    store,
    audit,
    gate,
    log,
    clock,
    doors: options.doors ?? [],
    metrics,
    policies: () => engine,
    reloadPolicies,
    async close() {
      stopListening?.();
      for (const watcher of watchers) watcher.close();
      await monitor.close();
      await audit.drain();
      await store.close();
    },
  };
}
