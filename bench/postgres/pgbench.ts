/**
 * pgbench through the PostgreSQL door, side by side in one run with direct access and with
 * PgBouncer, at 1 and 16 clients: `-S` (one primary-key SELECT per transaction) and a varied
 * script (reads and writes, five different statements, see VARIED). Every transaction through Airlock is parsed,
 * classified, judged by the gate and written to the audit log before it reaches PostgreSQL;
 * PgBouncer only relays bytes. Rounds are interleaved so that drift affects every target alike.
 *
 *   npx tsx bench/postgres/pgbench.ts [--seconds 10] [--rounds 3] [--scale 10] [--clients 1,16] [--tls] [--workers 1,2]
 *
 * Airlock runs in this process: its event-loop delay (p99, max) is measured during its runs.
 * Each worker count above 1 in --workers adds "airlock ×N": `airlock start --workers N` (npm run
 * build first) as a child process on the same config and store, its loop delay the worst worker's.
 * With --tls, PgBouncer and Airlock are also measured with TLS.
 *
 * Needs PostgreSQL on 127.0.0.1:5432 (user postgres, trust), pgbench, and pgbouncer (Debian's
 * package). Prints TPS and latency per target, and ratios against direct access.
 */
import type { ChildProcess } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import pg from 'pg';
import { loadConfig } from '../../src/config/load.js';
import { requestDigest } from '../../src/core/digest.js';
import { operationFromParts } from '../../src/core/operation.js';
import { issueToken } from '../../src/identity/tokens.js';
import { silentLogger } from '../../src/server/log.js';
import { startAirlock } from '../../src/server/start.js';
import { postgresDoor } from '../../src/doors/postgres/index.js';
import { machine, median, printTable } from '../stats.js';
import { machineLoad } from '../support/load.js';
import { loopDelayEnv, monitorOwnLoop, readGroupLoopDelay, workerPids, type LoopDelay } from '../support/loop-delay.js';
import { startAirlockProcess } from '../../test/support/airlock.js';
import { exec, PG, startPgBouncer, VARIED } from './workload.js';

const { values: args } = parseArgs({
  options: {
    seconds: { type: 'string', default: '10' },
    rounds: { type: 'string', default: '3' },
    scale: { type: 'string', default: '10' },
    clients: { type: 'string', default: '1,16' },
    tls: { type: 'boolean', default: false },
    workers: { type: 'string', default: '1,2' },
  },
});
const SECONDS = Number(args.seconds);
const ROUNDS = Number(args.rounds);
const SCALE = Number(args.scale);
const CLIENTS = args.clients!.split(',').map(Number);
const GROUPS = args
  .workers!.split(',')
  .map(Number)
  .filter((n) => n > 1);

const MODES = [
  { name: '-S', statements: 1 },
  { name: 'varied', statements: 5 },
] as const;
type Mode = (typeof MODES)[number];

interface Target {
  readonly name: string;
  readonly url: string;
  /** An `airlock start --workers N` group: its primary and workers, whose loops are watched. */
  readonly group?: { readonly process: ChildProcess; readonly workers: readonly number[] };
}

interface Result {
  readonly tps: number;
  readonly latencyMs: number;
  readonly loop?: LoopDelay;
}

async function main(): Promise<void> {
  const database = `airlock_bench_${randomBytes(4).toString('hex')}`;
  const dir = mkdtempSync(join(tmpdir(), 'airlock-pgbench-'));
  const admin = new pg.Client({ ...PG, database: 'postgres' });
  await admin.connect();
  await admin.query(`CREATE DATABASE ${database}`);
  let bouncer: ChildProcess | undefined;
  let airlock: Awaited<ReturnType<typeof startAirlock>> | undefined;
  const groups: ChildProcess[] = [];
  try {
    console.log(`pgbench -S and varied, ${SECONDS}s per run, ${ROUNDS} interleaved rounds, scale ${SCALE}, on ${machine()}; ${machineLoad()}`);
    writeFileSync(join(dir, 'varied.sql'), VARIED);
    await exec('pgbench', ['-i', '-q', '-s', String(SCALE), '-h', PG.host, '-p', String(PG.port), '-U', PG.user, database]);

    // Airlock, as an operator would run it: the door on a port of its own, TLS by default,
    // plaintext allowed from loopback for the like-for-like comparison with PgBouncer.
    writeFileSync(
      join(dir, 'airlock.yaml'),
      JSON.stringify({
        listen: { http: '127.0.0.1:0', postgres: '127.0.0.1:0' },
        dataDir: join(dir, 'data'),
        postgres: { plaintext: 'loopback' },
        upstreams: [{ name: 'bench', kind: 'postgres', environment: 'staging', host: PG.host, port: PG.port, database, user: PG.user, tls: 'disable' }],
      }),
    );
    const config = loadConfig(join(dir, 'airlock.yaml'));
    airlock = await startAirlock(config, { log: silentLogger, doors: [postgresDoor] });
    await airlock.runtime.store.agents.add({ name: 'bench-bot' }, new Date().toISOString());
    const { token } = await issueToken(airlock.runtime.store, { agent: 'bench-bot', scopes: ['read:staging', 'write:staging'], ttlMs: 86_400_000 }, new Date());
    const door = airlock.addresses.postgres!;
    const certDir = join(config.dataDir, 'postgres-tls');

    const started = await startPgBouncer({ dir, database, pool: Math.max(...CLIENTS) + 4, tls: certDir });
    bouncer = started.child;
    const bouncerPort = started.port;

    const auth = `bench-bot:${encodeURIComponent(token)}`;
    const grouped: Target[] = [];
    for (const workers of GROUPS) {
      const running = await startAirlockProcess(join(dir, 'airlock.yaml'), { AIRLOCK_LOG_LEVEL: 'warn', ...loopDelayEnv() }, ['--workers', String(workers)]);
      groups.push(running.process);
      grouped.push({
        name: `airlock ×${workers}`,
        url: `postgres://${auth}@${running.addresses.postgres}/bench?sslmode=disable`,
        group: { process: running.process, workers: workerPids(running.output()) },
      });
    }
    const targets: Target[] = [
      { name: 'direct', url: `postgres://${PG.user}@${PG.host}:${PG.port}/${database}?sslmode=disable` },
      { name: 'pgbouncer', url: `postgres://${PG.user}@127.0.0.1:${bouncerPort}/bench?sslmode=disable` },
      { name: 'airlock', url: `postgres://${auth}@${door}/bench?sslmode=disable` },
      ...grouped,
      ...(args.tls
        ? [
            { name: 'pgbouncer+tls', url: `postgres://${PG.user}@127.0.0.1:${bouncerPort}/bench?sslmode=require` },
            { name: 'airlock+tls', url: `postgres://${auth}@${door}/bench?sslmode=require` },
          ]
        : []),
    ];

    const results = new Map<string, Result[]>();
    const keyOf = (mode: Mode, clients: number, name: string) => `${mode.name}@${clients}@${name}`;
    for (let round = 1; round <= ROUNDS; round++) {
      for (const mode of MODES) {
        for (const clients of CLIENTS) {
          for (const target of targets) {
            const group = target.group;
            if (group) await readGroupLoopDelay(group.process, group.workers);
            const watch = !group && target.name.startsWith('airlock') ? monitorOwnLoop() : undefined;
            const run = await pgbench(target.url, clients, mode.name === '-S' ? ['-S'] : ['-f', join(dir, 'varied.sql')]);
            const loop = group ? await readGroupLoopDelay(group.process, group.workers) : watch?.read();
            const result = { ...run, ...(loop ? { loop } : {}) };
            const key = keyOf(mode, clients, target.name);
            results.set(key, [...(results.get(key) ?? []), result]);
            process.stdout.write(
              `  round ${round}  ${mode.name.padEnd(6)} ${String(clients).padStart(2)} clients  ${target.name.padEnd(14)} ${result.tps.toFixed(0).padStart(7)} tps  ${result.latencyMs.toFixed(3)} ms${result.loop ? `  loop p99 ${result.loop.p99} ms max ${result.loop.max} ms` : ''}\n`,
            );
          }
        }
      }
    }

    for (const mode of MODES) {
      for (const clients of CLIENTS) {
        const runs = (name: string) => results.get(keyOf(mode, clients, name))!;
        const tps = (name: string) => median(runs(name).map((r) => r.tps));
        const latency = (name: string) => median(runs(name).map((r) => r.latencyMs));
        const direct = tps('direct');
        const addedUs = (name: string) => ((latency(name) - latency('direct')) * 1000) / mode.statements;
        printTable(
          `pgbench ${mode.name}, ${clients} client${clients > 1 ? 's' : ''} (median of ${ROUNDS} runs of ${SECONDS}s)`,
          targets.map((t) => ({
            target: t.name,
            tps: Math.round(tps(t.name)),
            'latency ms': latency(t.name),
            'added µs/statement': t.name === 'direct' ? '-' : Math.round(addedUs(t.name)),
            'vs direct': tps(t.name) / direct,
            'loop p99 ms': runs(t.name)[0]!.loop ? median(runs(t.name).map((r) => r.loop!.p99)) : '-',
            'loop max ms': runs(t.name)[0]!.loop ? Math.max(...runs(t.name).map((r) => r.loop!.max)) : '-',
          })),
        );
        console.log(
          `  Airlock reaches ${((100 * tps('airlock')) / direct).toFixed(0)}% of direct TPS; PgBouncer ${((100 * tps('pgbouncer')) / direct).toFixed(0)}%; ` +
            `Airlock / PgBouncer = ${(tps('airlock') / tps('pgbouncer')).toFixed(2)}${args.tls ? ` (with TLS: ${(tps('airlock+tls') / tps('pgbouncer+tls')).toFixed(2)})` : ''}` +
            grouped
              .map((g) => `; ${g.name} / PgBouncer = ${(tps(g.name) / tps('pgbouncer')).toFixed(2)}, / airlock = ${(tps(g.name) / tps('airlock')).toFixed(2)}`)
              .join(''),
        );
      }
    }
    // The ceiling the gate sets: decisions per second for the same operation at the same
    // concurrency, without any PostgreSQL at all (authentication, policy, durable audit record).
    const gateRows = [];
    for (const clients of CLIENTS) {
      const rate = await gateAlone(airlock.runtime, token, clients);
      gateRows.push({
        clients,
        'gate decisions/s': Math.round(rate),
        'airlock -S tps': Math.round(median(results.get(keyOf(MODES[0], clients, 'airlock'))!.map((r) => r.tps))),
      });
    }
    printTable('the gate alone: runtime.gate.decide for a read, same concurrency, no database', gateRows);
    const decisions = (await airlock.runtime.store.audit.head()).seq;
    console.log(`\nEvery Airlock statement was judged and recorded: the audit log holds ${decisions} records; ${machineLoad()}.`);
  } finally {
    for (const group of groups) {
      group.kill('SIGTERM');
      if (group.exitCode === null) await new Promise((resolve) => group.once('exit', resolve));
    }
    bouncer?.kill('SIGTERM');
    await airlock?.close();
    await admin.query(`DROP DATABASE IF EXISTS ${database} WITH (FORCE)`).catch(() => undefined);
    await admin.end();
    rmSync(dir, { recursive: true, force: true });
  }
}

async function gateAlone(runtime: Awaited<ReturnType<typeof startAirlock>>['runtime'], token: string, clients: number): Promise<number> {
  const deadline = performance.now() + SECONDS * 1000;
  let done = 0;
  let n = 0;
  const started = performance.now();
  await Promise.all(
    Array.from({ length: clients }, async () => {
      while (performance.now() < deadline) {
        const text = `SELECT abalance FROM pgbench_accounts WHERE aid = ${++n}`;
        const operation = operationFromParts({
          door: 'postgres',
          upstream: 'bench',
          environment: 'staging',
          parts: [{ action: 'sql:SelectStmt', class: 'read', resources: ['pgbench_accounts'], text }],
          digest: requestDigest('postgres', 'bench', text),
        });
        await runtime.gate.decide({ operation, token });
        done++;
      }
    }),
  );
  return (done / (performance.now() - started)) * 1000;
}

async function pgbench(url: string, clients: number, script: readonly string[]): Promise<Result> {
  const out = await exec('pgbench', [...script, '-n', '-c', String(clients), '-j', String(Math.min(clients, 4)), '-T', String(SECONDS), url]);
  const tps = Number(/tps = ([\d.]+)/.exec(out)?.[1]);
  const latencyMs = Number(/latency average = ([\d.]+) ms/.exec(out)?.[1]);
  if (!Number.isFinite(tps)) throw new Error(`pgbench printed no TPS:\n${out}`);
  return { tps, latencyMs };
}

await main();
