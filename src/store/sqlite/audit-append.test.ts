import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { verifyChain } from '../../audit/chain.js';
import { readCheckpoint } from '../../audit/checkpoint.js';
import { createAppender } from './audit-append.js';
import { migrate, openDatabase } from './database.js';

function setup() {
  const dir = mkdtempSync(join(tmpdir(), 'airlock-append-'));
  const db = openDatabase(join(dir, 'a.db'));
  migrate(db);
  const head = join(dir, 'audit.head');
  const appender = createAppender(db, { path: head, key: undefined });
  return { dir, db, head, appender };
}
const entry = (n: number) => ({ type: 'decision', action: `a${n}`, at: '2026-11-30T00:00:00.000Z' });

describe('appending audit records', () => {
  it('chains records across batches', () => {
    const { appender } = setup();
    const [first] = appender.append([entry(1)]);
    const [second, third] = appender.append([entry(2), entry(3)]);
    expect(second!.prev).toBe(first!.hash);
    expect(third!.prev).toBe(second!.hash);
    expect(third!.seq).toBe(3);
  });

  it('moves the checkpoint only past records that were synced to disk', () => {
    const { appender, head } = setup();
    appender.append([entry(1)]);
    expect(readCheckpoint(head)).toMatchObject({ kind: 'ok', checkpoint: { seq: 1 } });
    appender.append([entry(2)], { sync: false });
    expect(appender.pending).toBe(true);
    expect(readCheckpoint(head)).toMatchObject({ kind: 'ok', checkpoint: { seq: 1 } });
    // What a sync of the WAL file made elsewhere covers: what was committed when it began.
    const began = appender.head!;
    appender.append([entry(3)], { sync: false });
    appender.synced(began);
    expect(readCheckpoint(head)).toMatchObject({ kind: 'ok', checkpoint: { seq: 2 } });
    expect(appender.pending).toBe(true);
    appender.synced(appender.head!);
    expect(appender.pending).toBe(false);
    expect(readCheckpoint(head)).toMatchObject({ kind: 'ok', checkpoint: { seq: 3 } });
  });

  it('syncs earlier unsynced records with the next synced batch', () => {
    const { appender, head } = setup();
    appender.append([entry(1)], { sync: false });
    appender.append([entry(2)], { sync: true });
    expect(appender.pending).toBe(false);
    expect(readCheckpoint(head)).toMatchObject({ kind: 'ok', checkpoint: { seq: 2 } });
  });

  it('chains after records another connection appended since, without forking the chain', () => {
    const { dir, db, head, appender } = setup();
    const other = createAppender(openDatabase(join(dir, 'a.db')), { path: head, key: undefined });
    appender.append([entry(1), entry(2)]);
    other.append([entry(3)]);
    const [fourth] = appender.append([entry(4), entry(5)]);
    other.append([entry(6)]);
    appender.append([entry(7)]);
    expect(fourth!.seq).toBe(4);
    const rows = db.prepare<[], { seq: number; body: string; hash: string }>('SELECT seq, body, hash FROM audit ORDER BY seq').all();
    expect(rows.map((r) => JSON.parse(r.body).action)).toEqual(['a1', 'a2', 'a3', 'a4', 'a5', 'a6', 'a7']);
    expect(verifyChain(rows)).toMatchObject({ ok: true, count: 7 });
  });

  it('writes a batch larger than one insert statement holds, in order', () => {
    const { db, appender } = setup();
    const records = appender.append(Array.from({ length: 150 }, (_, i) => entry(i)));
    expect(records.map((r) => r.seq)).toEqual(Array.from({ length: 150 }, (_, i) => i + 1));
    const rows = db.prepare<[], { seq: number; body: string; hash: string }>('SELECT seq, body, hash FROM audit ORDER BY seq').all();
    expect(verifyChain(rows)).toMatchObject({ ok: true, count: 150 });
  });

  it('commits a batch without a sync with synchronous NORMAL, and a synced one with FULL', () => {
    const { db, appender } = setup();
    appender.append([entry(1)], { sync: false });
    expect(db.pragma('synchronous', { simple: true })).toBe(1);
    appender.append([entry(2)], { sync: true });
    expect(db.pragma('synchronous', { simple: true })).toBe(2);
  });
});
