/**
 * Three Airlock processes on one PostgreSQL database, as behind a load balancer: a hold approved
 * on one releases the request waiting on another, a stop pulled on one refuses on all, and a
 * replica killed mid-load loses no record of what it forwarded while the chain still verifies.
 * Runs the built CLI (npm run build first).
 */
import type { ChildProcess } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { rmSync } from 'node:fs';
import pg from 'pg';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { totpCode } from '../../src/identity/totp.js';
import { runCli, startAirlockProcess, writeTestConfig } from '../support/airlock.js';
import { runCliAsync } from '../console/support.js';
import { startRecordingServer, type RecordingServer } from '../holds/support.js';
import { freshPostgresDatabase } from './stores.js';

type Replica = Awaited<ReturnType<typeof startAirlockProcess>> & { configPath: string; dir: string };

let database: Awaited<ReturnType<typeof freshPostgresDatabase>>;
let upstream: RecordingServer;
const replicas: Replica[] = [];
let readToken: string;
let writeToken: string;
let secret: string;
let operatorKey: string;

/** Every replica shares the key that seals operators' second-factor secrets (docs/deployment.md). */
const SHARED = { AIRLOCK_SECRET_KEY: randomBytes(32).toString('hex') };

const cli = (configPath: string, ...args: string[]) => {
  const result = runCli(['--config', configPath, ...args], { env: SHARED });
  if (result.status !== 0) throw new Error(`airlock ${args.join(' ')} failed (${result.status}): ${result.stderr}`);
  return result.stdout;
};

/** The CLI as an operator runs it against one replica: its URL and an operator key, no config. */
const remote = (replica: Replica, ...args: string[]) =>
  runCliAsync(args, { ...SHARED, AIRLOCK_CONFIG: '/nonexistent/airlock.yaml', AIRLOCK_URL: replica.url, AIRLOCK_API_KEY: operatorKey });

const get = (replica: Replica, item: string) => fetch(`${replica.url}/u/api/v1/items/${item}`, { headers: { authorization: `Bearer ${readToken}` } });

function kill(child: ChildProcess, signal: NodeJS.Signals = 'SIGKILL'): Promise<void> {
  return new Promise((resolve) => {
    if (child.exitCode !== null || child.signalCode !== null) return resolve();
    child.once('exit', () => resolve());
    child.kill(signal);
  });
}

function percentile(sorted: readonly number[], p: number): number {
  return sorted[Math.min(sorted.length - 1, Math.ceil((p / 100) * sorted.length) - 1)]!;
}

beforeAll(async () => {
  database = await freshPostgresDatabase();
  upstream = await startRecordingServer();
  for (let i = 0; i < 3; i++) {
    const { dir, configPath } = writeTestConfig({
      config: {
        store: { postgres: database.url },
        holds: { mode: 'wait', wait: '60s' },
        // The replicas are under test, not the behaviour baseline: its signals would hold the load.
        baseline: { ignore: ['first-destructive', 'first-environment', 'first-upstream', 'refusal-burst', 'rate-burst'], suspendOn: [] },
        upstreams: [
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
        ],
      },
    });
    replicas.push({ dir, configPath } as Replica);
  }
  // One store: what the CLI writes through the first replica's config, every replica sees.
  const first = replicas[0]!.configPath;
  cli(first, 'agent', 'add', 'deploy-bot');
  readToken = (JSON.parse(cli(first, 'token', 'issue', '--agent', 'deploy-bot', '--scope', 'read:production', '--json')) as { token: string }).token;
  writeToken = (JSON.parse(cli(first, 'token', 'issue', '--agent', 'deploy-bot', '--scope', 'write:production', '--json')) as { token: string }).token;
  secret = (JSON.parse(cli(first, 'operator', 'add', 'alice', '--json')) as { secret: string }).secret;
  operatorKey = (JSON.parse(cli(first, 'operator', 'key', 'issue', 'alice', '--label', 'ops', '--json')) as { key: string }).key;
  const started = await Promise.all(replicas.map((replica) => startAirlockProcess(replica.configPath, SHARED)));
  started.forEach((process, i) => {
    Object.assign(replicas[i]!, process);
  });
}, 180_000);

afterAll(async () => {
  await Promise.all(replicas.map((replica) => (replica.process ? kill(replica.process) : undefined)));
  await upstream?.close();
  await database?.drop();
  for (const replica of replicas) rmSync(replica.dir, { recursive: true, force: true });
});

describe('three replicas on one PostgreSQL', () => {
  it('forwards a request waiting on the first replica once an operator approves its hold on the third', async () => {
    const [a, , c] = replicas as [Replica, Replica, Replica];
    const waiting = fetch(`${a.url}/u/api/v1/volumes/vol-old`, { method: 'DELETE', headers: { authorization: `Bearer ${writeToken}` } });
    const client = new pg.Client({ connectionString: database.url });
    await client.connect();
    let holdId: string | undefined;
    await expect
      .poll(
        async () => {
          holdId = (await client.query<{ id: string }>("SELECT id FROM holds WHERE status = 'pending'")).rows[0]?.id;
          return holdId;
        },
        { interval: 20, timeout: 10_000 },
      )
      .toBeDefined();
    await client.end();
    expect(upstream.received.some((r) => r.method === 'DELETE')).toBe(false);

    const approved = await remote(c, 'hold', 'approve', holdId!, '--code', totpCode(secret, new Date()));
    expect(approved.status, approved.stderr).toBe(0);
    const response = await waiting;
    expect(response.status).toBe(200);
    expect(upstream.received.filter((r) => r.method === 'DELETE' && r.url === '/v1/volumes/vol-old')).toHaveLength(1);
  });

  it('refuses on every replica soon after a stop is pulled on one, and on none after it is lifted', async () => {
    const [a, b, c] = replicas as [Replica, Replica, Replica];
    const samples: number[] = [];
    for (let round = 0; round < 5; round++) {
      // Each replica is asked continuously; the first refusal each sees is when the stop reached it.
      let stopped = false;
      const firstRefusal = (replica: Replica, name: string) =>
        (async () => {
          for (let n = 0; ; n++) {
            const response = await get(replica, `stop-${round}-${name}-${n}`);
            await response.body?.cancel();
            if (response.status !== 200) return Date.now();
            if (stopped && n > 10_000) throw new Error(`${name} never refused`);
          }
        })();
      const seen = Promise.all([firstRefusal(a, 'a'), firstRefusal(b, 'b'), firstRefusal(c, 'c')]);
      const pulled = await remote(a, 'stop', '--all', '--reason', `drill ${round}`);
      expect(pulled.status, pulled.stderr).toBe(0);
      stopped = true;
      const refusedAt = await seen;
      const client = new pg.Client({ connectionString: database.url });
      await client.connect();
      const committed = (await client.query<{ at: string }>("SELECT at FROM audit WHERE type LIKE 'stop%' ORDER BY seq DESC LIMIT 1")).rows[0]!.at;
      await client.end();
      for (const at of refusedAt) samples.push(Math.max(0, at - Date.parse(committed)));
      const lifted = await remote(a, 'resume', '--all');
      expect(lifted.status, lifted.stderr).toBe(0);
      await expect
        .poll(async () => (await Promise.all(replicas.map((r) => get(r, `resumed-${round}`).then((x) => x.status)))).join(), { interval: 20, timeout: 5000 })
        .toBe('200,200,200');
    }
    samples.sort((x, y) => x - y);
    const report = `stop propagation across 3 replicas: p50 ${percentile(samples, 50)} ms, p99 ${percentile(samples, 99)} ms, max ${samples[samples.length - 1]} ms (${samples.length} samples)`;
    console.log(report);
    expect(percentile(samples, 99), report).toBeLessThan(1_000);
  });

  it('loses no record when a replica is killed mid-load: everything forwarded is recorded, and the audit verifies', async () => {
    const [a, b] = replicas as [Replica, Replica];
    upstream.received.length = 0;
    const load = (replica: Replica, name: string, count: number) =>
      Promise.all(
        Array.from({ length: 4 }, async (_, worker) => {
          for (let n = 0; n < count; n++) {
            const response = await get(replica, `load-${name}-${worker}-${n}`).catch(() => undefined);
            await response?.body?.cancel();
            if (!response && replica === b) return;
          }
        }),
      );
    const onA = load(a, 'a', 40);
    const onB = load(b, 'b', 1_000);
    await expect.poll(() => upstream.received.filter((r) => r.url.includes('load-b')).length, { interval: 5, timeout: 20_000 }).toBeGreaterThan(30);
    await kill(b.process);
    await Promise.all([onA, onB]);
    expect(b.process.signalCode).toBe('SIGKILL');

    const forwarded = upstream.received.filter((r) => r.url.startsWith('/v1/items/load-')).map((r) => r.url.slice('/v1/items/'.length));
    expect(forwarded.length).toBeGreaterThan(100);
    const client = new pg.Client({ connectionString: database.url });
    await client.connect();
    const recorded = new Set(
      (await client.query<{ body: string }>("SELECT body FROM audit WHERE type = 'decision' AND verdict = 'allow'")).rows.flatMap(
        (row) => (JSON.parse(row.body) as { resources?: string[] }).resources ?? [],
      ),
    );
    await client.end();
    const unrecorded = forwarded.filter((item) => !recorded.has(item));
    expect(unrecorded).toEqual([]);

    const verify = runCli(['--config', a.configPath, 'audit', 'verify'], { env: SHARED });
    expect(verify.stdout, verify.stderr).toMatch(/^ok: \d+ records, chain intact/);
  });
});
