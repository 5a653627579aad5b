import pg from 'pg';
import { POSTGRES_MIGRATIONS } from './migrations/index.js';

export type PostgresPool = pg.Pool;
export type PostgresClient = pg.PoolClient;

export interface PostgresConnection {
  /** postgres://user@host:port/database, without a password. */
  readonly url: string;
  /** Read from a secret reference (config/secret.ts), never from the URL. */
  readonly password?: string | undefined;
  /** Connections in the pool (default 10). */
  readonly poolSize?: number | undefined;
}

/** Counts and sequence numbers as JavaScript numbers: an audit log does not reach 2^53 records. */
const types = {
  getTypeParser: ((oid: number, format?: 'text' | 'binary') =>
    oid === pg.types.builtins.INT8 ? (value: string) => Number(value) : pg.types.getTypeParser(oid, format)) as typeof pg.types.getTypeParser,
};

/** The settings every connection needs: bounded waits, so that a gone server fails a request instead of hanging it. */
export function connectionConfig(connection: PostgresConnection): pg.ClientConfig {
  return {
    connectionString: connection.url,
    ...(connection.password !== undefined ? { password: connection.password } : {}),
    types,
    application_name: 'airlock',
    connectionTimeoutMillis: 5_000,
    query_timeout: 15_000,
    keepAlive: true,
  };
}

export function openPool(connection: PostgresConnection): PostgresPool {
  const pool = new pg.Pool({ ...connectionConfig(connection), max: connection.poolSize ?? 10, idleTimeoutMillis: 30_000 });
  // An idle connection that drops (a restart, a failover) must not bring the process down; the
  // next query takes a new one, or fails with the cause.
  pool.on('error', () => {});
  return pool;
}

/** Runs `work` in one transaction on one connection; rolls back when it throws. */
export async function inTransaction<T>(pool: PostgresPool, work: (client: PostgresClient) => Promise<T>): Promise<T> {
  const client = await pool.connect();
  try {
    await client.query('BEGIN');
    const result = await work(client);
    await client.query('COMMIT');
    return result;
  } catch (error) {
    await client.query('ROLLBACK').catch(() => {});
    throw error;
  } finally {
    client.release();
  }
}

/** Distinct keys for pg_advisory_xact_lock, so that Airlock's locks never meet each other. */
export const LOCKS = { migrate: 0x41_69_72_00, audit: 0x41_69_72_01 } as const;

/**
 * Applies the migrations not yet applied, in one transaction under an advisory lock (PostgreSQL
 * changes its schema transactionally, so a failed migration leaves nothing half done):
 * replicas starting together apply each once, the others wait and find it done.
 */
export async function migratePostgres(
  pool: PostgresPool,
  migrations: readonly { readonly id: string; readonly sql: string }[] = POSTGRES_MIGRATIONS,
): Promise<void> {
  await inTransaction(pool, async (client) => {
    await client.query('SELECT pg_advisory_xact_lock($1)', [LOCKS.migrate]);
    await client.query('CREATE TABLE IF NOT EXISTS schema_migrations (id TEXT PRIMARY KEY, applied_at TEXT NOT NULL)');
    const applied = new Set((await client.query<{ id: string }>('SELECT id FROM schema_migrations')).rows.map((row) => row.id));
    for (const migration of migrations) {
      if (applied.has(migration.id)) continue;
      await client.query(migration.sql);
      await client.query('INSERT INTO schema_migrations (id, applied_at) VALUES ($1, $2)', [migration.id, new Date().toISOString()]);
    }
  });
}

/** Migrations this version knows that the database has not applied (empty when current). */
export async function pendingMigrations(pool: PostgresPool): Promise<string[]> {
  const exists = await pool.query<{ found: string | null }>("SELECT to_regclass('schema_migrations')::text AS found");
  if (!exists.rows[0]?.found) return POSTGRES_MIGRATIONS.map((m) => m.id);
  const applied = new Set((await pool.query<{ id: string }>('SELECT id FROM schema_migrations')).rows.map((row) => row.id));
  return POSTGRES_MIGRATIONS.filter((m) => !applied.has(m.id)).map((m) => m.id);
}
