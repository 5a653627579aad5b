/**
 * Moving an installation from SQLite to PostgreSQL with `airlock store migrate`: a real Airlock
 * runs on SQLite, its state is copied into a fresh PostgreSQL database, and an Airlock started on
 * PostgreSQL with the same secret key carries on where the first stopped. Runs the built CLI
 * (npm run build first).
 */
import type { ChildProcess } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { rmSync } from 'node:fs';
import { join } from 'node:path';
import Database from 'better-sqlite3';
import pg from 'pg';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { totpCode } from '../../src/identity/totp.js';
import { COPIED_TABLES } from '../../src/store/migrate.js';
import { runCli, startAirlockProcess, writeTestConfig } from '../support/airlock.js';
import { startRecordingServer, type RecordingServer } from '../holds/support.js';
import { freshPostgresDatabase } from './stores.js';

const SHARED = { AIRLOCK_SECRET_KEY: randomBytes(32).toString('hex') };

let upstream: RecordingServer;
let sqlite: { dir: string; configPath: string; storePath: string };
let postgres: { dir: string; configPath: string };
const databases: Awaited<ReturnType<typeof freshPostgresDatabase>>[] = [];
let database: Awaited<ReturnType<typeof freshPostgresDatabase>>;
let readToken: string;
let operatorSecret: string;
let holdId: string;
let running: ChildProcess | undefined;

const cli = (configPath: string, ...args: string[]) => runCli(['--config', configPath, ...args], { env: SHARED });
const ok = (configPath: string, ...args: string[]) => {
  const result = cli(configPath, ...args);
  if (result.status !== 0) throw new Error(`airlock ${args.join(' ')} failed (${result.status}): ${result.stderr}`);
  return result.stdout;
};
const migrate = (from: string, url: string, ...extra: string[]) =>
  runCli(['store', 'migrate', '--from', `sqlite:${from}`, '--to', `postgres:${url}`, ...extra], { env: SHARED });

function stop(child: ChildProcess | undefined): Promise<void> {
  return new Promise((resolve) => {
    if (!child || child.exitCode !== null || child.signalCode !== null) return resolve();
    child.once('exit', () => resolve());
    child.kill('SIGTERM');
  });
}

async function query<T extends pg.QueryResultRow>(url: string, sql: string): Promise<T[]> {
  const client = new pg.Client({ connectionString: url });
  await client.connect();
  try {
    return (await client.query<T>(sql)).rows;
  } finally {
    await client.end();
  }
}

const upstreamConfig = () => [
  {
    name: 'api',
    kind: 'rest',
    url: upstream.url,
    environment: 'production',
    rules: [
      { method: 'GET', path: '/v1/items/{itemId}', class: 'read', action: 'itemGet' },
      { method: 'DELETE', path: '/v1/volumes/{volumeId}', class: 'destructive', action: 'volumeDelete' },
    ],
  },
];

beforeAll(async () => {
  upstream = await startRecordingServer();
  const written = writeTestConfig({ config: { upstreams: upstreamConfig() } });
  sqlite = { ...written, storePath: join(written.dir, 'data', 'airlock.db') };
  ok(sqlite.configPath, 'agent', 'add', 'deploy-bot');
  ok(sqlite.configPath, 'agent', 'add', 'report-bot', '--description', 'reads only');
  readToken = (JSON.parse(ok(sqlite.configPath, 'token', 'issue', '--agent', 'deploy-bot', '--scope', 'read:production', '--json')) as { token: string }).token;
  const writeToken = (
    JSON.parse(ok(sqlite.configPath, 'token', 'issue', '--agent', 'deploy-bot', '--scope', 'write:production', '--json')) as { token: string }
  ).token;
  operatorSecret = (JSON.parse(ok(sqlite.configPath, 'operator', 'add', 'alice', '--json')) as { secret: string }).secret;

  const first = await startAirlockProcess(sqlite.configPath, SHARED);
  running = first.process;
  for (const item of ['a', 'b', 'c']) {
    const response = await fetch(`${first.url}/u/api/v1/items/${item}`, { headers: { authorization: `Bearer ${readToken}` } });
    expect(response.status).toBe(200);
  }
  const held = await fetch(`${first.url}/u/api/v1/volumes/vol-old`, { method: 'DELETE', headers: { authorization: `Bearer ${writeToken}` } });
  // A hold is a 403 with the hold named: nothing was done yet.
  expect(held.status).toBe(403);
  const holds = JSON.parse(ok(sqlite.configPath, 'hold', 'list', '--json')) as { id: string }[];
  holdId = holds[0]!.id;
  // Writes stopped: the process is gone before its store is copied.
  await stop(running);
  running = undefined;

  database = await freshPostgresDatabase();
  databases.push(database);
  // The same data folder, so the PostgreSQL Airlock verifies against the checkpoint SQLite kept.
  postgres = writeTestConfig({ config: { store: { postgres: database.url }, dataDir: join(sqlite.dir, 'data'), upstreams: upstreamConfig() } });
}, 120_000);

afterAll(async () => {
  await stop(running);
  await upstream?.close();
  for (const each of databases) await each.drop();
  for (const dir of [sqlite?.dir, postgres?.dir]) if (dir) rmSync(dir, { recursive: true, force: true });
});

describe('airlock store migrate', () => {
  it('copies every table into PostgreSQL with the audit chain intact, and Airlock carries on there', async () => {
    const result = migrate(sqlite.storePath, database.url, '--progress', '2');
    expect(result.status, result.stderr).toBe(0);
    expect(result.stdout).toMatch(/audit verify: ok, \d+ records, chain intact up to record \d+ .*checkpoint at record \d+ matches/);
    expect(result.stderr).toMatch(/audit: \d+ of \d+ records copied/);

    // The counts it printed are the rows on both sides.
    const source = new Database(sqlite.storePath, { readonly: true });
    const sourceAudit = source.prepare('SELECT seq, body, hash FROM audit ORDER BY seq').all() as { seq: number; body: string; hash: string }[];
    for (const table of COPIED_TABLES) {
      const inSqlite = (source.prepare(`SELECT count(*) AS n FROM ${table}`).get() as { n: number }).n;
      const [inPostgres] = await query<{ n: number }>(database.url, `SELECT count(*)::int AS n FROM ${table}`);
      expect({ table, rows: inPostgres!.n }).toEqual({ table, rows: inSqlite });
      expect(result.stdout).toMatch(new RegExp(`^${table}\\s+${inSqlite}$`, 'm'));
    }
    const tokenHashes = source.prepare('SELECT id, hash FROM tokens ORDER BY id').all();
    source.close();
    expect(await query(database.url, 'SELECT id, hash FROM tokens ORDER BY id')).toEqual(tokenHashes);
    const copiedAudit = await query<{ seq: number; body: string; hash: string }>(database.url, 'SELECT seq::int AS seq, body, hash FROM audit ORDER BY seq');
    expect(copiedAudit).toEqual(sourceAudit);
    const [head] = await query<{ seq: number; hash: string }>(database.url, 'SELECT seq::int AS seq, hash FROM audit_head');
    expect(head).toEqual({ seq: sourceAudit.at(-1)!.seq, hash: sourceAudit.at(-1)!.hash });

    const second = await startAirlockProcess(postgres.configPath, SHARED);
    running = second.process;
    // The token issued on SQLite still authenticates: its hash came over, and nothing else is needed.
    const read = await fetch(`${second.url}/u/api/v1/items/after-move`, { headers: { authorization: `Bearer ${readToken}` } });
    expect(read.status).toBe(200);
    expect(upstream.received.some((r) => r.url === '/v1/items/after-move')).toBe(true);

    const holds = JSON.parse(ok(postgres.configPath, 'hold', 'list', '--json')) as { id: string; status: string }[];
    expect(holds).toEqual([expect.objectContaining({ id: holdId, status: 'pending' })]);
    // The operator's second factor, sealed with the secret key on SQLite, still opens.
    ok(postgres.configPath, 'hold', 'approve', holdId, '--as', 'alice', '--code', totpCode(operatorSecret, new Date()));
    const [approved] = await query<{ status: string }>(database.url, `SELECT status FROM holds WHERE id = '${holdId}'`);
    expect(approved!.status).not.toBe('pending');

    const verify = cli(postgres.configPath, 'audit', 'verify');
    expect(verify.status, verify.stderr).toBe(0);
    expect(verify.stdout).toMatch(/^ok: \d+ records, chain intact.*checkpoint at record \d+ matches/);
    // The records written on PostgreSQL continue the chain SQLite began.
    const after = await query<{ seq: number; body: string; hash: string }>(database.url, 'SELECT seq::int AS seq, body, hash FROM audit ORDER BY seq');
    expect(after.length).toBeGreaterThan(sourceAudit.length);
    expect(after.slice(0, sourceAudit.length)).toEqual(sourceAudit);
    expect((JSON.parse(after[sourceAudit.length]!.body) as { prev: string }).prev).toBe(sourceAudit.at(-1)!.hash);
  }, 120_000);

  it('refuses a target that already holds data, and leaves it as it was', async () => {
    const before = await query<{ n: number }>(database.url, 'SELECT count(*)::int AS n FROM audit');
    const result = migrate(sqlite.storePath, database.url);
    expect(result.status).toBe(1);
    expect(result.stderr).toMatch(/already holds data: agents \(2\).*nothing was written/);
    expect(await query(database.url, 'SELECT count(*)::int AS n FROM audit')).toEqual(before);
  }, 60_000);

  it('leaves the target empty when the copied audit log does not verify', async () => {
    const broken = join(sqlite.dir, 'broken.db');
    const source = new Database(sqlite.storePath, { readonly: true });
    await source.backup(broken);
    source.close();
    const edit = new Database(broken);
    edit.prepare("UPDATE audit SET body = replace(body, 'itemGet', 'itemGot') WHERE seq = (SELECT min(seq) FROM audit WHERE body LIKE '%itemGet%')").run();
    edit.close();
    const target = await freshPostgresDatabase();
    databases.push(target);
    const result = migrate(broken, target.url, '--head', join(sqlite.dir, 'data', 'audit.head'));
    expect(result.status).toBe(1);
    expect(result.stderr).toMatch(/does not verify \(record \d+, edited: its content does not match its hash\); nothing was written/);
    for (const table of COPIED_TABLES) {
      expect(await query(target.url, `SELECT count(*)::int AS n FROM ${table}`)).toEqual([{ n: 0 }]);
    }
    expect(await query(target.url, 'SELECT seq::int AS seq FROM audit_head')).toEqual([{ seq: 0 }]);
  }, 60_000);

  it('refuses a password written into the target URL, without echoing it', () => {
    const withPassword = new URL(database.url);
    withPassword.password = 'hunter2-secret';
    const result = migrate(sqlite.storePath, withPassword.toString());
    expect(result.status).toBe(2);
    expect(result.stderr).toMatch(/leave the password out of the URL; set PGPASSWORD/);
    expect(result.stderr + result.stdout).not.toContain('hunter2-secret');
  });
});
