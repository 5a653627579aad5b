import type { HoldApproval, HoldRecord } from '../records.js';
import type { ApprovalOutcome, HoldRepository } from '../store.js';
import { applyApproval } from '../hold-approval.js';
import { holdUpdateValues, holdValues, toHold, type HoldRow } from '../rows.js';
import type { SqliteDatabase } from './database.js';
import type { Write } from './writes.js';

export function sqliteHolds(db: SqliteDatabase, write: Write): HoldRepository {
  const select = db.prepare<[string], HoldRow>('SELECT body FROM holds WHERE id = ?');
  const insert = db.prepare('INSERT INTO holds (id, status, agent, created_at, expires_at, run_at, body) VALUES (?, ?, ?, ?, ?, ?, ?)');
  const update = db.prepare('UPDATE holds SET status = ?, expires_at = ?, run_at = ?, body = ? WHERE id = ?');
  const transition = db.transaction((id: string, from: readonly string[], to: HoldRecord['status'], patch: object) => {
    const row = select.get(id);
    if (!row) return undefined;
    const hold = toHold(row);
    if (!from.includes(hold.status)) return undefined;
    const next: HoldRecord = { ...hold, ...patch, status: to };
    update.run(...holdUpdateValues(next), id);
    return next;
  });
  const addApproval = db.transaction((id: string, approval: HoldApproval): ApprovalOutcome => {
    const row = select.get(id);
    const outcome = applyApproval(row ? toHold(row) : undefined, approval);
    if (outcome.ok) update.run(...holdUpdateValues(outcome.hold), id);
    return outcome;
  });
  return {
    async insert(hold) {
      await write(() => insert.run(...holdValues(hold)));
    },
    async get(id) {
      const row = select.get(id);
      return row ? toHold(row) : undefined;
    },
    async list(filter = {}) {
      const where: string[] = [];
      const params: (string | number)[] = [];
      if (filter.status?.length) {
        where.push(`status IN (${filter.status.map(() => '?').join(', ')})`);
        params.push(...filter.status);
      }
      if (filter.agent) {
        where.push('agent = ?');
        params.push(filter.agent);
      }
      if (filter.expiresBy) {
        where.push('expires_at <= ?');
        params.push(filter.expiresBy);
      }
      if (filter.runBy) {
        where.push('run_at IS NOT NULL AND run_at <= ?');
        params.push(filter.runBy);
      }
      const order = filter.oldestFirst ? 'created_at ASC, id' : 'created_at DESC, id';
      const sql = `SELECT body FROM holds ${where.length ? `WHERE ${where.join(' AND ')}` : ''} ORDER BY ${order} LIMIT ?`;
      params.push(filter.limit ?? 500);
      return db
        .prepare<(string | number)[], HoldRow>(sql)
        .all(...params)
        .map(toHold);
    },
    async transition(id, from, to, patch = {}) {
      // IMMEDIATE takes the write lock before reading, so two processes cannot both win.
      return write(() => transition.immediate(id, from, to, patch));
    },
    async addApproval(id, approval) {
      return write(() => addApproval.immediate(id, approval));
    },
  };
}
