import { chainEntries, GENESIS } from '../../audit/chain.js';
import { advanceCheckpoint } from '../../audit/checkpoint.js';
import type { AuditRecord, TimedAuditEntry } from '../records.js';
import type { SqliteDatabase } from './database.js';

export interface CheckpointSettings {
  readonly path: string;
  readonly key: string | undefined;
}

/**
 * One group commit: takes the write lock, reads the chain head (another process may have
 * appended since), chains and inserts the whole batch, commits — with a sync to disk unless
 * told otherwise — then moves the checkpoint forward. Synchronous: run it where blocking is
 * acceptable (the writer thread, or a short-lived CLI process).
 *
 * An unsynced commit survives a crash of Airlock (it is in the operating system's cache) but
 * not of the machine; the next synced commit syncs it too, since the log is one file. The
 * checkpoint moves only after a synced commit, so it never names a record a power cut could
 * take away.
 */
export function createAppender(db: SqliteDatabase, checkpoint: CheckpointSettings | undefined) {
  const head = db.prepare<[], { seq: number; hash: string }>('SELECT seq, hash FROM audit ORDER BY seq DESC LIMIT 1');
  const insert = db.prepare('INSERT INTO audit (seq, at, type, agent, verdict, body, hash) VALUES (?, ?, ?, ?, ?, ?, ?)');
  const append = db.transaction((entries: readonly TimedAuditEntry[]) => {
    const last = head.get() ?? { seq: 0, hash: GENESIS };
    const chained = chainEntries(entries, last);
    for (const { record, body } of chained) {
      insert.run(record.seq, record.at, record.type, record.agent ?? null, record.verdict ?? null, body, record.hash);
    }
    return chained.map((c) => c.record);
  });
  const marker = db.prepare("INSERT INTO control (key, value) VALUES ('audit.synced', ?) ON CONFLICT (key) DO UPDATE SET value = excluded.value");
  let synchronous: 'FULL' | 'NORMAL' = 'FULL';
  let unsynced: AuditRecord | undefined;
  const setSynchronous = (mode: 'FULL' | 'NORMAL') => {
    if (synchronous !== mode) db.pragma(`synchronous = ${mode}`);
    synchronous = mode;
  };
  const advance = (last: AuditRecord) => {
    if (checkpoint) advanceCheckpoint(checkpoint.path, last, checkpoint.key, last.at);
    unsynced = undefined;
  };
  return {
    append(entries: readonly TimedAuditEntry[], options: { sync?: boolean } = {}): AuditRecord[] {
      if (entries.length === 0) return [];
      const sync = options.sync ?? true;
      setSynchronous(sync ? 'FULL' : 'NORMAL');
      const records = append.immediate(entries);
      const last = records[records.length - 1]!;
      if (sync) advance(last);
      else unsynced = last;
      return records;
    },
    /** Whether records were committed without a sync since the last synced commit. */
    get pending(): boolean {
      return unsynced !== undefined;
    },
    /**
     * Syncs what was committed without a sync, by this connection or another one: a one-row
     * synced write syncs the whole log file before it. The checkpoint then moves to the head.
     */
    sync(at: string, always = false): void {
      if (!unsynced && !always) return;
      setSynchronous('FULL');
      marker.run(JSON.stringify(at));
      const last = head.get();
      if (last && checkpoint) advanceCheckpoint(checkpoint.path, last, checkpoint.key, at);
      unsynced = undefined;
    },
  };
}
