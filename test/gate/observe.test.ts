/**
 * Observe mode through the PostgreSQL door, with node-postgres and the real CLI: what would be
 * held is forwarded and recorded as such, and neither the stop nor a freeze is ever lifted by it.
 */
import type pg from 'pg';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { AuditRecord } from '../../src/store/records.js';
import { agentClient, startPostgresWorld, type PostgresWorld } from '../doors/postgres/support.js';

const SETUP = `
CREATE TABLE scratch (id int);
INSERT INTO scratch SELECT generate_series(1, 10);
CREATE TABLE keep (id int);
INSERT INTO keep VALUES (1);
`;

let world: PostgresWorld;
let client: pg.Client;

beforeAll(async () => {
  world = await startPostgresWorld({ prefix: 'observe', setup: SETUP, config: { postgres: { plaintext: 'loopback' } } });
  const token = await world.airlock.token('new-bot', ['read:*', 'write:*']);
  client = agentClient(world, 'new-bot', token);
  await client.connect();
});

afterAll(async () => {
  await client?.end();
  await world?.close();
});

const cli = (...args: string[]) => {
  const run = world.airlock.cli(args);
  expect(run.status, run.stderr).toBe(0);
  return run.stdout;
};
const rows = async (table: string) => Number((await world.db.query(`SELECT count(*) AS n FROM ${table}`)).rows[0]!.n);
const lastDecision = async () => {
  const [record] = await world.airlock.airlock.runtime.store.audit.list({ type: 'decision', newestFirst: true, limit: 1 });
  return record as AuditRecord;
};

describe('observe mode', () => {
  it('holds a destructive statement before observe mode is on', async () => {
    await expect(client.query('DELETE FROM scratch')).rejects.toMatchObject({ code: '42501' });
    expect(await rows('scratch')).toBe(10);
  });

  it('forwards it while the agent is observed, and records what would have happened', async () => {
    expect(cli('agent', 'observe', 'new-bot', '--for', '7d')).toMatch(/observe mode until \d{4}-/);
    expect(cli('agent', 'list')).toMatch(/new-bot\s+active\s+(-\s+)?until \d{4}-/);
    await client.query('DELETE FROM scratch');
    expect(await rows('scratch')).toBe(0);
    const record = await lastDecision();
    expect(record.verdict).toBe('allow');
    expect(record.class).toBe('destructive');
    expect(record.reasons![0]).toMatch(/^observe mode until .*: forwarded, but would have been held for a human/);
    expect(record.policies).toContain('airlock/observe');
    expect(record.detail?.observed).toMatchObject({ verdict: 'hold' });
  });

  it('never forwards during a freeze', async () => {
    cli('freeze', 'start', '--reason', 'release');
    try {
      await expect(client.query('DROP TABLE keep')).rejects.toMatchObject({ code: '42501' });
      expect(await rows('keep')).toBe(1);
    } finally {
      cli('freeze', 'end');
    }
  });

  it('never forwards for a stopped agent', async () => {
    cli('stop', '--agent', 'new-bot', '--reason', 'enough');
    try {
      await expect(client.query('DROP TABLE keep')).rejects.toMatchObject({ code: '42501' });
      expect(await rows('keep')).toBe(1);
    } finally {
      cli('resume', '--agent', 'new-bot');
    }
  });

  it('holds again once it is turned off', async () => {
    expect(cli('agent', 'observe', 'new-bot', '--off')).toMatch(/no longer in observe mode/);
    await expect(client.query('DROP TABLE keep')).rejects.toMatchObject({ code: '42501' });
    expect(await rows('keep')).toBe(1);
  });

  it('refuses a duration it cannot read, or longer than 90 days', () => {
    expect(world.airlock.cli(['agent', 'observe', 'new-bot', '--for', 'a week']).stderr).toMatch(/expected a duration/);
    expect(world.airlock.cli(['agent', 'observe', 'new-bot', '--for', '91d']).stderr).toMatch(/at most 90 days/);
  });
});
