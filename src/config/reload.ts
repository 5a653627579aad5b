import type { AirlockConfig } from './load.js';

/**
 * What a running Airlock applies when its config file is reloaded (SIGHUP, or a reload another
 * replica asked for): the upstreams (URLs, hosts, credentials' secret references, rules),
 * egress.allow, holds, freeze windows, budgets, policies and the default token lifetime. Each
 * door builds what it needs from the new config first, and only if every door could is it put
 * in force, all at once.
 *
 * Everything else is read once at start — where Airlock listens, its store and data folder, the
 * audit head, the PostgreSQL door's TLS, limits, notifications, baselines and shell rules — and
 * a change there is reported as needing a restart and not applied at all.
 */
export const LIVE_SETTINGS = ['upstreams', 'egress', 'holds', 'freeze', 'budgets', 'policies', 'policyFiles', 'tokens'] as const;

/** Derived from the file's place and `dataDir`: they follow the settings that need a restart. */
const DERIVED = new Set(['file', 'dataDir', 'storePath', 'auditHeadPath']);

export interface ConfigReloadPlan {
  /** The config to put in force: the new file's live settings, the running ones for the rest. */
  readonly config: AirlockConfig;
  /** Live settings that differ from those in force. */
  readonly changed: readonly string[];
  /** Settings whose new value in the file takes effect only at the next start. */
  readonly needsRestart: readonly string[];
}

const same = (a: unknown, b: unknown) => JSON.stringify(a) === JSON.stringify(b);

/**
 * Splits a reloaded config into what is applied now and what waits for a restart. `started`
 * is the file as it was read at start (before command-line and environment overrides of
 * `listen`), so that only an edit of the file is reported.
 */
export function planReload(running: AirlockConfig, started: AirlockConfig, next: AirlockConfig): ConfigReloadPlan {
  const live = new Set<string>(LIVE_SETTINGS);
  const merged: Record<string, unknown> = { ...running };
  const changed: string[] = [];
  const needsRestart: string[] = [];
  const keys = new Set([...Object.keys(running), ...Object.keys(next)]);
  for (const key of keys) {
    const value = (next as unknown as Record<string, unknown>)[key];
    if (live.has(key)) {
      merged[key] = value;
      if (!same(value, (running as unknown as Record<string, unknown>)[key]) && key !== 'policyFiles') changed.push(key);
    } else if (!DERIVED.has(key) && !same(value, (started as unknown as Record<string, unknown>)[key])) {
      needsRestart.push(key);
    }
  }
  return { config: merged as unknown as AirlockConfig, changed: changed.sort(), needsRestart: needsRestart.sort() };
}
