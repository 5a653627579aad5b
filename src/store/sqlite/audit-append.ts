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
 * appended since), chains and inserts the whole batch, commits with a sync to disk, then moves
 * the checkpoint forward. Synchronous: run it where blocking is acceptable (the writer thread,
 * or a short-lived CLI process).
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
  return (entries: readonly TimedAuditEntry[]): AuditRecord[] => {
    if (entries.length === 0) return [];
    const records = append.immediate(entries);
    const last = records[records.length - 1]!;
    if (checkpoint) advanceCheckpoint(checkpoint.path, last, checkpoint.key, last.at);
    return records;
  };
}
