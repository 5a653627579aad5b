/**
 * Blast radius by effect: a DELETE or UPDATE whose WHERE the door cannot prove narrow runs in a
 * savepoint, and when it touched more than the configured share of the table it is rolled back
 * and held, with the measured count in the hold. Every row is counted on PostgreSQL directly.
 */
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import type pg from 'pg';
import { recordAttack } from '../../support/attacks.js';
import { agentClient, holdIdIn, psql, startPostgresWorld, type PostgresWorld } from './support.js';

const SETUP = `
CREATE TABLE orders (id int PRIMARY KEY, amount int NOT NULL);
CREATE TABLE tiny (id int PRIMARY KEY);
CREATE TABLE notes (id int PRIMARY KEY, body text);
`;

let world: PostgresWorld;
let token: string;
let client: pg.Client;

beforeAll(async () => {
  world = await startPostgresWorld({ prefix: 'blast', setup: SETUP });
  token = await world.airlock.token('tidy-bot', ['read:*', 'write:*']);
});

afterAll(async () => {
  await world?.close();
});

beforeEach(async () => {
  await world.db.query(`
    TRUNCATE orders, tiny, notes;
    INSERT INTO orders SELECT g, g * 10 FROM generate_series(1, 100) g;
    INSERT INTO tiny SELECT g FROM generate_series(1, 10) g;`);
  client = agentClient(world, 'tidy-bot', token);
  await client.connect();
  return () => client.end();
});

async function orders(): Promise<{ rows: number; amount: number }> {
  const { rows } = await world.db.query<{ n: string; s: string }>('SELECT count(*) AS n, coalesce(sum(amount), 0) AS s FROM orders');
  return { rows: Number(rows[0]!.n), amount: Number(rows[0]!.s) };
}

const FULL = { rows: 100, amount: 50_500 };

async function refusal(sql: string, values?: unknown[]): Promise<Error & { code?: string; detail?: string }> {
  const outcome = await client.query(sql, values).then(
    () => undefined,
    (error: Error) => error,
  );
  expect(outcome, `${sql} was not refused`).toBeInstanceOf(Error);
  return outcome!;
}

const WIDE: [sql: string, touched: string][] = [
  ['DELETE FROM orders WHERE lower(id::text) = lower(id::text)', 'DELETE touched 100 of 100 rows'],
  ['DELETE FROM orders WHERE id = ANY(ARRAY[id])', 'DELETE touched 100 of 100 rows'],
  ['DELETE FROM orders WHERE id IN (SELECT id FROM orders)', 'DELETE touched 100 of 100 rows'],
  ['DELETE FROM orders USING orders o2 WHERE orders.id = o2.id', 'DELETE touched 100 of 100 rows'],
  ['DELETE FROM orders WHERE id > 0', 'DELETE touched 100 of 100 rows'],
  ['UPDATE orders SET amount = 0 WHERE amount >= 0', 'UPDATE touched 100 of 100 rows'],
];

describe('statements that touch more rows than the blast radius', () => {
  for (const [sql, touched] of WIDE) {
    it(`holds ${sql} with the count it measured, and every row is still there`, async () => {
      const error = await refusal(sql);
      expect(error.code).toBe('42501');
      expect(error.message).toContain(touched);
      const holdId = holdIdIn(error.message)!;
      const hold = await world.airlock.airlock.runtime.store.holds.get(holdId);
      expect(hold?.reasons[0]).toContain(touched);
      expect(hold?.operation.class).toBe('destructive');
      expect(await orders()).toEqual(FULL);
      // The session goes on, in autocommit, as before.
      expect((await client.query('SELECT count(*)::int AS n FROM orders')).rows[0]).toEqual({ n: 100 });
      recordAttack({
        door: 'postgres',
        category: 'deleting everything with a WHERE',
        attack: sql,
        outcome: 'held',
        effect: 'all 100 rows still there with their amounts, checked on PostgreSQL',
      });
    });
  }

  it('holds it from psql too', async () => {
    const result = await psql(world, 'tidy-bot', token, ['-c', 'DELETE FROM orders WHERE id > 0']);
    expect(result.stderr).toMatch(/42501: Airlock is holding this operation for a human \(hold hold_/);
    expect(result.stderr).toContain('DELETE touched 100 of 100 rows');
    expect(await orders()).toEqual(FULL);
  });

  it('runs the approved statement once when the agent sends it again', async () => {
    const error = await refusal('DELETE FROM orders WHERE id > 0');
    const holdId = holdIdIn(error.message)!;
    const { store, clock } = world.airlock.airlock.runtime;
    expect((await store.holds.addApproval(holdId, { operator: 'alice', at: clock().toISOString(), secondFactor: true })).ok).toBe(true);
    const result = await client.query('DELETE FROM orders WHERE id > 0');
    expect(result.rowCount).toBe(100);
    expect(await orders()).toEqual({ rows: 0, amount: 0 });
    expect((await store.holds.get(holdId))?.status).toBe('executed');
  });

  it('holds up front what it cannot measure: a prepared statement', async () => {
    const error = await refusal('DELETE FROM orders WHERE id > $1', [0]);
    expect(error.code).toBe('42501');
    expect(error.detail).toMatch(/measures a DELETE it cannot prove narrow only in a simple query/);
    expect(await orders()).toEqual(FULL);
  });

  it('holds up front what it cannot measure: a DELETE sent with other statements', async () => {
    const error = await refusal('SELECT 1; DELETE FROM orders WHERE id > 0');
    expect(error.detail).toMatch(/only when it is sent alone/);
    expect(await orders()).toEqual(FULL);
  });

  it('rolls back to its own savepoint inside a client transaction, leaving the client work and savepoints alone', async () => {
    await client.query('BEGIN');
    await client.query("INSERT INTO notes VALUES (1, 'kept')");
    await client.query('SAVEPOINT mine');
    const error = await refusal('DELETE FROM orders WHERE id > 0');
    expect(error.code).toBe('42501');
    // A refused statement fails the block, as any error does in PostgreSQL.
    expect((await refusal('SELECT 1')).code).toBe('25P02');
    await client.query('ROLLBACK TO SAVEPOINT mine');
    expect((await client.query('SELECT count(*)::int AS n FROM orders')).rows[0]).toEqual({ n: 100 });
    await client.query('COMMIT');
    expect((await world.db.query('SELECT body FROM notes')).rows).toEqual([{ body: 'kept' }]);
    expect(await orders()).toEqual(FULL);
  });
});

describe('statements within the blast radius', () => {
  it('forwards provably narrow deletes without measuring them', async () => {
    expect((await client.query('DELETE FROM orders WHERE id = 5')).rowCount).toBe(1);
    expect((await client.query('DELETE FROM orders WHERE id IN (3, 4)')).rowCount).toBe(2);
    expect((await client.query('DELETE FROM orders WHERE id BETWEEN 1 AND 2')).rowCount).toBe(2);
    expect((await client.query('UPDATE orders SET amount = 0 WHERE id = $1', [10])).rowCount).toBe(1);
    expect((await orders()).rows).toBe(95);
  });

  it('keeps a measured delete that touched few rows, committed in autocommit', async () => {
    const result = await client.query('DELETE FROM orders WHERE id > 95 RETURNING id');
    expect(result.rowCount).toBe(5);
    expect(result.rows.map((r) => r.id).sort((a, b) => a - b)).toEqual([96, 97, 98, 99, 100]);
    expect((await orders()).rows).toBe(95);
    expect((await client.query('SELECT 1 AS one')).rows).toEqual([{ one: 1 }]);
  });

  it('keeps a measured delete inside the client transaction, which the client can still roll back', async () => {
    await client.query('BEGIN');
    expect((await client.query('DELETE FROM orders WHERE id > 90')).rowCount).toBe(10);
    expect((await client.query('SELECT count(*)::int AS n FROM orders')).rows[0]).toEqual({ n: 90 });
    await client.query('ROLLBACK');
    expect(await orders()).toEqual(FULL);
  });

  it('lets a wide delete of a small table through', async () => {
    expect((await client.query('DELETE FROM tiny WHERE id > 0')).rowCount).toBe(10);
  });

  it('passes the error of a measured statement as PostgreSQL gave it', async () => {
    const error = await refusal('UPDATE orders SET amount = NULL WHERE id > 0');
    expect(error.code).toBe('23502');
    expect(await orders()).toEqual(FULL);
    expect((await client.query('SELECT 1 AS one')).rows).toEqual([{ one: 1 }]);
  });
});
