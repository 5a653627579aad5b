import Database from 'better-sqlite3';
import { mkdtempSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it, vi } from 'vitest';
import { verifyChain } from '../../audit/chain.js';
import { readCheckpoint } from '../../audit/checkpoint.js';
import type { AuditEntry } from '../records.js';
import { openSqliteStore } from './index.js';

let dir: string | undefined;
afterEach(() => {
  if (dir) rmSync(dir, { recursive: true, force: true });
  dir = undefined;
});

function open() {
  dir = mkdtempSync(join(tmpdir(), 'airlock-writer-'));
  const path = join(dir, 'airlock.db');
  const head = join(dir, 'audit.head');
  const store = openSqliteStore({ path, checkpoint: { path: head, key: undefined }, writerThread: true });
  return { path, head, store };
}

const entry = (n: number, operationClass: 'read' | 'write'): AuditEntry & { at: string } => ({
  type: 'decision',
  agent: 'deploy-bot',
  action: `graphql:call${n}`,
  class: operationClass,
  verdict: 'allow',
  at: new Date().toISOString(),
});

function rowsOf(path: string) {
  const db = new Database(path, { readonly: true });
  try {
    return db.prepare<[], { seq: number; body: string; hash: string }>('SELECT seq, body, hash FROM audit ORDER BY seq').all();
  } finally {
    db.close();
  }
}

describe('the audit writer thread', () => {
  it('answers a synced append only once the head kept apart names its record, with reads and writes in flight together', async () => {
    const { head, store } = open();
    try {
      // Reads and writes interleaved, all in flight at once, as the doors send them.
      const appends = Array.from({ length: 200 }, (_, n) => {
        const sync = n % 5 === 0;
        return store.audit.appendBatch([entry(n, sync ? 'write' : 'read')], { sync }).then(([record]) => {
          // The head file moves only after a sync of the WAL file that covered the record.
          if (sync) expect(readCheckpoint(head)).toMatchObject({ kind: 'ok', checkpoint: { seq: expect.toSatisfy((seq: number) => seq >= record!.seq) } });
          return record!;
        });
      });
      const records = await Promise.all(appends);
      expect(new Set(records.map((r) => r.seq)).size).toBe(200);
      expect(Math.max(...records.map((r) => r.seq))).toBe(200);
    } finally {
      await store.close();
    }
  });

  it('removes the budget claims a batch takes over in the commit that writes it', async () => {
    const { store } = open();
    try {
      const since = new Date(Date.now() - 60_000).toISOString();
      const claim = (at: string) =>
        store.budgetClaims.claim({ agent: 'deploy-bot', operationClass: 'write', since, limit: 2, at, expiresAt: new Date(Date.now() + 60_000).toISOString() });
      const taken = await claim(new Date().toISOString());
      expect(taken).toBeDefined();
      await store.audit.appendBatch([entry(1, 'write')], { sync: true, releaseClaims: [taken!] });
      // The record counts the unit and the claim no longer does: one of two left.
      expect(await claim(new Date().toISOString())).toBeDefined();
      expect(await claim(new Date().toISOString())).toBeUndefined();
    } finally {
      await store.close();
    }
  });

  it('syncs what was only committed when it closes: the head kept apart names the last record, and the chain verifies', async () => {
    const { path, head, store } = open();
    await Promise.all(Array.from({ length: 50 }, (_, n) => store.audit.appendBatch([entry(n, 'read')], { sync: false })));
    await store.close();
    expect(readCheckpoint(head)).toMatchObject({ kind: 'ok', checkpoint: { seq: 50 } });
    expect(verifyChain(rowsOf(path))).toMatchObject({ ok: true, count: 50 });
  });

  it('has the log copied back into the database file by its checkpointer, without being asked', async () => {
    const { path, store } = open();
    try {
      const before = statSync(path).size;
      await Promise.all(
        Array.from({ length: 20 }, (_, batch) =>
          store.audit.appendBatch(
            Array.from({ length: 50 }, (_, n) => ({ ...entry(batch * 50 + n, 'read'), summary: 'x'.repeat(500) })),
            { sync: false },
          ),
        ),
      );
      // Only a checkpoint writes the records' pages into the database file itself.
      await vi.waitFor(() => expect(statSync(path).size).toBeGreaterThan(before + 500 * 1000), { timeout: 15_000, interval: 50 });
    } finally {
      await store.close();
    }
  });
});
