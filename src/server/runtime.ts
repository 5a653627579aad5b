import { monotonicClock } from '../core/clock.js';
import { watch, type FSWatcher } from 'node:fs';
import { AuditLog } from '../audit/log.js';
import { loadConfig, type AirlockConfig } from '../config/load.js';
import { planReload, type ConfigReloadPlan } from '../config/reload.js';
import { Gate, type GateExtensions } from '../gate/index.js';
import { BehaviourMonitor } from '../baseline/monitor.js';
import { BudgetKeeper } from '../policy/budgets.js';
import { PolicyEngine } from '../policy/engine.js';
import { openStore } from '../store/open.js';
import { carryRedactor } from '../redact/index.js';
import type { Store } from '../store/store.js';
import type { DoorModule } from './door-module.js';
import { createLogger, type Logger } from './log.js';
import { AirlockMetrics } from './metrics.js';
import { checkpointDatabaseOf, type CheckpointDatabase } from '../audit/checkpoint-database.js';

/**
 * One running Airlock's shared parts: config, store, audit log, policies and the gate. Doors,
 * the API and the console all hold this and nothing else.
 */
export interface Runtime {
  /** The config in force: the one Airlock started with, or the last reload's. Read it at use, not once. */
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
  /**
   * Re-reads the config file and its policies and puts what can change live in force at once
   * (config/reload.ts); on any error — the file invalid, a policy that does not load, a door
   * that cannot build what the new config asks for — keeps everything as it was and throws.
   */
  reloadConfig(): Promise<ConfigReloadPlan>;
  /** Settings changed in the file since start that take effect only at the next start (`/readyz` lists them). */
  readonly needsRestart: readonly string[];
  /**
   * Lets a door take part in reloads: `prepare` builds what the new config needs without
   * putting it in force (throw to refuse the reload); `commit` then swaps it in, `abort` discards
   * it when another part refused.
   */
  onConfigReload(prepare: (next: AirlockConfig) => ConfigChange | Promise<ConfigChange>): () => void;
  close(): Promise<void>;
}

export interface ConfigChange {
  commit(): void;
  abort?(): void;
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
  let current = config;
  let engine = PolicyEngine.load(config.policyFiles);
  const store = await openStore(config, { writerThread: options.writerThread ?? false });
  const audit = new AuditLog(store.audit, clock);
  // The head kept where no replica can rewrite it, when the config names such a place.
  let checkpoints: CheckpointDatabase | undefined;
  try {
    checkpoints = checkpointDatabaseOf(config, (error) => {
      metrics.storeError('checkpoint');
      log.warn({ err: error.message }, 'the audit checkpoint database could not be advanced; the next synced commit tries again');
    });
  } catch (error) {
    await store.close();
    throw error;
  }
  if (checkpoints) audit.onSyncedHead((record) => checkpoints.offer(record));
  // Anomaly signals, the circuit breaker and budgets: every door's decisions go through them.
  const monitor = new BehaviourMonitor({ store, audit, settings: config.baseline, clock, log });
  const gate = new Gate({
    store,
    audit,
    policies: () => engine,
    freezeWindows: () => current.freeze,
    holdTtlMs: () => current.holds.ttl,
    clock,
    auditDurability: config.audit.durability,
    observeUpstream: (name) => current.upstreams.find((u) => u.name === name)?.observeUntil,
    extensions: [monitor, new BudgetKeeper(store, () => current.budgets, audit), ...(options.extensions ?? [])],
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
    engine = PolicyEngine.load(current.policyFiles);
    log.info({ policies: engine.policies.length }, 'policies reloaded');
    return engine;
  };

  const preparers = new Set<(next: AirlockConfig) => ConfigChange | Promise<ConfigChange>>();
  let needsRestart: readonly string[] = [];
  // The file as it was at start, before overrides of `listen`: what a restart-only edit is told from.
  const started = startedFile(config);
  let reloading = Promise.resolve();
  const reloadOnce = async (): Promise<ConfigReloadPlan> => {
    const plan = planReload(current, started, loadConfig(current.file));
    const nextEngine = PolicyEngine.load(plan.config.policyFiles);
    carryRedactor(current, plan.config);
    const prepared: ConfigChange[] = [];
    try {
      for (const prepare of preparers) prepared.push(await prepare(plan.config));
    } catch (error) {
      for (const change of prepared) change.abort?.();
      throw error;
    }
    current = plan.config;
    engine = nextEngine;
    needsRestart = plan.needsRestart;
    for (const change of prepared) change.commit();
    log.info({ changed: plan.changed, policies: engine.policies.length }, 'config reloaded');
    if (plan.needsRestart.length > 0) log.warn({ settings: plan.needsRestart }, 'config changes that need a restart were not applied');
    return plan;
  };
  // One reload at a time: a SIGHUP and a notification arriving together apply in turn.
  const reloadConfig = (): Promise<ConfigReloadPlan> => {
    const run = reloading.then(reloadOnce);
    reloading = run.then(
      () => undefined,
      () => undefined,
    );
    return run;
  };

  // Another replica (or an operator's SIGHUP to one) asked every replica to reload.
  const stopListening = store.changes?.subscribe((change) => {
    if (change === 'resync' || change.table !== 'control' || change.key !== 'reload') return;
    reloadConfig().catch((error: unknown) => log.error({ err: (error as Error).message }, 'config reload failed; the previous config stays in force'));
  });

  const watchers: FSWatcher[] = [];
  if (options.watchPolicies) {
    let timer: NodeJS.Timeout | undefined;
    for (const file of current.policyFiles) {
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
    get config() {
      return current;
    },
    store,
    audit,
    gate,
    log,
    clock,
    doors: options.doors ?? [],
    metrics,
    policies: () => engine,
    reloadPolicies,
    reloadConfig,
    get needsRestart() {
      return needsRestart;
    },
    onConfigReload(prepare) {
      preparers.add(prepare);
      return () => preparers.delete(prepare);
    },
    async close() {
      stopListening?.();
      for (const watcher of watchers) watcher.close();
      await monitor.close();
      await audit.drain();
      await checkpoints?.close();
      await store.close();
    },
  };
}

function startedFile(config: AirlockConfig): AirlockConfig {
  try {
    return loadConfig(config.file);
  } catch {
    return config;
  }
}
