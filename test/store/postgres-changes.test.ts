/**
 * Changes pushed between replicas on PostgreSQL: what one replica commits reaches the others'
 * caches by notification, and a replica whose listening connection is cut neither serves what
 * it cached nor stays deaf: it reads the store until it listens again.
 */
import pg from 'pg';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { openPostgresStore, type PostgresStore } from '../../src/store/postgres/index.js';
import type { StoreChange } from '../../src/store/store.js';
import { freshPostgresDatabase } from './stores.js';

let database: Awaited<ReturnType<typeof freshPostgresDatabase>>;
const opened: PostgresStore[] = [];
const open = async () => {
  const store = await openPostgresStore({ url: database.url, poolSize: 2, changes: { pollMs: 100, reconnectMs: 50 } });
  opened.push(store);
  return store;
};

beforeEach(async () => {
  database = await freshPostgresDatabase();
});
afterEach(async () => {
  await Promise.allSettled(opened.splice(0).map((store) => store.close()));
  await database.drop();
});

function nextChange(store: PostgresStore, table: string): Promise<StoreChange> {
  return new Promise((resolve) => {
    const unsubscribe = store.feed.subscribe((change) => {
      if (change !== 'resync' && change.table === table) {
        unsubscribe();
        resolve(change);
      }
    });
  });
}

async function killListeners(): Promise<number> {
  const client = new pg.Client({ connectionString: database.url });
  await client.connect();
  const result = await client.query(
    "SELECT pg_terminate_backend(pid) FROM pg_stat_activity WHERE datname = current_database() AND query LIKE 'LISTEN%' AND pid <> pg_backend_pid()",
  );
  await client.end();
  return result.rowCount ?? 0;
}

describe('changes between PostgreSQL replicas', () => {
  it('tells every replica of a stop, a revocation and a hold approval as they commit, naming the row', async () => {
    const [a, b] = [await open(), await open()];
    const heard = nextChange(b, 'control');
    await a.control.setStopAll({ reason: 'incident', by: 'ana', at: '2026-12-01T10:00:00.000Z' });
    expect(await heard).toEqual({ table: 'control', key: 'stopAll' });
    const token = nextChange(b, 'tokens');
    await a.tokens.insert({ id: 'tok_1', agent: 'bot', hash: 'h', scopes: [], label: undefined, createdAt: 'x', expiresAt: 'y', revokedAt: undefined });
    expect(await token).toEqual({ table: 'tokens', key: 'tok_1' });
    const held = nextChange(b, 'holds');
    const psql = new pg.Client({ connectionString: database.url });
    await psql.connect();
    // Any writer is covered, an operator's psql included: the triggers notify, not Airlock's code.
    await psql.query("INSERT INTO holds (id, status, agent, created_at, expires_at, body) VALUES ('hold_x', 'pending', 'bot', 'a', 'b', '{}')");
    await psql.end();
    expect(await held).toEqual({ table: 'holds', key: 'hold_x' });
  });

  it('a replica whose listening connection is cut reads the stop from the store at once, listens again, and hears the next change', async () => {
    const [a, b] = [await open(), await open()];
    expect((await b.control.get()).stopAll).toBeUndefined();
    const resynced = new Promise<void>((resolve) => {
      const unsubscribe = b.feed.subscribe((change) => {
        if (change === 'resync' && !b.feed.listening) {
          unsubscribe();
          resolve();
        }
      });
    });
    expect(await killListeners()).toBeGreaterThanOrEqual(2);
    await resynced;
    await a.control.setStopAll({ reason: 'incident', by: 'ana', at: '2026-12-01T10:00:00.000Z' });
    // Whether or not it listens yet, b does not answer from an old cache.
    expect((await b.control.get()).stopAll?.reason).toBe('incident');
    await expect.poll(() => b.feed.listening, { interval: 10, timeout: 5000 }).toBe(true);
    const heard = nextChange(b, 'control');
    await a.control.setStopAll(undefined);
    expect(await heard).toEqual({ table: 'control', key: 'stopAll' });
    expect((await b.control.get()).stopAll).toBeUndefined();
  });

  it('reports unhealthy when the database goes away, and a schema behind this version as not ready', async () => {
    const store = await open();
    expect(await store.health()).toEqual({ ok: true });
    const client = new pg.Client({ connectionString: database.url });
    await client.connect();
    await client.query("DELETE FROM schema_migrations WHERE id = '002-changes'");
    expect(await store.health()).toEqual({ ok: false, problem: 'migrations pending: 002-changes' });
    await client.end();
    await database.drop();
    const health = await store.health();
    expect(health.ok).toBe(false);
    expect(health.ok === false && health.problem).toMatch(/PostgreSQL does not answer/);
    // The test's own clean-up drops the database again: make that a no-op.
    database = { ...database, drop: async () => {} };
  });
});
