import { existsSync, mkdtempSync, readdirSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import type pg from 'pg';
import { replaySqlRequest } from '../../../src/doors/postgres/index.js';
import type { PostgresUpstreamConfig } from '../../../src/config/upstreams/postgres.js';
import { agentClient, holdIdIn, psql, run, startPostgresWorld, type PostgresWorld } from './support.js';
import { nextRecord } from '../../holds/support.js';

const SETUP = `
CREATE TABLE orders (id int PRIMARY KEY, total numeric);
INSERT INTO orders SELECT g, g * 10 FROM generate_series(1, 20) g;
CREATE TABLE audit_trail (id int);
INSERT INTO audit_trail VALUES (1), (2);
`;

let world: PostgresWorld;
let token: string;
let backups: string;

beforeAll(async () => {
  backups = mkdtempSync(join(tmpdir(), 'airlock-pgdump-'));
  world = await startPostgresWorld({ prefix: 'holds', setup: SETUP, upstream: { backup: { pgDump: { dir: backups } } } });
  token = await world.airlock.token('ops-bot', ['write:staging']);
});

afterAll(async () => {
  await world?.close();
});

async function approve(holdId: string): Promise<void> {
  const { store, clock } = world.airlock.airlock.runtime;
  const approval = await store.holds.addApproval(holdId, { operator: 'alice', at: clock().toISOString(), secondFactor: true });
  expect(approval.ok).toBe(true);
}

async function rows(table: string): Promise<number> {
  return Number((await world.db.query(`SELECT count(*) AS n FROM ${table}`)).rows[0]!.n);
}

describe('approved holds through the PostgreSQL door', () => {
  let client: pg.Client;

  beforeEach(async () => {
    await world.db.query('DELETE FROM orders; INSERT INTO orders SELECT g, g * 10 FROM generate_series(1, 20) g');
    client = agentClient(world, 'ops-bot', token);
    await client.connect();
    return () => client.end();
  });

  it('runs the same statement once after approval, then holds it again', async () => {
    const held = await client.query('DELETE FROM orders WHERE true').catch((e: Error) => e);
    const holdId = holdIdIn((held as Error).message)!;
    expect(holdId).toBeDefined();
    // Asked again before anyone decides: the same hold, not a new one.
    const again = await client.query('DELETE FROM orders WHERE true').catch((e: Error) => e);
    expect(holdIdIn((again as Error).message)).toBe(holdId);

    await approve(holdId);
    const result = await client.query('DELETE FROM orders WHERE true');
    expect(result.rowCount).toBe(20);
    expect((await world.airlock.airlock.runtime.store.holds.get(holdId))!.status).toBe('executed');

    await world.db.query('INSERT INTO orders VALUES (1, 1)');
    const third = await client.query('DELETE FROM orders WHERE true').catch((e: Error) => e);
    expect((third as { code?: string }).code).toBe('42501');
    expect(holdIdIn((third as Error).message)).not.toBe(holdId);
    expect(await rows('orders')).toBe(1);
  });

  it('matches the approval whatever the spacing, casing and comments of the re-run', async () => {
    const held = await client.query('TRUNCATE audit_trail').catch((e: Error) => e);
    const holdId = holdIdIn((held as Error).message)!;
    await approve(holdId);
    await client.query('-- approved by alice\ntruncate   AUDIT_TRAIL;');
    expect(await rows('audit_trail')).toBe(0);
    await world.db.query('INSERT INTO audit_trail VALUES (1), (2)');
  });

  it('runs an approved statement in another session after SET airlock.hold, and refuses another statement with that hold', async () => {
    const run1 = await psql(world, 'ops-bot', token, ['-c', 'DELETE FROM orders WHERE id > 10']);
    expect(run1.status).toBe(0);
    const held = await psql(world, 'ops-bot', token, ['-c', 'UPDATE orders SET total = 0']);
    const holdId = holdIdIn(held.stderr)!;
    await approve(holdId);

    const wrong = await psql(world, 'ops-bot', token, ['-c', `SET airlock.hold = '${holdId}'`, '-c', 'UPDATE orders SET total = -1']);
    expect(wrong.stderr).toMatch(new RegExp(`42501: Airlock refused this operation \\(hold ${holdId}\\).*was for a different request`));

    const right = await psql(world, 'ops-bot', token, ['-c', `SET airlock.hold = '${holdId}'`, '-c', 'UPDATE orders SET total = 0']);
    expect(right.stderr).toBe('');
    expect(right.stdout).toMatch(/UPDATE 10/);
    expect((await world.db.query('SELECT sum(total) AS s FROM orders')).rows[0]!.s).toBe('0');
  });

  it('takes the hold id from a comment too', async () => {
    const held = await client.query('UPDATE orders SET total = 1').catch((e: Error) => e);
    const holdId = holdIdIn((held as Error).message)!;
    await approve(holdId);
    const result = await client.query(`/* airlock.hold=${holdId} */ UPDATE orders SET total = 1`);
    expect(result.rowCount).toBe(20);
  });

  it('runs an approved prepared statement with the parameters it was held with, and not with others', async () => {
    const held = await client.query('UPDATE orders SET total = $1', [5]).catch((e: Error) => e);
    const holdId = holdIdIn((held as Error).message)!;
    await approve(holdId);
    const other = await client.query('UPDATE orders SET total = $1', [6]).catch((e: Error) => e);
    expect((other as { code?: string }).code).toBe('42501');
    expect(holdIdIn((other as Error).message)).not.toBe(holdId);
    const result = await client.query('UPDATE orders SET total = $1', [5]);
    expect(result.rowCount).toBe(20);
    expect((await world.db.query('SELECT DISTINCT total FROM orders')).rows).toEqual([{ total: '5' }]);
  });
});

describe('backup before destroy (pgDump)', () => {
  it('dumps the affected table with pg_dump before an approved TRUNCATE runs, and records it', async () => {
    const client = agentClient(world, 'ops-bot', token);
    await client.connect();
    try {
      await world.db.query('CREATE TABLE IF NOT EXISTS ledger (id int); INSERT INTO ledger SELECT generate_series(1, 50)');
      const held = await client.query('TRUNCATE ledger').catch((e: Error) => e);
      const holdId = holdIdIn((held as Error).message)!;
      await approve(holdId);
      await client.query('TRUNCATE ledger');
      expect(await rows('ledger')).toBe(0);

      const files = readdirSync(join(backups, 'shop')).filter((f) => f.includes(holdId));
      expect(files).toHaveLength(1);
      const listing = await run('pg_restore', ['--list', join(backups, 'shop', files[0]!)]);
      expect(listing.stdout).toMatch(/TABLE DATA public ledger/);
      expect(listing.stdout).not.toMatch(/TABLE DATA public orders/);

      const records = await world.airlock.airlock.runtime.store.audit.list({ type: 'backup.succeeded', limit: 10 });
      expect(records.some((r) => r.holdId === holdId && String(r.reasons?.[0]).includes('pg_dump of tables ledger'))).toBe(true);
    } finally {
      await client.end();
    }
  });

  it('does not forward the statement when the backup fails, and gives the approval back', async () => {
    const failing = await startPostgresWorld({
      prefix: 'nobackup',
      setup: 'CREATE TABLE t (id int); INSERT INTO t VALUES (1)',
      upstream: { backup: { pgDump: { dir: backups, command: '/nonexistent/pg_dump' } } },
    });
    try {
      const agent = await failing.airlock.token('ops-bot', ['write:staging']);
      const client = agentClient(failing, 'ops-bot', agent);
      await client.connect();
      const held = await client.query('DROP TABLE t').catch((e: Error) => e);
      const holdId = holdIdIn((held as Error).message)!;
      const { store, clock } = failing.airlock.airlock.runtime;
      await store.holds.addApproval(holdId, { operator: 'alice', at: clock().toISOString(), secondFactor: true });
      const refused = await client.query('DROP TABLE t').catch((e: Error) => e);
      expect(refused).toMatchObject({ code: '42501' });
      expect((refused as Error).message).toMatch(/the backup that must run before destructive operations on shop failed/);
      expect((await store.holds.get(holdId))!.status).toBe('approved');
      expect((await failing.db.query('SELECT count(*) AS n FROM t')).rows[0]!.n).toBe('1');
      await client.end();
    } finally {
      await failing.close();
    }
  });
});

describe('replaySqlRequest', () => {
  it('runs a held statement, exactly as stored with its hold, on the upstream', async () => {
    const client = agentClient(world, 'ops-bot', token);
    await client.connect();
    const held = await client.query('UPDATE orders SET total = $1', [77]).catch((e: Error) => e);
    await client.end();
    const hold = await world.airlock.airlock.runtime.store.holds.get(holdIdIn((held as Error).message)!);
    const upstream = world.airlock.config.upstreams[0] as PostgresUpstreamConfig;
    const outcome = await replaySqlRequest(hold!.request, upstream);
    expect(outcome).toEqual({ forwarded: true, ok: true, status: 'UPDATE 20', detail: 'UPDATE 20' });
    expect((await world.db.query('SELECT DISTINCT total FROM orders')).rows).toEqual([{ total: '77' }]);
  });

  it('reports the upstream’s error without forwarding anything else', async () => {
    const upstream = world.airlock.config.upstreams[0] as PostgresUpstreamConfig;
    const outcome = await replaySqlRequest({ door: 'postgres', upstream: 'shop', protocol: 'simple', sql: 'DROP TABLE no_such_table' }, upstream);
    expect(outcome).toMatchObject({ forwarded: true, ok: false, status: '42P01' });
    expect(existsSync(backups)).toBe(true);
  });
});

describe('wait mode: the statement waits for operators instead of failing at once', () => {
  it('runs the held statement as soon as it is approved, on the same connection', async () => {
    const waiting = await startPostgresWorld({
      prefix: 'wait',
      setup: 'CREATE TABLE jobs (id int); INSERT INTO jobs VALUES (1), (2)',
      upstream: { holds: { mode: 'wait', wait: '30s' } },
    });
    try {
      const agent = await waiting.airlock.token('ops-bot', ['write:staging']);
      const client = agentClient(waiting, 'ops-bot', agent);
      await client.connect();
      const { store, clock, audit } = waiting.airlock.airlock.runtime;
      const held = nextRecord(audit, (r) => r.agent === 'ops-bot' && r.verdict === 'hold', 'the hold');
      const running = client.query('DELETE FROM jobs');
      const holdId = (await held).holdId!;
      await store.holds.addApproval(holdId, { operator: 'alice', at: clock().toISOString(), secondFactor: true });
      expect((await running).rowCount).toBe(2);
      await client.end();
    } finally {
      await waiting.close();
    }
  });

  it('answers with the hold when the client cancels the wait (Ctrl-C)', async () => {
    const waiting = await startPostgresWorld({ prefix: 'waitcancel', setup: 'CREATE TABLE jobs (id int)', upstream: { holds: { mode: 'wait', wait: '30s' } } });
    try {
      const agent = await waiting.airlock.token('ops-bot', ['write:staging']);
      const client = agentClient(waiting, 'ops-bot', agent);
      await client.connect();
      const held = nextRecord(waiting.airlock.airlock.runtime.audit, (r) => r.agent === 'ops-bot' && r.verdict === 'hold', 'the hold');
      const running = client.query('DROP TABLE jobs').catch((e: Error) => e);
      await held;
      const canceller = agentClient(waiting, 'ops-bot', agent) as unknown as { cancel(client: pg.Client, query: unknown): void };
      canceller.cancel(client, (client as unknown as { activeQuery: unknown }).activeQuery);
      const error = await running;
      expect(error).toMatchObject({ code: '42501' });
      expect((error as Error).message).toMatch(/Airlock is holding this operation/);
      await client.end();
    } finally {
      await waiting.close();
    }
  });
});
