import { prepareEntry } from '../../audit/chain.js';
import type { AuditRecord, TimedAuditEntry } from '../records.js';
import type { AppendOptions, AuditRepository } from '../store.js';
import { toAuditRecord, type AuditRow } from '../rows.js';
import { createAppender, type CheckpointSettings } from './audit-append.js';
import type { SqliteDatabase } from './database.js';
import type { WriterInit, WriterRequest, WriterResponse } from './audit-writer.js';
import { startStoreThread } from './thread.js';

type Append = (entries: readonly TimedAuditEntry[], options: AppendOptions) => Promise<AuditRecord[]>;

/** Appends on this thread: for short-lived processes such as the CLI. */
function directAppend(db: SqliteDatabase, checkpoint: CheckpointSettings | undefined): { append: Append; close(): Promise<void> } {
  // A short-lived process syncs every commit: it may be gone before a later one would.
  const appender = createAppender(db, checkpoint);
  return { append: async (entries, options) => appender.append(entries, { sync: true, releaseClaims: options.releaseClaims ?? [] }), close: async () => {} };
}

/**
 * Appends on a writer thread with its own connection: for the server. That thread owns every
 * commit and sync of the log, and its checkpointer every checkpoint; this one only hands the records over and waits for
 * the commit each caller needs, so that no disk work and no wait for the write lock ever runs
 * on the doors' event loop.
 */
function threadedAppend(db: SqliteDatabase, path: string, checkpoint: CheckpointSettings | undefined): { append: Append; close(): Promise<void> } {
  // What this connection writes besides the log (holds, baselines) is checkpointed by the
  // writer's checkpointer thread: a checkpoint here would copy the whole WAL on the event loop.
  db.pragma('wal_autocheckpoint = 0');
  const worker = startStoreThread('audit-writer', { path, checkpoint } satisfies WriterInit);
  let nextId = 0;
  const waiting = new Map<number, { entries: readonly TimedAuditEntry[]; resolve: (records: AuditRecord[]) => void; reject: (error: Error) => void }>();
  let failure: Error | undefined;
  const failAll = (error: Error) => {
    failure = error;
    for (const { reject } of waiting.values()) reject(error);
    waiting.clear();
  };
  worker.on('message', (response: WriterResponse) => {
    const pending = waiting.get(response.id);
    waiting.delete(response.id);
    // Keep the process alive only while someone waits for a record.
    if (waiting.size === 0) worker.unref();
    if (!pending) return;
    if (response.ok) {
      pending.resolve(pending.entries.map((entry, i) => ({ ...entry, ...response.chained[i]! })));
    } else pending.reject(new Error(`audit write failed: ${response.error}`));
  });
  worker.on('error', (error) => failAll(new Error(`audit writer failed: ${error.message}`)));
  worker.on('exit', () => failAll(new Error('audit writer stopped')));
  worker.unref();
  return {
    append(entries, { sync = true, releaseClaims }) {
      if (failure) return Promise.reject(failure);
      return new Promise((resolve, reject) => {
        const id = nextId++;
        waiting.set(id, { entries, resolve, reject });
        worker.ref();
        // Encoded here, so that the writer is handed strings rather than a clone of each entry.
        worker.postMessage({ id, entries: entries.map(prepareEntry), sync, ...(releaseClaims?.length ? { releaseClaims } : {}) } satisfies WriterRequest);
      });
    },
    async close() {
      if (failure) return;
      await new Promise<void>((resolve) => {
        worker.ref();
        worker.once('exit', () => resolve());
        worker.postMessage('close');
      });
    },
  };
}

export function sqliteAudit(
  db: SqliteDatabase,
  options: { path: string; checkpoint: CheckpointSettings | undefined; writerThread: boolean },
): AuditRepository & { close(): Promise<void> } {
  const writer =
    options.writerThread && options.path !== ':memory:' ? threadedAppend(db, options.path, options.checkpoint) : directAppend(db, options.checkpoint);
  const rows = db.prepare<[number, number], AuditRow>('SELECT seq, body, hash FROM audit WHERE seq > ? ORDER BY seq LIMIT ?');
  const head = db.prepare<[], { seq: number; hash: string }>('SELECT seq, hash FROM audit ORDER BY seq DESC LIMIT 1');
  return {
    appendBatch: (entries, options) => writer.append(entries, options ?? {}),
    async list(filter = {}) {
      const where: string[] = [];
      const params: (string | number)[] = [];
      if (filter.afterSeq !== undefined) {
        where.push('seq > ?');
        params.push(filter.afterSeq);
      }
      if (filter.agent) {
        where.push('agent = ?');
        params.push(filter.agent);
      }
      if (filter.type) {
        where.push(filter.type.endsWith('.') ? 'type LIKE ?' : 'type = ?');
        params.push(filter.type.endsWith('.') ? `${filter.type}%` : filter.type);
      }
      if (filter.verdict) {
        where.push('verdict = ?');
        params.push(filter.verdict);
      }
      params.push(filter.limit ?? 100);
      const sql = `SELECT seq, body, hash FROM audit ${where.length ? `WHERE ${where.join(' AND ')}` : ''} ORDER BY seq ${filter.newestFirst ? 'DESC' : 'ASC'} LIMIT ?`;
      return db
        .prepare<(string | number)[], AuditRow>(sql)
        .all(...params)
        .map(toAuditRecord);
    },
    async *rows() {
      // Pages, so that verifying millions of records does not hold them all in memory.
      let after = 0;
      for (;;) {
        const page = rows.all(after, 1000);
        if (page.length === 0) return;
        yield* page;
        after = page[page.length - 1]!.seq;
      }
    },
    async head() {
      return head.get() ?? { seq: 0, hash: '0'.repeat(64) };
    },
    close: () => writer.close(),
  };
}
