import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { migrate, openDatabase } from '../database.js';
import { openSqliteStore } from '../index.js';
import { MIGRATIONS } from './index.js';

let dir: string | undefined;
afterEach(() => {
  if (dir) rmSync(dir, { recursive: true, force: true });
  dir = undefined;
});

/** A hold as Airlock wrote it before holds carried their operation as one value. */
const OLD_HOLD = {
  id: 'hold_0123456789abcdefghij',
  status: 'pending',
  createdAt: '2026-11-30T12:00:00.000Z',
  expiresAt: '2026-11-30T13:00:00.000Z',
  agent: 'deploy-bot',
  tokenId: 'tok_1',
  door: 'http',
  upstream: 'railway',
  action: 'graphql:volumeDelete',
  class: 'destructive',
  environment: 'production',
  resources: ['vol_1'],
  parts: [{ action: 'graphql:volumeDelete', class: 'destructive', resources: ['vol_1'], text: 'volumeDelete(volumeId: "vol_1")' }],
  digest: 'a'.repeat(64),
  summary: 'mutation { volumeDelete(volumeId: "vol_1") }',
  reasons: ['destructive operations need a human'],
  policies: ['airlock/human-approval'],
  needs: { approvals: 1, secondFactor: true, delaySeconds: 0 },
  request: { method: 'POST', path: '/graphql' },
  approvals: [],
};

describe('SQLite migrations', () => {
  it('fold an older hold’s operation fields into one operation value, and the hold still reads and approves', async () => {
    dir = mkdtempSync(join(tmpdir(), 'airlock-migrate-'));
    const path = join(dir, 'airlock.db');
    const before = MIGRATIONS.findIndex((m) => m.id === '006-hold-operation');
    const db = openDatabase(path);
    migrate(db, MIGRATIONS.slice(0, before));
    const insert = db.prepare('INSERT INTO holds (id, status, agent, created_at, expires_at, run_at, body) VALUES (?, ?, ?, ?, ?, NULL, ?)');
    insert.run(OLD_HOLD.id, 'pending', 'deploy-bot', OLD_HOLD.createdAt, OLD_HOLD.expiresAt, JSON.stringify(OLD_HOLD));
    const hook = { ...OLD_HOLD, id: 'hold_abcdefghij0123456789', door: 'hook', upstream: undefined, action: 'shell:rm' };
    insert.run(hook.id, 'pending', 'deploy-bot', hook.createdAt, hook.expiresAt, JSON.stringify(hook));
    db.close();

    const store = openSqliteStore({ path });
    try {
      const hold = await store.holds.get(OLD_HOLD.id);
      expect(hold?.operation).toEqual({
        door: 'http',
        upstream: 'railway',
        action: 'graphql:volumeDelete',
        class: 'destructive',
        environment: 'production',
        resources: ['vol_1'],
        parts: OLD_HOLD.parts,
        digest: OLD_HOLD.digest,
        summary: OLD_HOLD.summary,
      });
      expect(hold).not.toHaveProperty('action');
      expect(hold).toMatchObject({ agent: 'deploy-bot', request: OLD_HOLD.request, needs: OLD_HOLD.needs });
      const hookHold = await store.holds.get(hook.id);
      expect(hookHold?.operation).not.toHaveProperty('upstream');
      expect(hookHold?.operation.action).toBe('shell:rm');
      const approved = await store.holds.addApproval(OLD_HOLD.id, { operator: 'ana', at: '2026-11-30T12:05:00.000Z', secondFactor: true });
      expect(approved).toMatchObject({ ok: true, hold: { status: 'approved', operation: { digest: OLD_HOLD.digest } } });
    } finally {
      await store.close();
    }
  });

  it('give records written before the class column their class, so that they still count against a budget', async () => {
    dir = mkdtempSync(join(tmpdir(), 'airlock-migrate-'));
    const path = join(dir, 'airlock.db');
    const db = openDatabase(path);
    migrate(
      db,
      MIGRATIONS.slice(
        0,
        MIGRATIONS.findIndex((m) => m.id === '010-audit-class'),
      ),
    );
    const body = { type: 'decision', agent: 'deploy-bot', class: 'write', verdict: 'allow', at: '2026-11-30T12:00:00.000Z', seq: 1, prev: '0'.repeat(64) };
    db.prepare('INSERT INTO audit (seq, at, type, agent, verdict, body, hash) VALUES (1, ?, ?, ?, ?, ?, ?)').run(
      body.at,
      'decision',
      'deploy-bot',
      'allow',
      JSON.stringify(body),
      'f'.repeat(64),
    );
    db.close();

    const store = openSqliteStore({ path });
    try {
      expect(await store.activity.nthAllowedSince('deploy-bot', 'write', '2026-11-30T11:00:00.000Z', 1)).toBe(body.at);
      expect(await store.activity.nthAllowedSince('deploy-bot', 'read', '2026-11-30T11:00:00.000Z', 1)).toBeUndefined();
    } finally {
      await store.close();
    }
  });

  it('give a record an older build inserts without its class, after the upgrade, its class, so that it counts against a budget', async () => {
    dir = mkdtempSync(join(tmpdir(), 'airlock-migrate-'));
    const path = join(dir, 'airlock.db');
    openSqliteStore({ path }).close();
    // What a build from before migration 010 sends: it does not know the class column.
    const db = openDatabase(path);
    const insert = db.prepare('INSERT INTO audit (seq, at, type, agent, verdict, body, hash) VALUES (?, ?, ?, ?, ?, ?, ?)');
    const old = (seq: number, verdict: string, operationClass: string) => {
      const body = { type: 'decision', agent: 'deploy-bot', class: operationClass, verdict, at: `2026-11-30T12:00:0${seq}.000Z`, seq, prev: '0'.repeat(64) };
      insert.run(seq, body.at, 'decision', 'deploy-bot', verdict, JSON.stringify(body), 'f'.repeat(64));
      return body.at;
    };
    const allowed = old(1, 'allow', 'destructive');
    old(2, 'deny', 'destructive');
    db.close();

    const store = openSqliteStore({ path });
    try {
      expect(await store.activity.nthAllowedSince('deploy-bot', 'destructive', '2026-11-30T11:00:00.000Z', 1)).toBe(allowed);
      // The refusal is not an operation that ran: it still does not count.
      expect(await store.activity.nthAllowedSince('deploy-bot', 'destructive', '2026-11-30T11:00:00.000Z', 2)).toBeUndefined();
    } finally {
      await store.close();
    }
  });
});
