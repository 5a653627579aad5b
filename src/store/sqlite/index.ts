import cluster from 'node:cluster';
import type { TimedAuditEntry } from '../records.js';
import type { AppendOptions, Store } from '../store.js';
import { SHARED_WRITER_ENV, sharedAppend } from './shared-writer.js';
import { sqliteAgents } from './agents.js';
import { sqliteAudit } from './audit.js';
import type { CheckpointSettings } from './audit-append.js';
import { sqliteControl } from './control.js';
import { migrate, openDatabase } from './database.js';
import { MIGRATIONS } from './migrations/index.js';
import { writesThatYield } from './writes.js';
import { EpochCache } from './epoch-cache.js';
import { sqliteHolds } from './holds.js';
import { sqliteNotifications } from './notifications.js';
import { sqliteFailedAttempts, sqliteOperators } from './operators.js';
import { sqliteTokens } from './tokens.js';
import { sqliteSessions } from './sessions.js';
import { sqliteApiKeys } from './api-keys.js';
import { sqliteBaselines } from './baselines.js';
import { sqliteActivity } from './activity.js';
import { sqliteBudgetClaims } from './budget-claims.js';
import { sqliteMcpSessions } from './mcp-sessions.js';

export interface SqliteStoreOptions {
  readonly path: string;
  /** Where the audit chain head is kept apart from the log; see audit/checkpoint.ts. */
  readonly checkpoint?: CheckpointSettings;
  /** Commit audit records on a writer thread (servers) or on the caller's thread (CLI). */
  readonly writerThread?: boolean;
}

export type SqliteStore = Store & { readonly db: import('./database.js').SqliteDatabase };

export function openSqliteStore(options: SqliteStoreOptions): SqliteStore {
  const db = openDatabase(options.path);
  migrate(db);
  // A worker of a group whose primary runs the one writer for the file (shared-writer.ts).
  const shared = options.writerThread && cluster.isWorker && process.env[SHARED_WRITER_ENV] === '1' ? sharedAppend() : undefined;
  const own = sqliteAudit(db, { path: options.path, checkpoint: options.checkpoint, writerThread: (options.writerThread ?? false) && !shared });
  // As with a writer thread of its own: the one writer checkpoints, never this connection.
  if (shared) db.pragma('wal_autocheckpoint = 0');
  const audit = shared
    ? { ...own, appendBatch: (entries: readonly TimedAuditEntry[], o?: AppendOptions) => shared.append(entries, o ?? {}), close: shared.close }
    : own;
  const cache = new EpochCache(db);
  const write = writesThatYield(db);
  if (options.writerThread) {
    // The request path's connection does not wait for its own syncs: whatever it commits (a hold,
    // an approval, a baseline) is followed by an audit record, whose synced commit on the writer
    // thread syncs the shared log file, and these writes with it. Waiting here would stall every
    // door for a disk sync.
    db.pragma('synchronous = NORMAL');
  }
  return {
    db,
    agents: sqliteAgents(db, cache, write),
    tokens: sqliteTokens(db, cache, write),
    control: sqliteControl(db, cache, write),
    holds: sqliteHolds(db, write),
    operators: sqliteOperators(db, write),
    failedAttempts: sqliteFailedAttempts(db, write),
    notifications: sqliteNotifications(db, write),
    audit,
    sessions: sqliteSessions(db, write),
    apiKeys: sqliteApiKeys(db, write),
    mcpSessions: sqliteMcpSessions(db, write),
    baselines: sqliteBaselines(db, write),
    activity: sqliteActivity(db),
    budgetClaims: sqliteBudgetClaims(db, write),
    location: options.path,
    async health() {
      try {
        const applied = new Set(
          db
            .prepare<[], { id: string }>('SELECT id FROM schema_migrations')
            .all()
            .map((row) => row.id),
        );
        const pending = MIGRATIONS.filter((m) => !applied.has(m.id)).map((m) => m.id);
        return pending.length > 0 ? { ok: false, problem: `migrations pending: ${pending.join(', ')}` } : { ok: true };
      } catch (error) {
        return { ok: false, problem: `the SQLite store does not answer: ${(error as Error).message}` };
      }
    },
    async close() {
      await audit.close();
      db.close();
    },
  };
}
