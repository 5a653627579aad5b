import Database from 'better-sqlite3';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { emptyBaseline } from '../../baseline/model.js';
import type { Baseline } from '../records.js';
import { migrate, openDatabase } from './database.js';
import { openSqliteStore } from './index.js';
import { writesThatYield } from './writes.js';

let dir: string | undefined;
const opened: { close(): unknown }[] = [];
afterEach(async () => {
  for (const item of opened.splice(0)) await item.close();
  if (dir) rmSync(dir, { recursive: true, force: true });
  dir = undefined;
});

function file(): string {
  dir = mkdtempSync(join(tmpdir(), 'airlock-writes-'));
  return join(dir, 'airlock.db');
}

/** Another process's connection on the same file, holding the write lock until it commits. */
function lockHolder(path: string): { commit(): void } {
  const other = new Database(path);
  opened.push(other);
  other.exec('BEGIN IMMEDIATE');
  return { commit: () => other.exec('COMMIT') };
}

function readFreeze(path: string): unknown {
  const reader = new Database(path, { readonly: true });
  try {
    return reader.prepare<[], { value: string }>("SELECT value FROM control WHERE key = 'freeze'").get()?.value;
  } finally {
    reader.close();
  }
}

const turns = async (n: number) => {
  for (let i = 0; i < n; i++) await new Promise((resolve) => setImmediate(resolve));
};

describe('writes on the doors’ connection', () => {
  it('wait for a lock another connection holds without holding up the event loop, then land', async () => {
    const path = file();
    const store = openSqliteStore({ path, writerThread: true });
    opened.push({ close: () => store.close() });
    const lock = lockHolder(path);

    let landed = false;
    const freeze = { reason: 'incident 42', by: 'alice', at: new Date().toISOString() };
    const writing = store.control.setFreeze(freeze).then(() => (landed = true));
    // This thread keeps running while the write waits: with SQLite's own busy wait it would have
    // slept here until its timeout and failed, since the lock is released only below.
    await turns(50);
    expect(landed).toBe(false);
    expect(readFreeze(path)).toBeUndefined();

    lock.commit();
    await writing;
    expect(JSON.parse(readFreeze(path) as string)).toEqual(freeze);
    expect((await store.control.get()).freeze).toEqual(freeze);
  });

  it('give up with a clear error after the lock wait, having written nothing', async () => {
    const path = file();
    const db = openDatabase(path);
    opened.push(db);
    migrate(db);
    const lock = lockHolder(path);
    const write = writesThatYield(db, 50);
    const insert = db.prepare("INSERT INTO control (key, value) VALUES ('freeze', '{}')");

    await expect(write(() => insert.run())).rejects.toThrow(/write lock was held by another connection for \d+ ms; nothing was written/);
    lock.commit();
    expect(readFreeze(path)).toBeUndefined();
    // The connection is left as it was: its own busy timeout still applies to what it reads.
    expect(db.pragma('busy_timeout', { simple: true })).toBe(5000);
  });

  it('pass on errors other than a taken lock at once', async () => {
    const db = openDatabase(file());
    opened.push(db);
    migrate(db);
    const write = writesThatYield(db);
    await expect(write(() => db.prepare('INSERT INTO no_such_table VALUES (1)').run())).rejects.toThrow(/no such table/);
  });
});

describe('a baseline update', () => {
  const learned = (current: Baseline | undefined, by: number, at: string): Baseline => {
    const base = current ?? emptyBaseline('deploy-bot', at);
    return { ...base, operations: base.operations + by };
  };

  it('keeps what another process stored while it was computing, and adds its own on top', async () => {
    const path = file();
    const store = openSqliteStore({ path, writerThread: true });
    const replica = openSqliteStore({ path });
    opened.push({ close: () => store.close() }, { close: () => replica.close() });
    const at = new Date().toISOString();
    await store.baselines.update('deploy-bot', at, (current) => learned(current, 1, at));

    let calls = 0;
    const stored = await store.baselines.update('deploy-bot', at, (current) => {
      calls += 1;
      // The first time, another process stores 10 learned operations of its own in between.
      if (calls === 1) void replica.baselines.update('deploy-bot', at, (theirs) => learned(theirs, 10, at));
      return learned(current, 100, at);
    });

    expect(calls).toBe(2);
    expect(stored.operations).toBe(111);
    expect((await replica.baselines.get('deploy-bot'))?.operations).toBe(111);
  });
});
