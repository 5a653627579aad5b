/**
 * The gate alone: decisions per second through Gate.decide with a real store and a durable
 * audit log, at a given concurrency — the ceiling of every door. Reads (the common case) and
 * writes (whose records are synced before they are answered).
 *
 * Run: npm run bench:gate  (CONCURRENCY=16 SECONDS=5)
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { parseConfig } from '../src/config/load.js';
import { requestDigest } from '../src/core/digest.js';
import { operationFromParts, type OperationClass } from '../src/core/operation.js';
import { issueToken } from '../src/identity/tokens.js';
import { silentLogger } from '../src/server/log.js';
import { openRuntime } from '../src/server/runtime.js';
import { machine, printTable, summarize } from './stats.js';
import { machineLoad } from './support/load.js';
import { monitorOwnLoop } from './support/loop-delay.js';

const CONCURRENCY = Number(process.env.CONCURRENCY ?? 16);
const SECONDS = Number(process.env.SECONDS ?? 5);

async function run(cls: OperationClass, durability: 'changes' | 'all') {
  const dir = mkdtempSync(join(tmpdir(), 'airlock-bench-gate-'));
  const config = parseConfig(`dataDir: ${dir}\naudit: { durability: ${durability} }\n`, join(dir, 'airlock.yaml'));
  const runtime = await openRuntime(config, { log: silentLogger, writerThread: true });
  await runtime.store.agents.add({ name: 'bench' }, new Date().toISOString());
  const { token } = await issueToken(runtime.store, { agent: 'bench', scopes: ['write:*'], ttlMs: 3_600_000 }, new Date());
  const operation = operationFromParts({
    door: 'postgres',
    upstream: 'app',
    environment: 'staging',
    parts: [{ action: cls === 'read' ? 'sql:SelectStmt' : 'sql:UpdateStmt', class: cls, resources: ['pgbench_accounts'] }],
    digest: requestDigest('SELECT abalance FROM pgbench_accounts WHERE aid = $1'),
  });
  const latencies: number[] = [];
  let count = 0;
  const deadline = performance.now() + SECONDS * 1000;
  const loop = async () => {
    while (performance.now() < deadline) {
      const t = performance.now();
      const { verdict } = await runtime.gate.decide({ operation, token });
      if (verdict.kind !== 'allow') throw new Error(`unexpected ${verdict.kind}: ${verdict.reasons.join('; ')}`);
      latencies.push((performance.now() - t) * 1000);
      count++;
    }
  };
  const watch = monitorOwnLoop();
  const started = performance.now();
  await Promise.all(Array.from({ length: CONCURRENCY }, loop));
  const seconds = (performance.now() - started) / 1000;
  const delay = watch.read();
  await runtime.close();
  rmSync(dir, { recursive: true, force: true });
  const s = summarize(latencies);
  return {
    measured: `${cls}, durability ${durability}`,
    'decisions/s': Math.round(count / seconds),
    'p50 µs': s.p50,
    'p99 µs': s.p99,
    'loop p99 ms': delay.p99,
    'loop max ms': delay.max,
  };
}

const rows = [await run('read', 'changes'), await run('read', 'all'), await run('write', 'changes')];
console.log(`Gate.decide with a SQLite store and the audit writer thread — ${machine()}; ${machineLoad()}; ${CONCURRENCY} in flight, ${SECONDS}s each`);
printTable('every decision waits for its audit record to be committed', rows);
