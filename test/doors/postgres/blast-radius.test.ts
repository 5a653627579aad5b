/**
 * Blast radius by effect: a DELETE or UPDATE whose WHERE the door cannot prove narrow runs in a
 * savepoint, and when it touched more than the configured share of the table it is rolled back
 * and held, with the measured count in the hold. Every row is counted on PostgreSQL directly.
 */
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import type pg from 'pg';
import { recordAttack } from '../../support/attacks.js';
import { RawConnection } from './raw.js';
import { agentClient, holdIdIn, psql, startPostgresWorld, type PostgresWorld } from './support.js';
import { wire } from './wire.js';

const SETUP = `
CREATE TABLE orders (id int PRIMARY KEY, amount int NOT NULL);
CREATE TABLE tiny (id int PRIMARY KEY);
CREATE TABLE notes (id int PRIMARY KEY, body text);
`;

let world: PostgresWorld;
let token: string;
let client: pg.Client;

beforeAll(async () => {
  world = await startPostgresWorld({ prefix: 'blast', setup: SETUP, config: { postgres: { plaintext: 'loopback' } } });
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

async function refusal(sql: string | pg.QueryConfig, values?: readonly unknown[]): Promise<Error & { code?: string; detail?: string }> {
  const outcome = await client.query(sql as string, values as unknown[] | undefined).then(
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

  it('measures a wide DELETE after narrow ones of nearly the same text were judged many times, and every row is still there', async () => {
    // The narrow ones' radius is remembered by shape: a text that differs in more than its numbers is judged afresh.
    for (const id of [1001, 1002, 77777, 5]) await client.query(`DELETE FROM orders WHERE id = ${id + 1000}`);
    for (const id of [1001, 1002]) await client.query('DELETE FROM orders WHERE id = $1', [id]);
    expect(await orders()).toEqual(FULL);
    for (const sql of ['DELETE FROM orders WHERE id = id', 'DELETE FROM orders WHERE id = 1001 OR id > 0', 'DELETE FROM orders WHERE id > 1001 - 2000']) {
      expect((await refusal(sql)).code).toBe('42501');
      expect(await orders()).toEqual(FULL);
    }
    expect((await refusal('DELETE FROM orders WHERE id = $1 OR id > $2', [1001, 0])).message).toContain('DELETE touched 100 of 100 rows');
    expect(await orders()).toEqual(FULL);
  });

  it('shows the measured count in airlock hold show', async () => {
    const error = await refusal('DELETE FROM orders WHERE id > 0');
    const shown = world.airlock.cli(['hold', 'show', holdIdIn(error.message)!]);
    expect(shown.status).toBe(0);
    expect(shown.stdout).toMatch(/why held\s+this DELETE touched 100 of 100 rows of "orders", more than the blast radius/);
    expect(shown.stdout).toContain('sql:DeleteStmt [destructive]');
  });

  it('measures a MERGE and holds it past the radius', async () => {
    const sql = 'MERGE INTO orders o USING (SELECT 1 AS k) s ON o.id > s.k WHEN MATCHED THEN UPDATE SET amount = 0';
    const error = await refusal(sql);
    expect(error.code).toBe('42501');
    expect(error.message).toContain('MERGE touched 99 of 100 rows');
    expect(await orders()).toEqual(FULL);
    recordAttack({
      door: 'postgres',
      category: 'deleting everything with a WHERE',
      attack: sql,
      outcome: 'held',
      effect: 'all 100 rows kept their amounts, checked on PostgreSQL',
    });
  });

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

  it('measures and holds a prepared statement over the extended protocol', async () => {
    for (const [sql, values, touched] of [
      ['DELETE FROM orders WHERE id > $1', [0], 'DELETE touched 100 of 100 rows'],
      ['UPDATE orders SET amount = 0 WHERE amount >= $1', [0], 'UPDATE touched 100 of 100 rows'],
      ['DELETE FROM orders WHERE id >= $1 AND id <= $2', [1, 100], 'DELETE touched 100 of 100 rows'],
    ] as const) {
      const error = await refusal(sql, [...values]);
      expect(error.code).toBe('42501');
      expect(error.message).toContain(touched);
      expect(await orders()).toEqual(FULL);
      recordAttack({
        door: 'postgres',
        category: 'deleting everything with a WHERE',
        attack: `${sql} (extended protocol, parameters ${values.join(', ')})`,
        outcome: 'held',
        effect: 'all 100 rows still there with their amounts, checked on PostgreSQL',
      });
    }
  });

  it('keeps a named prepared statement usable after one of its executions is held', async () => {
    const wide = { name: 'wide_delete', text: 'DELETE FROM orders WHERE id > $1 RETURNING id' };
    expect((await client.query({ ...wide, values: [98] })).rows).toEqual([{ id: 99 }, { id: 100 }]);
    const error = await refusal({ ...wide, values: [0] });
    expect(error.code).toBe('42501');
    expect(error.message).toContain('DELETE touched 98 of 98 rows');
    expect((await client.query({ ...wide, values: [97] })).rows).toEqual([{ id: 98 }]);
    expect((await orders()).rows).toBe(97);
  });

  it('holds up front a statement it cannot measure because another ran before it in the same pipeline', async () => {
    const connection = await RawConnection.login(world.host, world.port, 'tidy-bot', token, world.upstream);
    connection.send(
      Buffer.concat([
        wire.parse('', 'SELECT 1'),
        wire.bind('', ''),
        wire.execute(),
        wire.parse('', 'DELETE FROM orders WHERE id > 0'),
        wire.bind('', ''),
        wire.execute(),
        wire.sync(),
      ]),
    );
    const refused = await connection.until((f) => f.type === 'E');
    expect(refused.fields.C).toBe('42501');
    expect(refused.fields.D).toMatch(/only when no other statement runs before it in the same pipeline/);
    await connection.until((f) => f.type === 'Z');
    connection.close();
    expect(await orders()).toEqual(FULL);
  });

  it('skips a measured Bind after a failed Parse in its pipeline, as PostgreSQL does', async () => {
    const connection = await RawConnection.login(world.host, world.port, 'tidy-bot', token, world.upstream);
    connection.send(Buffer.concat([wire.parse('taken', 'DELETE FROM orders WHERE id = 1'), wire.sync()]));
    await connection.until((f) => f.type === 'Z');
    connection.frames.length = 0;
    // The name is taken: this Parse fails upstream, and the Bind must not run the older statement.
    connection.send(Buffer.concat([wire.parse('taken', 'DELETE FROM orders WHERE id > 0'), wire.bind('', 'taken'), wire.execute(), wire.sync()]));
    await connection.until((f) => f.type === 'Z');
    expect(connection.frames.map((f) => (f.type === 'E' ? `E:${f.fields.C}` : f.type))).toEqual(['E:42P05', 'Z']);
    connection.close();
    expect(await orders()).toEqual(FULL);
  });

  it('holds up front what it cannot measure: a DELETE sent with other statements', async () => {
    const error = await refusal('SELECT 1; DELETE FROM orders WHERE id > 0');
    expect(error.detail).toMatch(/only when it is sent alone/);
    expect(await orders()).toEqual(FULL);
  });

  it.each([
    ['simple', 'DELETE FROM orders WHERE id > 0', undefined],
    ['extended', 'DELETE FROM orders WHERE id > $1', [0]],
  ])(
    'rolls back to its own savepoint inside a client transaction, leaving the client work and savepoints alone (%s protocol)',
    async (_protocol, sql, values) => {
      await client.query('BEGIN');
      await client.query("INSERT INTO notes VALUES (1, 'kept')");
      await client.query('SAVEPOINT mine');
      const error = await refusal(sql, values);
      expect(error.code).toBe('42501');
      // A refused statement fails the block, as any error does in PostgreSQL.
      expect((await refusal('SELECT 1')).code).toBe('25P02');
      await client.query('ROLLBACK TO SAVEPOINT mine');
      expect((await client.query('SELECT count(*)::int AS n FROM orders')).rows[0]).toEqual({ n: 100 });
      await client.query('COMMIT');
      expect((await world.db.query('SELECT body FROM notes')).rows).toEqual([{ body: 'kept' }]);
      expect(await orders()).toEqual(FULL);
    },
  );
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

  it('keeps a measured delete over the extended protocol, committed in autocommit', async () => {
    const result = await client.query('DELETE FROM orders WHERE id > $1 RETURNING id', [97]);
    expect(result.rows).toEqual([{ id: 98 }, { id: 99 }, { id: 100 }]);
    expect((await orders()).rows).toBe(97);
  });

  it('keeps a measured delete inside the client transaction, which the client can still roll back', async () => {
    await client.query('BEGIN');
    expect((await client.query('DELETE FROM orders WHERE id > 90')).rowCount).toBe(10);
    expect((await client.query('DELETE FROM orders WHERE id > $1', [85])).rowCount).toBe(5);
    expect((await client.query('SELECT count(*)::int AS n FROM orders')).rows[0]).toEqual({ n: 85 });
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
