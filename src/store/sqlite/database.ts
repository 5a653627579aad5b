import Database from 'better-sqlite3';
import { mkdirSync } from 'node:fs';
import { dirname } from 'node:path';
import { MIGRATIONS } from './migrations/index.js';

export type SqliteDatabase = Database.Database;

/** How long any connection waits for another's write lock: the CLI beside a running server, a replica. */
export const BUSY_TIMEOUT_MS = 5000;

/**
 * Opens the database with the settings every connection needs: WAL so that readers never wait
 * for the writer, FULL sync so that a committed audit record survives a power cut, and a busy
 * timeout so that the CLI and a running server can write the same file.
 */
export function openDatabase(path: string): SqliteDatabase {
  if (path !== ':memory:') mkdirSync(dirname(path), { recursive: true });
  const db = new Database(path);
  db.pragma('journal_mode = WAL');
  db.pragma('synchronous = FULL');
  db.pragma(`busy_timeout = ${BUSY_TIMEOUT_MS}`);
  db.pragma('foreign_keys = ON');
  return db;
}

/** Applies the migrations not yet applied; `migrations` is for tests that stop at an older schema. */
export function migrate(db: SqliteDatabase, migrations: readonly { readonly id: string; readonly sql: string }[] = MIGRATIONS): void {
  db.exec('CREATE TABLE IF NOT EXISTS schema_migrations (id TEXT PRIMARY KEY, applied_at TEXT NOT NULL)');
  const applied = new Set(
    db
      .prepare<[], { id: string }>('SELECT id FROM schema_migrations')
      .all()
      .map((row) => row.id),
  );
  for (const migration of migrations) {
    if (applied.has(migration.id)) continue;
    db.transaction(() => {
      // Another process may have applied it while we waited for the write lock.
      if (db.prepare('SELECT 1 FROM schema_migrations WHERE id = ?').get(migration.id)) return;
      db.exec(migration.sql);
      db.prepare('INSERT INTO schema_migrations (id, applied_at) VALUES (?, ?)').run(migration.id, new Date().toISOString());
    }).immediate();
  }
}

/**
 * Copies into the database file what of the WAL no reader still needs; never waits for a reader
 * or a writer. A failure loses nothing: the next one catches up.
 */
export function checkpointPassively(db: SqliteDatabase): void {
  try {
    db.pragma('wal_checkpoint(PASSIVE)');
  } catch {
    // Late is harmless: the WAL only grows until the next one.
  }
}
