import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import pg from 'pg';
import { agentClient, psql, startPostgresWorld, type PostgresWorld } from './support.js';

let world: PostgresWorld;
let token: string;

beforeAll(async () => {
  world = await startPostgresWorld({ prefix: 'login', setup: 'CREATE TABLE items (id int primary key, name text); INSERT INTO items VALUES (1, $$one$$)' });
  token = await world.airlock.token('reader-bot', ['read:staging']);
});

afterAll(async () => {
  await world?.close();
});

describe('logging in through the PostgreSQL door', () => {
  it('lets an agent in with its name as the user and its token as the password, over TLS', async () => {
    const run = await psql(world, 'reader-bot', token, ['-Atc', 'SELECT name FROM items']);
    expect(run.stderr).toBe('');
    expect(run.stdout.trim()).toBe('one');
  });

  it('verifies: the certificate generated at first start passes sslmode=verify-full for 127.0.0.1', async () => {
    const run = await psql(world, 'reader-bot', token, ['-Atc', 'SELECT 1'], { sslmode: 'verify-full', env: { PGSSLROOTCERT: world.certPath } });
    expect(run.stderr).toBe('');
    expect(run.stdout.trim()).toBe('1');
  });

  it('refuses the token in clear text: TLS is required', async () => {
    const run = await psql(world, 'reader-bot', token, ['-Atc', 'SELECT 1'], { sslmode: 'disable' });
    expect(run.status).not.toBe(0);
    expect(run.stderr).toMatch(/FATAL: {2}Airlock accepts your token only over TLS/);
  });

  it('refuses an unknown token with PostgreSQL’s own authentication error', async () => {
    const run = await psql(world, 'reader-bot', 'alk_not_a_real_token', ['-Atc', 'SELECT 1']);
    expect(run.status).not.toBe(0);
    expect(run.stderr).toMatch(/FATAL: {2}password authentication failed for user "reader-bot": Airlock refused this operation: the token was refused/);
    expect(run.stderr).not.toContain('alk_not_a_real_token');
  });

  it("refuses a token used under another agent's name", async () => {
    const run = await psql(world, 'someone-else', token, ['-Atc', 'SELECT 1']);
    expect(run.status).not.toBe(0);
    expect(run.stderr).toMatch(/FATAL: {2}password authentication failed for user "someone-else"\nHINT: {2}The Airlock token given belongs to another agent/);
  });

  it('names the upstreams when the database is unknown', async () => {
    const run = await spawnPsqlDatabase('nope');
    expect(run.stderr).toMatch(/FATAL: {2}database "nope" does not exist/);
    expect(run.stderr).toMatch(/the database name is the upstream's name: shop/);
  });

  it('refuses startup settings that SET would have to be judged for', async () => {
    const client = new pg.Client({ ...clientOptions(), options: '-c role=postgres' });
    await expect(client.connect()).rejects.toThrow(/does not pass the startup setting "role" on/);
    const encoding = await psql(world, 'reader-bot', token, ['-Atc', 'SELECT 1'], { env: { PGCLIENTENCODING: 'SJIS' } });
    expect(encoding.stderr).toMatch(/client_encoding SJIS is not allowed/);
  });

  it('passes harmless startup settings on, and pins the ones that decide how SQL is read', async () => {
    const client = new pg.Client({ ...clientOptions(), application_name: 'agent-app', options: '-c search_path=public -c statement_timeout=5000' });
    await client.connect();
    try {
      const { rows } = await client.query(
        "SELECT current_setting('application_name') AS app, current_setting('statement_timeout') AS timeout, current_setting('standard_conforming_strings') AS scs, current_setting('client_encoding') AS enc",
      );
      expect(rows[0]).toEqual({ app: 'agent-app', timeout: '5s', scs: 'on', enc: 'UTF8' });
    } finally {
      await client.end();
    }
  });

  it('records each login in the audit log as a decision', async () => {
    const records = await world.airlock.airlock.runtime.store.audit.list({ agent: 'reader-bot', type: 'decision' });
    expect(records.some((r) => r.action === 'sql:connect' && r.verdict === 'allow' && r.upstream === 'shop')).toBe(true);
  });

  it('does not let a refused agent in at all when its scopes cover nothing here', async () => {
    const elsewhere = await world.airlock.token('prod-only', ['read:production']);
    const client = agentClient(world, 'prod-only', elsewhere);
    await expect(client.connect()).rejects.toMatchObject({ code: '42501' });
  });
});

function clientOptions() {
  return { host: world.host, port: world.port, user: 'reader-bot', password: token, database: world.upstream, ssl: { rejectUnauthorized: false } };
}

function spawnPsqlDatabase(database: string) {
  return psql({ ...world, upstream: database }, 'reader-bot', token, ['-Atc', 'SELECT 1']);
}
