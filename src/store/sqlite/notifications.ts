import type { NotificationRepository } from '../store.js';
import { toDelivery, type DeliveryRow } from '../rows.js';
import type { SqliteDatabase } from './database.js';
import type { Write } from './writes.js';

export function sqliteNotifications(db: SqliteDatabase, write: Write): NotificationRepository {
  const insert = db.prepare(
    `INSERT INTO deliveries (key, webhook, event, hold_id, audit_seq, status, next_attempt_at, created_at, payload)
     VALUES (?, ?, ?, ?, ?, 'pending', ?, ?, ?) ON CONFLICT (key) DO NOTHING`,
  );
  const due = db.prepare<[string, string, number], DeliveryRow>(
    `SELECT * FROM deliveries WHERE status = 'pending' AND next_attempt_at <= ? AND (leased_until IS NULL OR leased_until <= ?)
     ORDER BY next_attempt_at, id LIMIT ?`,
  );
  const lease = db.prepare('UPDATE deliveries SET leased_until = ? WHERE id = ?');
  const claim = db.transaction((now: string, until: string, limit: number) => {
    const rows = due.all(now, now, limit);
    for (const row of rows) lease.run(until, row.id);
    return rows.map(toDelivery);
  });
  const delivered = db.prepare(
    `UPDATE deliveries SET status = 'delivered', delivered_at = ?, attempts = ?, leased_until = NULL, last_error = NULL WHERE id = ?`,
  );
  const failed = db.prepare('UPDATE deliveries SET status = ?, attempts = ?, last_error = ?, next_attempt_at = ?, leased_until = NULL WHERE id = ?');
  const selectCursor = db.prepare<[], { seq: number }>('SELECT seq FROM notifier_cursor WHERE id = 1');
  const advance = db.prepare('INSERT INTO notifier_cursor (id, seq) VALUES (1, ?) ON CONFLICT (id) DO UPDATE SET seq = max(seq, excluded.seq)');
  return {
    async enqueue(d) {
      return (await write(() => insert.run(d.key, d.webhook, d.event, d.holdId ?? null, d.auditSeq, d.createdAt, d.createdAt, d.payload))).changes > 0;
    },
    async claimDue(now, leaseUntil, limit) {
      return write(() => claim.immediate(now, leaseUntil, limit));
    },
    async delivered(id, at, attempts) {
      await write(() => delivered.run(at, attempts, id));
    },
    async attemptFailed(id, attempts, error, status, nextAttemptAt) {
      await write(() => failed.run(status, attempts, error, nextAttemptAt, id));
    },
    async list(filter = {}) {
      const where: string[] = [];
      const params: (string | number)[] = [];
      if (filter.holdId) {
        where.push('hold_id = ?');
        params.push(filter.holdId);
      }
      if (filter.status?.length) {
        where.push(`status IN (${filter.status.map(() => '?').join(', ')})`);
        params.push(...filter.status);
      }
      params.push(filter.limit ?? 200);
      const sql = `SELECT * FROM deliveries ${where.length ? `WHERE ${where.join(' AND ')}` : ''} ORDER BY id DESC LIMIT ?`;
      return db
        .prepare<(string | number)[], DeliveryRow>(sql)
        .all(...params)
        .map(toDelivery);
    },
    async cursor() {
      return selectCursor.get()?.seq;
    },
    async advanceCursor(seq) {
      await write(() => advance.run(seq));
    },
  };
}
