import type { NotificationRepository } from '../store.js';
import { toDelivery, type DeliveryRow } from '../rows.js';
import type { PostgresPool } from './database.js';

export function postgresNotifications(pool: PostgresPool): NotificationRepository {
  return {
    async enqueue(d) {
      const result = await pool.query(
        `INSERT INTO deliveries (key, webhook, event, hold_id, audit_seq, status, next_attempt_at, created_at, payload)
         VALUES ($1, $2, $3, $4, $5, 'pending', $6, $6, $7) ON CONFLICT (key) DO NOTHING`,
        [d.key, d.webhook, d.event, d.holdId ?? null, d.auditSeq, d.createdAt, d.payload],
      );
      return (result.rowCount ?? 0) > 0;
    },
    async claimDue(now, leaseUntil, limit) {
      // SKIP LOCKED: replicas claiming at the same moment take different deliveries instead of waiting for each other.
      const result = await pool.query<DeliveryRow>(
        `UPDATE deliveries SET leased_until = $2
          WHERE id IN (SELECT id FROM deliveries
                        WHERE status = 'pending' AND next_attempt_at <= $1 AND (leased_until IS NULL OR leased_until <= $1)
                        ORDER BY next_attempt_at, id LIMIT $3 FOR UPDATE SKIP LOCKED)
          RETURNING *`,
        [now, leaseUntil, limit],
      );
      return result.rows.sort((a, b) => (a.next_attempt_at < b.next_attempt_at ? -1 : a.next_attempt_at > b.next_attempt_at ? 1 : a.id - b.id)).map(toDelivery);
    },
    async delivered(id, at, attempts) {
      await pool.query(`UPDATE deliveries SET status = 'delivered', delivered_at = $1, attempts = $2, leased_until = NULL, last_error = NULL WHERE id = $3`, [
        at,
        attempts,
        id,
      ]);
    },
    async attemptFailed(id, attempts, error, status, nextAttemptAt) {
      await pool.query('UPDATE deliveries SET status = $1, attempts = $2, last_error = $3, next_attempt_at = $4, leased_until = NULL WHERE id = $5', [
        status,
        attempts,
        error,
        nextAttemptAt,
        id,
      ]);
    },
    async list(filter = {}) {
      const where: string[] = [];
      const params: (string | number | string[])[] = [];
      if (filter.holdId) {
        params.push(filter.holdId);
        where.push(`hold_id = $${params.length}`);
      }
      if (filter.status?.length) {
        params.push([...filter.status]);
        where.push(`status = ANY($${params.length})`);
      }
      params.push(filter.limit ?? 200);
      const sql = `SELECT * FROM deliveries ${where.length ? `WHERE ${where.join(' AND ')}` : ''} ORDER BY id DESC LIMIT $${params.length}`;
      return (await pool.query<DeliveryRow>(sql, params)).rows.map(toDelivery);
    },
    async cursor() {
      return (await pool.query<{ seq: number }>('SELECT seq FROM notifier_cursor WHERE id = 1')).rows[0]?.seq;
    },
    async advanceCursor(seq) {
      await pool.query(
        'INSERT INTO notifier_cursor (id, seq) VALUES (1, $1) ON CONFLICT (id) DO UPDATE SET seq = GREATEST(notifier_cursor.seq, excluded.seq)',
        [seq],
      );
    },
  };
}
