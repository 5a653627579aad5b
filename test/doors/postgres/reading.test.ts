/**
 * One reading of SQL: whatever changes how the server reads text (an UPDATE of pg_settings,
 * set_config, a function the operator declared harmless), the door learns it from the server's
 * ParameterStatus and ends the session before a statement can be read two ways. The victim
 * table is checked on the database itself.
 */
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { recordAttack } from '../../support/attacks.js';
import { agentClient, psql, startPostgresWorld, type PostgresWorld } from './support.js';
import { RawConnection } from './raw.js';
import { wire } from './wire.js';

const SETUP = `
CREATE TABLE victim (id int PRIMARY KEY);
INSERT INTO victim VALUES (1), (2), (3);
CREATE FUNCTION app_reading_off() RETURNS text LANGUAGE sql AS $$ SELECT set_config('standard_conforming_strings', 'off', false) $$;
CREATE FUNCTION app_encoding_sjis() RETURNS text LANGUAGE sql AS $$ SELECT set_config('client_encoding', 'SJIS', false) $$;
`;

const SMUGGLE = "SELECT 'a\\', 'b; DROP TABLE victim; --'";

let world: PostgresWorld;
let token: string;

beforeAll(async () => {
  world = await startPostgresWorld({
    prefix: 'reading',
    setup: SETUP,
    config: { postgres: { plaintext: 'loopback' } },
    // An operator who declared these functions harmless: the door must still catch what they do.
    upstream: { functions: { 'app_*': 'read' } },
  });
  token = await world.airlock.token('reader-bot', ['read:*', 'write:*']);
});

afterAll(async () => {
  await world?.close();
});

beforeEach(async () => {
  await world.db.query('CREATE TABLE IF NOT EXISTS victim (id int PRIMARY KEY); INSERT INTO victim VALUES (1), (2), (3) ON CONFLICT DO NOTHING');
});

async function victimRows(): Promise<number> {
  const { rows } = await world.db.query<{ n: string }>("SELECT count(*) AS n FROM pg_tables WHERE tablename = 'victim'");
  if (Number(rows[0]!.n) === 0) return -1;
  return Number((await world.db.query<{ n: string }>('SELECT count(*) AS n FROM victim')).rows[0]!.n);
}

const CHANGES: [name: string, sql: string][] = [
  ['standard_conforming_strings through pg_settings', "UPDATE pg_settings SET setting = 'off' WHERE name = 'standard_conforming_strings'"],
  ['standard_conforming_strings through set_config', "SELECT set_config('standard_conforming_strings', 'off', false)"],
  ['standard_conforming_strings through a function declared read', 'SELECT app_reading_off()'],
  ['client_encoding through pg_settings', "UPDATE pg_settings SET setting = 'SJIS' WHERE name = 'client_encoding'"],
  ['client_encoding through set_config', "SELECT set_config('client_encoding', 'SJIS', false)"],
  ['client_encoding through a function declared read', 'SELECT app_encoding_sjis()'],
];

describe('the server reading SQL other than Airlock does', () => {
  for (const [name, change] of CHANGES) {
    it(`never forwards the next statement after ${name} (node-postgres)`, async () => {
      const client = agentClient(world, 'reader-bot', token);
      client.on('error', () => undefined);
      await client.connect();
      const first = await client.query(change).then(
        () => undefined,
        (error: Error & { code?: string; severity?: string }) => error,
      );
      const second = await client.query(SMUGGLE).then(
        () => undefined,
        (error: Error & { code?: string }) => error,
      );
      await client.end().catch(() => undefined);
      // Either the change itself was held or refused, or it ran and the door ended the session.
      expect(first !== undefined || second !== undefined).toBe(true);
      const ended =
        first?.message.includes('does not parse with') ||
        second?.message.includes('does not parse with') ||
        /Connection terminated|not queryable/.test(second?.message ?? '');
      expect(first?.code === '42501' || first?.code === '0A000' || ended).toBe(true);
      expect(await victimRows()).toBe(3);
      recordAttack({
        door: 'postgres',
        category: 'two readings of one statement',
        attack: `${change}; then ${SMUGGLE}`,
        outcome: first?.code === '42501' ? 'held' : 'closed',
        effect: 'victim table and its rows still there, checked on PostgreSQL',
      });
    });
  }

  it('ends the session with a FATAL error that says to stop and ask (psql)', async () => {
    const result = await psql(world, 'reader-bot', token, ['-c', 'SELECT app_reading_off()', '-c', SMUGGLE]);
    expect(result.stderr).toMatch(/FATAL:\s+0A000: Airlock refused this operation: the server now reads SQL with standard_conforming_strings off/);
    expect(result.stderr).toMatch(/Stop\. Do not retry/);
    expect(result.status).not.toBe(0);
    expect(await victimRows()).toBe(3);
    recordAttack({
      door: 'postgres',
      category: 'two readings of one statement',
      attack: `psql: SELECT app_reading_off(); ${SMUGGLE}`,
      outcome: 'closed',
      effect: 'victim table still there',
    });
  });

  it('does not forward a pipelined statement with a backslash before the server has confirmed its reading', async () => {
    const client = await RawConnection.login(world.host, world.port, 'reader-bot', token, world.upstream);
    // Both in one write: the second must wait for the first one's answer, which ends the session.
    client.send(Buffer.concat([wire.query('SELECT app_reading_off()'), wire.query(SMUGGLE)]));
    await client.closed;
    const fatal = client.frames.find((f) => f.type === 'E');
    expect(fatal?.fields.S).toBe('FATAL');
    expect(fatal?.fields.M).toMatch(/does not parse with/);
    expect(await victimRows()).toBe(3);
    recordAttack({
      door: 'postgres',
      category: 'two readings of one statement',
      attack: `pipelined in one write: SELECT app_reading_off(); ${SMUGGLE}`,
      outcome: 'closed',
      effect: 'victim table still there',
    });
  });

  it('refuses a Parse with a backslash after an Execute in the same pipeline', async () => {
    const client = await RawConnection.login(world.host, world.port, 'reader-bot', token, world.upstream);
    client.send(
      Buffer.concat([
        wire.parse('', 'SELECT app_reading_off()'),
        wire.bind('', ''),
        wire.execute(),
        wire.parse('s2', SMUGGLE),
        wire.bind('', 's2'),
        wire.execute(),
        wire.sync(),
      ]),
    );
    const refused = await client.until((f) => f.type === 'E');
    expect(refused.fields.C).toBe('0A000');
    expect(refused.fields.M).toMatch(/after an Execute in the same pipeline/);
    // The refusal failed the pipeline's transaction, and with it the setting the first Execute made.
    await client.until((f) => f.type === 'Z');
    client.frames.length = 0;
    client.send(wire.query('SHOW standard_conforming_strings'));
    await client.until((f) => f.type === 'Z');
    expect(client.frames.find((f) => f.type === 'D')?.body.toString('utf8', 6)).toBe('on');
    client.close();
    expect(await victimRows()).toBe(3);
    recordAttack({
      door: 'postgres',
      category: 'two readings of one statement',
      attack: `extended protocol, one Sync: Execute SELECT app_reading_off(), then Parse ${SMUGGLE}`,
      outcome: 'refused',
      effect: 'victim table still there',
    });
  });

  it('reads SQL as Airlock parses it even when the database and the role store other settings', async () => {
    // Done directly on PostgreSQL, as an owner might: later sessions would start with them.
    await world.db.query(`ALTER DATABASE ${world.db.name} SET standard_conforming_strings = off`);
    await world.db.query(`ALTER ROLE postgres IN DATABASE ${world.db.name} SET client_encoding = 'SJIS'`);
    try {
      const client = agentClient(world, 'reader-bot', token);
      await client.connect();
      const { rows } = await client.query('SELECT current_setting($1) AS s, current_setting($2) AS e', ['standard_conforming_strings', 'client_encoding']);
      expect(rows).toEqual([{ s: 'on', e: 'UTF8' }]);
      await client.query(SMUGGLE);
      await client.end();
      expect(await victimRows()).toBe(3);
      recordAttack({
        door: 'postgres',
        category: 'two readings of one statement',
        attack: `ALTER DATABASE … SET standard_conforming_strings = off and ALTER ROLE … SET client_encoding = 'SJIS' (outside Airlock), then ${SMUGGLE}`,
        outcome: 'allowed',
        effect:
          'the session read SQL with standard_conforming_strings on and UTF8 (the door pins both at login and checks what the server reports); victim table still there',
      });
    } finally {
      await world.db.query(`ALTER DATABASE ${world.db.name} RESET standard_conforming_strings`);
      await world.db.query(`ALTER ROLE postgres IN DATABASE ${world.db.name} RESET client_encoding`);
    }
  });

  it('still forwards statements with backslashes and non-ASCII text while the reading is the one Airlock parses with', async () => {
    const client = agentClient(world, 'reader-bot', token);
    await client.connect();
    const { rows } = await client.query("SELECT 'a\\' AS a, 'żółw' AS b, E'x\\ty' AS c");
    expect(rows[0]).toEqual({ a: 'a\\', b: 'żółw', c: 'x\ty' });
    const prepared = await client.query({ text: "SELECT $1::text || '\\' AS v", values: ['ü'] });
    expect(prepared.rows[0]).toEqual({ v: 'ü\\' });
    await client.end();
  });
});
