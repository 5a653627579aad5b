/**
 * Durable audit appends: how many records per second Airlock can make durable (committed with
 * a sync to disk) when many requests wait for their record at once, with group commit, against
 * the same store writing one record per commit.
 *
 * Every append resolves only after its record is on disk: nothing here is left unsynced.
 *
 * A second pass is what a door sees at a moderate, steady load: reads appended at READS/s without
 * their own sync (as `audit.durability: changes` commits them) and writes at WRITES/s synced,
 * paced evenly, each timed from when it was due. A read then waits only for its commit — unless
 * the writer is busy with a sync to disk or a checkpoint, which is what its p99 and max show.
 *
 * Run: npm run bench:audit
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { AuditLog } from '../src/audit/log.js';
import { openSqliteStore } from '../src/store/sqlite/index.js';
import type { AuditEntry } from '../src/store/records.js';
import { machine, printTable, summarize } from './stats.js';
import { machineLoad } from './support/load.js';
import { monitorOwnLoop } from './support/loop-delay.js';

const RECORDS = Number(process.env.RECORDS ?? 40_000);
const READS = Number(process.env.READS ?? 500);
const WRITES = Number(process.env.WRITES ?? 50);
const PACED_SECONDS = Number(process.env.PACED_SECONDS ?? 10);
const IN_FLIGHT = Number(process.env.IN_FLIGHT ?? 128);

const entry = (i: number): AuditEntry => ({
  type: 'decision',
  agent: 'deploy-bot',
  token: 'pXhoZQ43nuGU',
  door: 'http',
  upstream: 'railway',
  action: 'graphql:serviceInstanceUpdate',
  class: 'write',
  environment: 'staging',
  resources: [`svc_${i}`],
  digest: 'a'.repeat(64),
  summary: 'mutation { serviceInstanceUpdate(serviceId: "svc", input: { numReplicas: 2 }) }',
  verdict: 'allow',
  reasons: ['scope write:staging covers write in staging'],
  policies: ['airlock/scope'],
});

async function run(label: string, inFlight: number, records: number, writerThread: boolean) {
  const dir = mkdtempSync(join(tmpdir(), 'airlock-bench-audit-'));
  const store = openSqliteStore({ path: join(dir, 'a.db'), checkpoint: { path: join(dir, 'audit.head'), key: undefined }, writerThread });
  const log = new AuditLog(store.audit);
  const latencies: number[] = [];
  let next = 0;
  const watch = monitorOwnLoop();
  const started = process.hrtime.bigint();
  const worker = async () => {
    while (next < records) {
      const i = next++;
      const t = process.hrtime.bigint();
      await log.append(entry(i));
      latencies.push(Number(process.hrtime.bigint() - t) / 1000);
    }
  };
  await Promise.all(Array.from({ length: inFlight }, worker));
  const seconds = Number(process.hrtime.bigint() - started) / 1e9;
  const delay = watch.read();
  const head = await store.audit.head();
  await store.close();
  rmSync(dir, { recursive: true, force: true });
  if (head.seq !== records) throw new Error(`expected ${records} records, found ${head.seq}`);
  const s = summarize(latencies);
  return {
    measured: label,
    'records/s': Math.round(records / seconds),
    'p50 ms': s.p50 / 1000,
    'p99 ms': s.p99 / 1000,
    'loop p99 ms': delay.p99,
    'loop max ms': delay.max,
  };
}

const single = await run('one request at a time (a commit each)', 1, Math.min(2000, RECORDS), true);
const grouped = await run(`${IN_FLIGHT} requests waiting (group commit)`, IN_FLIGHT, RECORDS, true);
const inline = await run(`${IN_FLIGHT} requests, committed on the main thread`, IN_FLIGHT, RECORDS, false);

console.log(`durable audit appends — ${machine()}; ${machineLoad()}; SQLite WAL, synchronous=FULL; ${RECORDS} records`);
printTable('each append resolves only once its record is synced to disk', [single, grouped, inline]);
console.log(`\ngroup commit / one commit per record: ${(grouped['records/s'] / single['records/s']).toFixed(1)}× (aim: 10,000 records/s)`);

/** Reads and writes paced evenly through one log, as a door appends them. */
async function paced(seconds: number) {
  const dir = mkdtempSync(join(tmpdir(), 'airlock-bench-audit-'));
  const store = openSqliteStore({ path: join(dir, 'a.db'), checkpoint: { path: join(dir, 'audit.head'), key: undefined }, writerThread: true });
  const log = new AuditLog(store.audit);
  const latencies = { read: [] as number[], write: [] as number[] };
  // The writer thread starts with the store: wait for it, so that its start is not timed.
  await log.append(entry(0));
  const watch = monitorOwnLoop();
  const start = performance.now();
  const appends: Promise<unknown>[] = [];
  const schedule = (kind: 'read' | 'write', rate: number) =>
    new Promise<void>((resolve) => {
      let sent = 0;
      const total = Math.round(rate * seconds);
      const tick = () => {
        while (sent < total && start + (sent * 1000) / rate <= performance.now()) {
          const due = start + (sent * 1000) / rate;
          const record = { ...entry(sent), class: kind === 'read' ? ('read' as const) : ('write' as const) };
          appends.push(log.append(record, { sync: kind === 'write' }).then(() => latencies[kind].push(performance.now() - due)));
          sent++;
        }
        if (sent < total) setTimeout(tick, Math.max(0, start + (sent * 1000) / rate - performance.now()));
        else resolve();
      };
      tick();
    });
  await Promise.all([schedule('read', READS), schedule('write', WRITES)]);
  await Promise.all(appends);
  const delay = watch.read();
  await store.close();
  rmSync(dir, { recursive: true, force: true });
  return (['read', 'write'] as const).map((kind) => {
    const s = summarize(latencies[kind]);
    return {
      appended: `${kind}s at ${kind === 'read' ? READS : WRITES}/s${kind === 'read' ? ', committed' : ', synced'}`,
      'p50 ms': s.p50,
      'p99 ms': s.p99,
      'max ms': s.max,
      'loop max ms': delay.max,
    };
  });
}

printTable(`paced for ${PACED_SECONDS} s, each append timed from when it was due`, await paced(PACED_SECONDS));
