import { chainPrepared, GENESIS, prepareEntry, type ChainLink, type PreparedEntry } from '../../audit/chain.js';
import { advanceCheckpoint } from '../../audit/checkpoint.js';
import type { AuditRecord, TimedAuditEntry } from '../records.js';
import type { SqliteDatabase } from './database.js';

type Statement = ReturnType<SqliteDatabase['prepare']>;

export interface CheckpointSettings {
  readonly path: string;
  readonly key: string | undefined;
}

/** Rows per INSERT statement: eight values each, well under SQLite's limit on parameters. */
const ROWS_PER_INSERT = 64;

/**
 * One group commit: takes the write lock, chains the whole batch after the head, inserts it in
 * multi-row statements, commits — with a sync to disk unless told otherwise — then moves the
 * checkpoint forward. Synchronous: run it where blocking is acceptable (the writer thread, or a
 * short-lived CLI process).
 *
 * The head is read once and then kept: this connection wrote every record after it, unless
 * another process (the CLI, beside a server) appended meanwhile. Then the first insert collides
 * with that process's record of the same seq, the transaction rolls back, and the batch is
 * chained again after the head read afresh — so no batch pays for a read of the head, and none
 * can fork the chain.
 *
 * An unsynced commit survives a crash of Airlock (it is in the operating system's cache) but
 * not of the machine; the next synced commit syncs it too, since the log is one file, and so
 * does a sync of the WAL file made elsewhere (`synced`: the writer thread's, see wal-sync.ts).
 * The checkpoint moves only after a sync, so it never names a record a power cut could take
 * away.
 */
export function createAppender(db: SqliteDatabase, checkpoint: CheckpointSettings | undefined) {
  const headQuery = db.prepare<[], { seq: number; hash: string }>('SELECT seq, hash FROM audit ORDER BY seq DESC LIMIT 1');
  const readHead = () => headQuery.get() ?? { seq: 0, hash: GENESIS };
  const inserts = new Map<number, Statement>();
  const insertOf = (rows: number) => {
    let statement = inserts.get(rows);
    if (!statement) {
      const values = Array.from({ length: rows }, () => '(?, ?, ?, ?, ?, ?, ?, ?)').join(', ');
      statement = db.prepare(`INSERT INTO audit (seq, at, type, agent, verdict, class, body, hash) VALUES ${values}`);
      inserts.set(rows, statement);
    }
    return statement;
  };
  const releaseClaim = db.prepare('DELETE FROM budget_claims WHERE id = ?');
  let known: { seq: number; hash: string; at: string } | undefined;
  const insertAll = db.transaction((entries: readonly PreparedEntry[], after: { seq: number; hash: string }, releaseClaims: readonly string[]) => {
    const links = chainPrepared(entries, after);
    // The records take over their budget claims in the same commit: counted as one or the other, never both.
    for (const id of releaseClaims) releaseClaim.run(id);
    for (let start = 0; start < links.length; start += ROWS_PER_INSERT) {
      const end = Math.min(start + ROWS_PER_INSERT, links.length);
      const params: (string | number | null)[] = [];
      for (let i = start; i < end; i++) {
        const { seq, body, hash } = links[i]!;
        const entry = entries[i]!;
        params.push(seq, entry.at, entry.type, entry.agent, entry.verdict, entry.class, body, hash);
      }
      insertOf(end - start).run(params);
    }
    return links;
  });
  const append = (entries: readonly PreparedEntry[], releaseClaims: readonly string[]): ChainLink[] => {
    if (known) {
      try {
        return insertAll.immediate(entries, known, releaseClaims);
      } catch (error) {
        // Another process appended since: chain after what it wrote.
        if ((error as { code?: string }).code !== 'SQLITE_CONSTRAINT_PRIMARYKEY') throw error;
      }
    }
    // First batch of this connection, or after a collision: read the head inside the lock.
    return db.transaction(() => insertAll(entries, readHead(), releaseClaims)).immediate();
  };
  let synchronous: 'FULL' | 'NORMAL' = 'FULL';
  let unsynced = false;
  const setSynchronous = (mode: 'FULL' | 'NORMAL') => {
    if (synchronous !== mode) db.pragma(`synchronous = ${mode}`);
    synchronous = mode;
  };
  const advance = (last: { seq: number; hash: string; at: string }) => {
    if (checkpoint) advanceCheckpoint(checkpoint.path, last, checkpoint.key, last.at);
    unsynced = false;
  };
  const appendPrepared = (entries: readonly PreparedEntry[], options: { sync?: boolean; releaseClaims?: readonly string[] } = {}): ChainLink[] => {
    if (entries.length === 0) return [];
    const sync = options.sync ?? true;
    setSynchronous(sync ? 'FULL' : 'NORMAL');
    let links: ChainLink[];
    try {
      links = append(entries, options.releaseClaims ?? []);
    } catch (error) {
      known = undefined;
      throw error;
    }
    const last = links[links.length - 1]!;
    known = { seq: last.seq, hash: last.hash, at: entries[entries.length - 1]!.at };
    if (sync) advance(known);
    else unsynced = true;
    return links;
  };
  return {
    append(entries: readonly TimedAuditEntry[], options: { sync?: boolean; releaseClaims?: readonly string[] } = {}): AuditRecord[] {
      const links = appendPrepared(entries.map(prepareEntry), options);
      return links.map(({ seq, prev, hash }, i) => ({ ...entries[i]!, seq, prev, hash }));
    },
    /** append, for entries the caller encoded (prepareEntry): what the writer thread is handed. */
    appendPrepared,
    /** The last record this connection committed: what a sync of the WAL file started now makes durable. */
    get head(): { seq: number; hash: string; at: string } | undefined {
      return known;
    },
    /** Whether records were committed without a sync since the last sync. */
    get pending(): boolean {
      return unsynced;
    },
    /** After a sync of the WAL file that began once `upTo` was committed: moves the checkpoint to it. */
    synced(upTo: { seq: number; hash: string; at: string }): void {
      if (checkpoint) advanceCheckpoint(checkpoint.path, upTo, checkpoint.key, upTo.at);
      if (known && upTo.seq >= known.seq) unsynced = false;
    },
  };
}
