import { chainEntries } from '../../audit/chain.js';
import { headFileOnThread } from '../../audit/head-file.js';
import type { StoredRecord } from '../records.js';
import type { AuditRepository } from '../store.js';
import type { CheckpointSettings } from '../sqlite/audit-append.js';
import { toAuditRecord, type AuditRow } from '../rows.js';
import { inTransaction, LOCKS, type PostgresPool } from './database.js';

/**
 * One chain, however many replicas write it. An append takes a transaction-scoped advisory lock
 * and the head row (`audit_head`), chains its batch after the head it read, inserts it and moves
 * the head, then commits: appends from every replica are serialised, each batch in one round of
 * locking, so a batch of a hundred records costs about what one does. A replica killed
 * mid-append leaves nothing (its transaction rolls back, and the lock goes with its connection).
 *
 * A commit without `sync` does not wait for PostgreSQL's WAL flush (synchronous_commit off): the
 * record survives Airlock crashing, and PostgreSQL crashing loses at most its last few hundred
 * milliseconds, as with SQLite's unsynced commits. The local checkpoint moves only after a
 * synced commit.
 */
export function postgresAudit(pool: PostgresPool, checkpoint: CheckpointSettings | undefined): AuditRepository & { close(): Promise<void> } {
  // Moved off the event loop: replacing the file inline held every door up after each synced commit.
  const headFile = checkpoint ? headFileOnThread(checkpoint.path, checkpoint.key) : undefined;
  return {
    async appendBatch(entries, options) {
      if (entries.length === 0) return [];
      const sync = options?.sync ?? true;
      const records = await inTransaction(
        pool,
        async (client) => {
          // The advisory lock and the head row's lock in one round trip: either alone serialises
          // appends (the row lock makes the read wait for, then see, the previous append's head);
          // the advisory lock also keeps out anything else that takes it, such as a migration.
          const head = (
            await client.query<{ seq: number; hash: string }>(
              'SELECT seq, hash FROM audit_head, (SELECT pg_advisory_xact_lock($1)) AS locked WHERE id = 1 FOR UPDATE OF audit_head',
              [LOCKS.audit],
            )
          ).rows[0]!;
          const chained = chainEntries(entries, head);
          const last = chained[chained.length - 1]!.record;
          // The records and the new head in one statement.
          await client.query(
            `WITH inserted AS (
             INSERT INTO audit (seq, at, type, agent, verdict, class, hold_id, body, hash)
             SELECT * FROM unnest($1::bigint[], $2::text[], $3::text[], $4::text[], $5::text[], $6::text[], $7::text[], $8::text[], $9::text[])
           )
           UPDATE audit_head SET seq = $10, hash = $11 WHERE id = 1`,
            [
              chained.map((c) => c.record.seq),
              chained.map((c) => c.record.at),
              chained.map((c) => c.record.type),
              chained.map((c) => c.record.agent ?? null),
              chained.map((c) => c.record.verdict ?? null),
              chained.map((c) => c.record.class ?? null),
              chained.map((c) => c.record.holdId ?? null),
              chained.map((c) => c.body),
              chained.map((c) => c.record.hash),
              last.seq,
              last.hash,
            ],
          );
          // The records take over their budget claims in the same commit: counted as one or the other, never both.
          const releaseClaims = options?.releaseClaims ?? [];
          if (releaseClaims.length > 0) await client.query('DELETE FROM budget_claims WHERE id = ANY($1::text[])', [releaseClaims]);
          return chained.map((c) => c.record);
        },
        { durable: sync },
      );
      const last = records[records.length - 1]!;
      if (sync && headFile) await headFile.advance(last);
      return records;
    },
    async list(filter = {}) {
      const where: string[] = [];
      const params: (string | number)[] = [];
      const param = (value: string | number) => {
        params.push(value);
        return `$${params.length}`;
      };
      if (filter.afterSeq !== undefined) where.push(`seq > ${param(filter.afterSeq)}`);
      if (filter.agent) where.push(`agent = ${param(filter.agent)}`);
      if (filter.type) where.push(filter.type.endsWith('.') ? `type LIKE ${param(`${filter.type}%`)}` : `type = ${param(filter.type)}`);
      if (filter.verdict) where.push(`verdict = ${param(filter.verdict)}`);
      const sql = `SELECT seq, body, hash FROM audit ${where.length ? `WHERE ${where.join(' AND ')}` : ''} ORDER BY seq ${filter.newestFirst ? 'DESC' : 'ASC'} LIMIT ${param(filter.limit ?? 100)}`;
      return (await pool.query<AuditRow>(sql, params)).rows.map(toAuditRecord);
    },
    async *rows(): AsyncGenerator<StoredRecord> {
      // Pages, so that verifying millions of records does not hold them all in memory.
      let after = 0;
      for (;;) {
        const page = (await pool.query<AuditRow>('SELECT seq, body, hash FROM audit WHERE seq > $1 ORDER BY seq LIMIT 1000', [after])).rows;
        if (page.length === 0) return;
        yield* page;
        after = page[page.length - 1]!.seq;
      }
    },
    async head() {
      // The log's own last record, not the head row: verification compares the two.
      const row = (await pool.query<{ seq: number; hash: string }>('SELECT seq, hash FROM audit ORDER BY seq DESC LIMIT 1')).rows[0];
      return row ?? { seq: 0, hash: '0'.repeat(64) };
    },
    close: async () => headFile?.close(),
  };
}
