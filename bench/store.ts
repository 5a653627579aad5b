/**
 * The stores side by side: durable audit appends per second with one, two and three writers
 * (processes' worth of stores) on PostgreSQL and on SQLite, decisions per second through one
 * replica's gate on each, and how long a stop takes to reach the other replicas on PostgreSQL.
 * Needs PostgreSQL on 127.0.0.1:5432 (user postgres), or AIRLOCK_TEST_PG* pointing at one.
 *
 * Run: npx tsx bench/store.ts  (RECORDS=6000 SECONDS=4)
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { AuditLog } from '../src/audit/log.js';
import { parseConfig } from '../src/config/load.js';
import { requestDigest } from '../src/core/digest.js';
import { operationFromParts } from '../src/core/operation.js';
import { issueToken } from '../src/identity/tokens.js';
import { silentLogger } from '../src/server/log.js';
import { openRuntime } from '../src/server/runtime.js';
import { openPostgresStore, type PostgresStore } from '../src/store/postgres/index.js';
import { openSqliteStore } from '../src/store/sqlite/index.js';
import type { Store } from '../src/store/store.js';
import { freshPostgresDatabase } from '../test/store/stores.js';
import { machine, printTable, summarize } from './stats.js';

const RECORDS = Number(process.env.RECORDS ?? 6000);
const SECONDS = Number(process.env.SECONDS ?? 4);
const CALLERS = 32;

/** Each writer has 32 callers appending one record at a time, as doors under load do. */
async function appendsPerSecond(stores: readonly Store[]): Promise<number> {
  const logs = stores.map((store) => new AuditLog(store.audit));
  const perCaller = Math.ceil(RECORDS / logs.length / CALLERS);
  const started = performance.now();
  await Promise.all(
    logs.flatMap((log) =>
      Array.from({ length: CALLERS }, async () => {
        for (let i = 0; i < perCaller; i++) await log.append({ type: 'decision', agent: 'bench', verdict: 'allow', class: 'write' });
      }),
    ),
  );
  return (perCaller * CALLERS * logs.length) / ((performance.now() - started) / 1000);
}

async function auditRows(): Promise<Record<string, string | number>[]> {
  const rows: Record<string, string | number>[] = [];
  for (const writers of [1, 2, 3]) {
    const database = await freshPostgresDatabase();
    const pgStores = await Promise.all(Array.from({ length: writers }, () => openPostgresStore({ url: database.url, poolSize: 4 })));
    const postgres = await appendsPerSecond(pgStores);
    await Promise.all(pgStores.map((store) => store.close()));
    await database.drop();
    const dir = mkdtempSync(join(tmpdir(), 'airlock-bench-store-'));
    const sqliteStores = Array.from({ length: writers }, () => openSqliteStore({ path: join(dir, 'airlock.db'), writerThread: true }));
    const sqlite = await appendsPerSecond(sqliteStores);
    await Promise.all(sqliteStores.map((store) => store.close()));
    rmSync(dir, { recursive: true, force: true });
    rows.push({ writers, 'postgres records/s': Math.round(postgres), 'sqlite records/s': Math.round(sqlite) });
  }
  return rows;
}

async function decisionsPerSecond(store: 'sqlite' | 'postgres'): Promise<{ perSecond: number; p50: number; p99: number }> {
  const dir = mkdtempSync(join(tmpdir(), 'airlock-bench-store-'));
  const database = store === 'postgres' ? await freshPostgresDatabase() : undefined;
  const config = parseConfig(`dataDir: ${dir}\n${database ? `store: { postgres: "${database.url}" }\n` : ''}`, join(dir, 'airlock.yaml'));
  const runtime = await openRuntime(config, { log: silentLogger, writerThread: true });
  await runtime.store.agents.add({ name: 'bench' }, new Date().toISOString());
  const { token } = await issueToken(runtime.store, { agent: 'bench', scopes: ['write:*'], ttlMs: 3_600_000 }, new Date());
  const operation = operationFromParts({
    door: 'http',
    upstream: 'app',
    environment: 'staging',
    parts: [{ action: 'rest:POST /items', class: 'write', resources: ['item'] }],
    digest: requestDigest('POST /items'),
  });
  const latencies: number[] = [];
  const deadline = performance.now() + SECONDS * 1000;
  const started = performance.now();
  await Promise.all(
    Array.from({ length: 16 }, async () => {
      while (performance.now() < deadline) {
        const t = performance.now();
        const { verdict } = await runtime.gate.decide({ operation, token });
        if (verdict.kind !== 'allow') throw new Error(`unexpected ${verdict.kind}: ${verdict.reasons.join('; ')}`);
        latencies.push((performance.now() - t) * 1000);
      }
    }),
  );
  const seconds = (performance.now() - started) / 1000;
  await runtime.close();
  await database?.drop();
  rmSync(dir, { recursive: true, force: true });
  const summary = summarize(latencies);
  return { perSecond: latencies.length / seconds, p50: summary.p50, p99: summary.p99 };
}

/** A stop set through one replica's store, until each of two others has heard it (ms). */
async function stopPropagation(rounds = 200): Promise<ReturnType<typeof summarize>> {
  const database = await freshPostgresDatabase();
  const replicas: PostgresStore[] = await Promise.all([0, 1, 2].map(() => openPostgresStore({ url: database.url, poolSize: 2 })));
  const [puller, ...others] = replicas as [PostgresStore, PostgresStore, PostgresStore];
  const samples: number[] = [];
  for (let i = 0; i < rounds; i++) {
    const t = performance.now();
    const heard = others.map(
      (replica) =>
        new Promise<number>((resolve) => {
          const unsubscribe = replica.feed.subscribe((change) => {
            if (change !== 'resync' && change.table === 'control') {
              unsubscribe();
              resolve(performance.now() - t);
            }
          });
        }),
    );
    await puller.control.setStopAll(i % 2 === 0 ? { reason: 'drill', by: 'bench', at: new Date().toISOString() } : undefined);
    samples.push(...(await Promise.all(heard)));
  }
  await Promise.all(replicas.map((replica) => replica.close()));
  await database.drop();
  return summarize(samples);
}

console.log(`stores: ${machine()}`);
printTable(`durable audit appends, ${CALLERS} callers per writer`, await auditRows());
const decisions = [];
for (const store of ['sqlite', 'postgres'] as const) {
  const result = await decisionsPerSecond(store);
  decisions.push({ store, 'decisions/s': Math.round(result.perSecond), 'p50 µs': Math.round(result.p50), 'p99 µs': Math.round(result.p99) });
}
printTable('Gate.decide, writes, 16 in flight, one replica', decisions);
const stop = await stopPropagation();
printTable('a stop pulled on one PostgreSQL replica, heard by two others', [
  { samples: stop.count, 'p50 ms': stop.p50, 'p99 ms': stop.p99, 'max ms': stop.max },
]);
