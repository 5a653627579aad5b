import type { Store } from '../store.js';
import type { CheckpointSettings } from '../sqlite/audit-append.js';
import { postgresActivity } from './activity.js';
import { postgresAgents } from './agents.js';
import { postgresAudit } from './audit.js';
import { postgresBaselines } from './baselines.js';
import { postgresBudgetClaims } from './budget-claims.js';
import { ChangeCache } from './cache.js';
import { ChangeFeed, type ChangeFeedOptions } from './changes.js';
import { postgresControl } from './control.js';
import { migratePostgres, openPool, pendingMigrations, type PostgresConnection, type PostgresPool } from './database.js';
import { postgresHolds } from './holds.js';
import { postgresNotifications } from './notifications.js';
import { postgresFailedAttempts, postgresOperators } from './operators.js';
import { postgresApiKeys, postgresSessions } from './sessions.js';
import { postgresTokens } from './tokens.js';
import { postgresMcpSessions } from './mcp-sessions.js';

export interface PostgresStoreOptions extends PostgresConnection {
  /** Where this replica keeps its copy of the chain head; see audit/checkpoint.ts. */
  readonly checkpoint?: CheckpointSettings | undefined;
  readonly changes?: ChangeFeedOptions;
  /** Apply pending migrations on open (default). Off: refuse to open a schema that is behind. */
  readonly migrate?: boolean;
}

export type PostgresStore = Store & { readonly pool: PostgresPool; readonly feed: ChangeFeed };

/** The URL as operators may see it: never a password, even one written into it. */
export function displayUrl(url: string): string {
  try {
    const parsed = new URL(url);
    parsed.password = '';
    return parsed.toString();
  } catch {
    return 'postgres://(unparsable URL)';
  }
}

/**
 * The store shared by several replicas: one PostgreSQL database, a pool of connections per
 * replica, and a listening connection that hears every other replica's changes.
 */
export async function openPostgresStore(options: PostgresStoreOptions): Promise<PostgresStore> {
  const pool = openPool(options);
  try {
    if (options.migrate ?? true) await migratePostgres(pool);
    else {
      const pending = await pendingMigrations(pool);
      if (pending.length > 0)
        throw new Error(`the PostgreSQL schema is behind this version (pending: ${pending.join(', ')}); run airlock with migrations enabled once`);
    }
  } catch (error) {
    await pool.end().catch(() => {});
    throw error;
  }
  const feed = new ChangeFeed(options, pool, options.changes);
  await feed.start();
  const cache = new ChangeCache(feed);
  const audit = postgresAudit(pool, options.checkpoint);
  return {
    pool,
    feed,
    location: displayUrl(options.url),
    agents: postgresAgents(pool, cache),
    tokens: postgresTokens(pool, cache),
    control: postgresControl(pool, cache),
    holds: postgresHolds(pool),
    operators: postgresOperators(pool),
    failedAttempts: postgresFailedAttempts(pool),
    notifications: postgresNotifications(pool),
    audit,
    sessions: postgresSessions(pool),
    apiKeys: postgresApiKeys(pool),
    mcpSessions: postgresMcpSessions(pool),
    baselines: postgresBaselines(pool),
    activity: postgresActivity(pool),
    budgetClaims: postgresBudgetClaims(pool),
    changes: feed,
    async health() {
      try {
        const pending = await pendingMigrations(pool);
        if (pending.length > 0) return { ok: false, problem: `migrations pending: ${pending.join(', ')}` };
        return { ok: true };
      } catch (error) {
        return { ok: false, problem: `PostgreSQL does not answer: ${(error as Error).message}` };
      }
    },
    async close() {
      // Appends are awaited by their callers (AuditLog.drain), so nothing is queued here.
      await audit.close();
      await feed.close();
      await pool.end();
    },
  };
}
