import type { HoldRecord } from '../records.js';
import type { HoldRepository } from '../store.js';
import { applyApproval } from '../hold-approval.js';
import { holdUpdateValues, holdValues, toHold, type HoldRow } from '../rows.js';
import { inTransaction, type PostgresClient, type PostgresPool } from './database.js';

const parse = (row: HoldRow | undefined) => (row ? toHold(row) : undefined);

async function locked(client: PostgresClient, id: string): Promise<HoldRecord | undefined> {
  // FOR UPDATE: a second replica approving or claiming the same hold waits here, then sees the first one's result.
  return parse((await client.query<HoldRow>('SELECT body FROM holds WHERE id = $1 FOR UPDATE', [id])).rows[0]);
}

async function write(client: PostgresClient, hold: HoldRecord): Promise<void> {
  await client.query('UPDATE holds SET status = $1, expires_at = $2, run_at = $3, body = $4 WHERE id = $5', [...holdUpdateValues(hold), hold.id]);
}

export function postgresHolds(pool: PostgresPool): HoldRepository {
  return {
    async insert(hold) {
      await pool.query('INSERT INTO holds (id, status, agent, created_at, expires_at, run_at, body) VALUES ($1, $2, $3, $4, $5, $6, $7)', holdValues(hold));
    },
    async get(id) {
      return parse((await pool.query<HoldRow>('SELECT body FROM holds WHERE id = $1', [id])).rows[0]);
    },
    async list(filter = {}) {
      const where: string[] = [];
      const params: (string | number | string[])[] = [];
      const param = (value: string | number | string[]) => {
        params.push(value);
        return `$${params.length}`;
      };
      if (filter.status?.length) where.push(`status = ANY(${param([...filter.status])})`);
      if (filter.agent) where.push(`agent = ${param(filter.agent)}`);
      if (filter.expiresBy) where.push(`expires_at <= ${param(filter.expiresBy)}`);
      if (filter.runBy) where.push(`run_at IS NOT NULL AND run_at <= ${param(filter.runBy)}`);
      const order = filter.oldestFirst ? 'created_at ASC, id' : 'created_at DESC, id';
      const sql = `SELECT body FROM holds ${where.length ? `WHERE ${where.join(' AND ')}` : ''} ORDER BY ${order} LIMIT ${param(filter.limit ?? 500)}`;
      return (await pool.query<HoldRow>(sql, params)).rows.map(toHold);
    },
    transition(id, from, to, patch = {}) {
      return inTransaction(pool, async (client) => {
        const hold = await locked(client, id);
        if (!hold || !from.includes(hold.status)) return undefined;
        const next: HoldRecord = { ...hold, ...patch, status: to };
        await write(client, next);
        return next;
      });
    },
    addApproval(id, approval) {
      return inTransaction(pool, async (client) => {
        const outcome = applyApproval(await locked(client, id), approval);
        if (outcome.ok) await write(client, outcome.hold);
        return outcome;
      });
    },
  };
}
