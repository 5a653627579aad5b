/**
 * Moves an installation's state from its SQLite file into an empty PostgreSQL database, as
 * `airlock store migrate` does. Rows are copied as they are stored: tokens and API keys stay
 * hashes, sealed second-factor secrets stay sealed, and audit records keep their seq, prev and
 * hash byte for byte, so the chain (and any checkpoint of it) still verifies.
 *
 * The whole copy is one transaction on the target, verified before it commits: a failure at any
 * point leaves the target as empty as it was.
 *
 * @example
 * const report = await migrateSqliteToPostgres({ sqlitePath, postgres: { url }, checkpoint, onProgress });
 * for (const { table, rows } of report.tables) console.log(table, rows);
 */
import { existsSync } from 'node:fs';
import { verifyAudit, type VerifyReport } from '../audit/verify.js';
import type { CheckpointRead } from '../audit/checkpoint.js';
import { inTransaction, LOCKS, migratePostgres, openPool, type PostgresClient, type PostgresConnection } from './postgres/database.js';
import { migrate, openDatabase, type SqliteDatabase } from './sqlite/database.js';
import type { StoredRecord } from './records.js';

/** Every table that holds state, in an order where nothing refers to a row not yet copied. */
export const COPIED_TABLES = [
  'agents',
  'tokens',
  'operators',
  'operator_codes',
  'failed_attempts',
  'control',
  'holds',
  'baselines',
  'console_sessions',
  'operator_api_keys',
  'mcp_sessions',
  'budget_claims',
  'deliveries',
  'notifier_cursor',
  'audit',
] as const;

/** Tables each store keeps for itself: the schema's own bookkeeping, rebuilt on the target. */
const OWN_TABLES = new Set(['schema_migrations', 'change_epoch', 'audit_head']);

export interface MigrationReport {
  readonly tables: readonly { readonly table: string; readonly rows: number }[];
  readonly verify: VerifyReport;
}

export class MigrationError extends Error {
  override readonly name = 'MigrationError';
}

export interface MigrationOptions {
  readonly sqlitePath: string;
  readonly postgres: PostgresConnection;
  /** The chain head kept apart from the SQLite log, compared with the copied chain. */
  readonly checkpoint: CheckpointRead;
  /** Rows per INSERT (at most `progressEvery`, so that progress is reported when it is due). */
  readonly batchSize?: number;
  /** Called every `progressEvery` audit rows copied. */
  readonly onProgress?: (copied: number, total: number) => void;
  readonly progressEvery?: number;
}

export async function migrateSqliteToPostgres(options: MigrationOptions): Promise<MigrationReport> {
  // openDatabase would create a missing file, and an empty store would migrate "successfully".
  if (!existsSync(options.sqlitePath)) throw new MigrationError(`${options.sqlitePath}: no SQLite store there`);
  const source = openDatabase(options.sqlitePath);
  const pool = openPool({ ...options.postgres, poolSize: 1 });
  try {
    migrate(source);
    checkSourceTables(source);
    await migratePostgres(pool);
    return await inTransaction(pool, async (target) => {
      await lockTarget(target);
      await refuseNonEmpty(target);
      // One read transaction on SQLite: every table from the same moment.
      source.exec('BEGIN');
      let report: MigrationReport;
      let copiedHead: number;
      try {
        const tables: { table: string; rows: number }[] = [];
        for (const table of COPIED_TABLES) tables.push({ table, rows: await copyTable(source, target, table, options) });
        copiedHead = sourceHead(source);
        await finishTarget(target, copiedHead);
        const verify = await verifyAudit(targetRows(target), options.checkpoint);
        if (!verify.ok) {
          throw new MigrationError(
            `the copied audit log does not verify (record ${verify.problem!.seq}, ${verify.problem!.kind}: ${verify.problem!.detail}); nothing was written`,
          );
        }
        report = { tables, verify };
      } finally {
        source.exec('COMMIT');
      }
      const now = sourceHead(source);
      if (now !== copiedHead) {
        throw new MigrationError(
          `Airlock wrote ${now - copiedHead} audit record(s) to the SQLite store while it was being copied; nothing was written. ` +
            'Stop every Airlock process using it, then run the migration again.',
        );
      }
      return report;
    });
  } finally {
    source.close();
    await pool.end().catch(() => {});
  }
}

function sqliteTables(source: SqliteDatabase): string[] {
  return source
    .prepare<[], { name: string }>("SELECT name FROM sqlite_master WHERE type = 'table' AND name NOT LIKE 'sqlite_%'")
    .all()
    .map((row) => row.name);
}

/** A table this version does not know about would be left behind: refuse rather than drop it silently. */
function checkSourceTables(source: SqliteDatabase): void {
  const known = new Set<string>([...COPIED_TABLES, ...OWN_TABLES]);
  const unknown = sqliteTables(source).filter((name) => !known.has(name));
  if (unknown.length > 0) throw new MigrationError(`the SQLite store has tables this version cannot copy: ${unknown.join(', ')}`);
}

/** Keeps every other writer out until the copy commits (a replica started too early waits). */
async function lockTarget(target: PostgresClient): Promise<void> {
  // Verifying a long log is minutes of hashing between two statements: the pool's idle limit
  // (meant for a replica stalled mid-append) must not end this transaction.
  await target.query('SET LOCAL idle_in_transaction_session_timeout = 0');
  await target.query('SELECT pg_advisory_xact_lock($1)', [LOCKS.audit]);
  await target.query(`LOCK TABLE ${[...COPIED_TABLES, 'audit_head'].join(', ')} IN EXCLUSIVE MODE`);
}

async function refuseNonEmpty(target: PostgresClient): Promise<void> {
  const counts = await target.query<{ table: string; n: number }>(
    COPIED_TABLES.map((table) => `SELECT '${table}' AS table, count(*)::int AS n FROM ${table}`).join(' UNION ALL '),
  );
  const holding = counts.rows.filter((row) => row.n > 0);
  const head = (await target.query<{ seq: number }>('SELECT seq FROM audit_head WHERE id = 1')).rows[0]?.seq ?? 0;
  if (holding.length > 0 || head > 0) {
    const what = holding.map((row) => `${row.table} (${row.n})`).join(', ') || `an audit head at record ${head}`;
    throw new MigrationError(`the PostgreSQL database already holds data: ${what}. Migrate into a new, empty database; nothing was written`);
  }
}

async function postgresColumns(target: PostgresClient, table: string): Promise<Set<string>> {
  const rows = await target.query<{ column_name: string }>(
    'SELECT column_name FROM information_schema.columns WHERE table_schema = current_schema() AND table_name = $1',
    [table],
  );
  return new Set(rows.rows.map((row) => row.column_name));
}

/**
 * Copies one table in batches. Rows travel as one JSON array per batch and PostgreSQL maps them
 * onto the table's own column types (json_populate_recordset), so text stays exactly the text
 * SQLite held.
 */
async function copyTable(source: SqliteDatabase, target: PostgresClient, table: (typeof COPIED_TABLES)[number], options: MigrationOptions): Promise<number> {
  const sourceColumns = source
    .prepare<[], { name: string }>(`SELECT name FROM pragma_table_info('${table}')`)
    .all()
    .map((row) => row.name);
  const targetColumns = await postgresColumns(target, table);
  const missing = sourceColumns.filter((column) => !targetColumns.has(column));
  if (missing.length > 0) throw new MigrationError(`${table}: PostgreSQL has no column ${missing.join(', ')}; nothing was written`);
  // The PostgreSQL audit table carries the columns budgets filter on; SQLite keeps class only (hold_id is in the body).
  const derived = table === 'audit' ? ['class', 'hold_id'].filter((column) => !sourceColumns.includes(column)) : [];
  const columns = [...sourceColumns, ...derived];
  const list = columns.map((column) => `"${column}"`).join(', ');
  const insert = `INSERT INTO ${table} (${list}) SELECT ${list} FROM json_populate_recordset(NULL::${table}, $1::json)`;
  const total = (source.prepare(`SELECT count(*) AS n FROM ${table}`).get() as { n: number }).n;
  const every = options.progressEvery ?? 10_000;
  const batchSize = Math.min(options.batchSize ?? 1000, every);
  const order = table === 'audit' ? 'ORDER BY seq' : 'ORDER BY rowid';
  let batch: Record<string, unknown>[] = [];
  let copied = 0;
  const flush = async () => {
    if (batch.length === 0) return;
    await target.query(insert, [JSON.stringify(batch)]);
    const before = copied;
    copied += batch.length;
    batch = [];
    if (table === 'audit' && options.onProgress && Math.floor(copied / every) > Math.floor(before / every)) options.onProgress(copied, total);
  };
  for (const row of source.prepare<[], Record<string, unknown>>(`SELECT * FROM ${table} ${order}`).iterate()) {
    batch.push(table === 'audit' ? withAuditColumns(row) : row);
    if (batch.length >= batchSize) {
      // The iterator holds SQLite's statement open; awaiting here is safe, since nothing else uses this connection.
      await flush();
    }
  }
  await flush();
  return copied;
}

function withAuditColumns(row: Record<string, unknown>): Record<string, unknown> {
  const body = JSON.parse(String(row.body)) as { class?: string; holdId?: string };
  return { ...row, class: body.class ?? null, hold_id: body.holdId ?? null };
}

function sourceHead(source: SqliteDatabase): number {
  return (source.prepare('SELECT coalesce(max(seq), 0) AS seq FROM audit').get() as { seq: number }).seq;
}

/** What the target's own bookkeeping must say for the copied rows: the chain head, the delivery ids. */
async function finishTarget(target: PostgresClient, head: number): Promise<void> {
  await target.query(
    `UPDATE audit_head SET seq = last.seq, hash = last.hash FROM (SELECT seq, hash FROM audit WHERE seq = $1) AS last WHERE audit_head.id = 1`,
    [head],
  );
  await target.query("SELECT setval(pg_get_serial_sequence('deliveries', 'id'), coalesce((SELECT max(id) FROM deliveries), 0) + 1, false)");
}

/** The copied log as verification reads it, through the transaction that has not committed yet. */
async function* targetRows(target: PostgresClient): AsyncGenerator<StoredRecord> {
  let after = 0;
  for (;;) {
    const page = (await target.query<StoredRecord>('SELECT seq, body, hash FROM audit WHERE seq > $1 ORDER BY seq LIMIT 1000', [after])).rows;
    if (page.length === 0) return;
    yield* page;
    after = page[page.length - 1]!.seq;
  }
}
