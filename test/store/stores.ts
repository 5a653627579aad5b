/**
 * The stores the conformance suite runs against, each opened fresh for every test: SQLite on a
 * new file, PostgreSQL on a new database. `open` may be called again for a second process's view
 * of the same state (another replica, the CLI).
 */
import { randomBytes } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import pg from 'pg';
import { openPostgresStore } from '../../src/store/postgres/index.js';
import { openSqliteStore } from '../../src/store/sqlite/index.js';
import type { Store } from '../../src/store/store.js';
import { testPgAdmin, testPgUrl } from '../support/postgres.js';

export interface StoreFixture {
  /** Opens (another connection to) this test's store. */
  open(): Promise<Store>;
  /** A postgres:// URL or a file path: where this test's state is. */
  readonly location: string;
  readonly dir: string;
  dispose(): Promise<void>;
}

export interface StoreKind {
  readonly name: 'sqlite' | 'postgres';
  fresh(): Promise<StoreFixture>;
}

async function admin<T>(work: (client: pg.Client) => Promise<T>): Promise<T> {
  const client = new pg.Client(testPgAdmin());
  await client.connect();
  try {
    return await work(client);
  } finally {
    await client.end();
  }
}

/** A database of its own, dropped afterwards (with whatever connections a killed test left). */
export async function freshPostgresDatabase(): Promise<{ name: string; url: string; drop(): Promise<void> }> {
  const name = `airlock_test_${randomBytes(6).toString('hex')}`;
  await admin((client) => client.query(`CREATE DATABASE ${name}`));
  return {
    name,
    url: testPgUrl(name),
    drop: () => admin((client) => client.query(`DROP DATABASE IF EXISTS ${name} WITH (FORCE)`)).then(() => undefined),
  };
}

function tracked(open: () => Promise<Store>): { open(): Promise<Store>; closeAll(): Promise<void> } {
  const opened: Store[] = [];
  return {
    async open() {
      const store = await open();
      opened.push(store);
      return store;
    },
    async closeAll() {
      await Promise.allSettled(opened.map((store) => store.close()));
    },
  };
}

export const STORE_KINDS: readonly StoreKind[] = [
  {
    name: 'sqlite',
    async fresh() {
      const dir = mkdtempSync(join(tmpdir(), 'airlock-store-'));
      const path = join(dir, 'airlock.db');
      const stores = tracked(async () => openSqliteStore({ path, checkpoint: { path: join(dir, 'audit.head'), key: undefined } }));
      return {
        open: stores.open,
        location: path,
        dir,
        async dispose() {
          await stores.closeAll();
          rmSync(dir, { recursive: true, force: true });
        },
      };
    },
  },
  {
    name: 'postgres',
    async fresh() {
      const dir = mkdtempSync(join(tmpdir(), 'airlock-store-'));
      const database = await freshPostgresDatabase();
      const stores = tracked(() =>
        openPostgresStore({ url: database.url, poolSize: 4, checkpoint: { path: join(dir, 'audit.head'), key: undefined }, changes: { pollMs: 100 } }),
      );
      return {
        open: stores.open,
        location: database.url,
        dir,
        async dispose() {
          await stores.closeAll();
          await database.drop();
          rmSync(dir, { recursive: true, force: true });
        },
      };
    },
  },
];
