/**
 * What the PostgreSQL door costs per statement: pgbench through it, interleaved with direct
 * access and PgBouncer, with the door's own CPU per statement (its main thread's busy time from
 * the event-loop utilisation, and the whole process's, writer thread included). With `--against
 * <checkout>` a second Airlock, built from that checkout's `src/`, runs in the same process and
 * is measured in the same rounds: an A/B of two versions of the door on one machine at one time.
 *
 *   npx tsx bench/postgres/per-statement.ts [--seconds 5] [--rounds 3] [--clients 1,16]
 *     [--protocol simple|extended|prepared] [--script select|varied] [--against <checkout>] [--profile <file.cpuprofile>]
 *
 * `--script select` is `pgbench -S`, one primary-key SELECT per transaction; `varied` is the
 * five statements of bench/postgres/pgbench.ts's varied script (three reads, an UPDATE and an
 * INSERT), where every write's record is synced to disk before it is forwarded.
 *
 * `--profile` records a CPU profile of the main thread during every run through (this
 * checkout's) Airlock, summarised by file and by function at the end.
 *
 * Needs PostgreSQL on 127.0.0.1:5432 (user postgres, trust), pgbench and pgbouncer.
 */
import type { ChildProcess } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { mkdtempSync, rmSync, writeFileSync, readFileSync } from 'node:fs';
import { Session } from 'node:inspector/promises';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { pathToFileURL } from 'node:url';
import { parseArgs } from 'node:util';
import pg from 'pg';
import { machine, median, printTable } from '../stats.js';
import { machineLoad } from '../support/load.js';
import { summarizeProfile, type Profile } from './profile-summary.js';
import { exec, PG, startPgBouncer, VARIED } from './workload.js';

const { values: args } = parseArgs({
  options: {
    seconds: { type: 'string', default: '5' },
    rounds: { type: 'string', default: '3' },
    scale: { type: 'string', default: '10' },
    clients: { type: 'string', default: '1,16' },
    protocol: { type: 'string', default: 'simple' },
    script: { type: 'string', default: 'select' },
    against: { type: 'string' },
    profile: { type: 'string' },
  },
});
const SECONDS = Number(args.seconds);
const ROUNDS = Number(args.rounds);
const CLIENTS = args.clients!.split(',').map(Number);
const STATEMENTS = args.script === 'varied' ? 5 : 1;
let scriptArgs: string[] = ['-S'];
const HERE = resolve(import.meta.dirname, '../..');

interface Run {
  readonly tps: number;
  readonly latencyMs: number;
  /** Main-thread CPU µs per statement (the kernel's count for this thread; else its event-loop busy time). */
  readonly mainUs?: number;
  /** Of it, in the kernel (socket reads and writes, waking threads and processes). */
  readonly mainSysUs?: number;
  /** Process CPU µs per statement, every thread. */
  readonly cpuUs?: number;
}

interface Target {
  readonly name: string;
  readonly url: string;
  readonly inProcess: boolean;
}

/** An Airlock built from `root`'s src/, started on the bench database. */
async function startFrom(root: string, dir: string, database: string): Promise<{ url: string; close(): Promise<void>; records(): Promise<number> }> {
  const load = (path: string) => import(pathToFileURL(join(root, 'src', path)).href);
  const [{ loadConfig }, { startAirlock }, { postgresDoor }, { issueToken }, { silentLogger }] = await Promise.all([
    load('config/load.ts'),
    load('server/start.ts'),
    load('doors/postgres/index.ts'),
    load('identity/tokens.ts'),
    load('server/log.ts'),
  ]);
  const file = join(dir, `airlock-${randomBytes(3).toString('hex')}.yaml`);
  writeFileSync(
    file,
    JSON.stringify({
      listen: { http: '127.0.0.1:0', postgres: '127.0.0.1:0' },
      dataDir: `${file}.data`,
      postgres: { plaintext: 'loopback' },
      upstreams: [{ name: 'bench', kind: 'postgres', environment: 'staging', host: PG.host, port: PG.port, database, user: PG.user, tls: 'disable' }],
    }),
  );
  const airlock = await startAirlock(loadConfig(file), { log: silentLogger, doors: [postgresDoor] });
  await airlock.runtime.store.agents.add({ name: 'bench-bot' }, new Date().toISOString());
  const { token } = await issueToken(airlock.runtime.store, { agent: 'bench-bot', scopes: ['read:staging', 'write:staging'], ttlMs: 86_400_000 }, new Date());
  return {
    url: `postgres://bench-bot:${encodeURIComponent(token)}@${airlock.addresses.postgres}/bench?sslmode=disable`,
    close: () => airlock.close(),
    records: async () => (await airlock.runtime.store.audit.head()).seq,
  };
}

async function main(): Promise<void> {
  const database = `airlock_bench_${randomBytes(4).toString('hex')}`;
  const dir = mkdtempSync(join(tmpdir(), 'airlock-per-statement-'));
  const admin = new pg.Client({ ...PG, database: 'postgres' });
  await admin.connect();
  await admin.query(`CREATE DATABASE ${database}`);
  let bouncer: ChildProcess | undefined;
  const airlocks: Awaited<ReturnType<typeof startFrom>>[] = [];
  const session = new Session();
  session.connect();
  const profiles: Profile[] = [];
  try {
    console.log(`pgbench ${args.script} (${args.protocol}), ${SECONDS}s per run, ${ROUNDS} interleaved rounds, on ${machine()}; ${machineLoad()}`);
    if (args.script === 'varied') {
      writeFileSync(join(dir, 'varied.sql'), VARIED);
      scriptArgs = ['-f', join(dir, 'varied.sql')];
    }
    await exec('pgbench', ['-i', '-q', '-s', args.scale!, '-h', PG.host, '-p', String(PG.port), '-U', PG.user, database]);
    const mine = await startFrom(HERE, dir, database);
    airlocks.push(mine);
    const other = args.against ? await startFrom(resolve(args.against), dir, database) : undefined;
    if (other) airlocks.push(other);
    const bouncerPort = await startPgBouncer({ dir, database, pool: Math.max(...CLIENTS) + 4 }).then(({ port, child }) => {
      bouncer = child;
      return port;
    });
    const targets: Target[] = [
      { name: 'direct', url: `postgres://${PG.user}@${PG.host}:${PG.port}/${database}?sslmode=disable`, inProcess: false },
      { name: 'pgbouncer', url: `postgres://${PG.user}@127.0.0.1:${bouncerPort}/bench?sslmode=disable`, inProcess: false },
      { name: 'airlock', url: mine.url, inProcess: true },
      ...(other ? [{ name: 'against', url: other.url, inProcess: true }] : []),
    ];
    if (args.profile) await session.post('Profiler.enable');
    const results = new Map<string, Run[]>();
    for (let round = 1; round <= ROUNDS; round++) {
      for (const clients of CLIENTS) {
        // Alternate which Airlock goes first, so neither always follows the same target.
        const order = round % 2 === 0 && other ? [targets[0]!, targets[1]!, targets[3]!, targets[2]!] : targets;
        for (const target of order) {
          const profiling = args.profile && target.name === 'airlock';
          if (profiling) await session.post('Profiler.start');
          const elu = performance.eventLoopUtilization();
          const main = mainThreadCpuUs();
          const cpu = process.cpuUsage();
          const run = await pgbench(target.url, clients);
          const used = process.cpuUsage(cpu);
          const after = mainThreadCpuUs();
          const mainUs = main && after ? after.user + after.system - main.user - main.system : performance.eventLoopUtilization(elu).active * 1000;
          const mainSysUs = main && after ? after.system - main.system : Number.NaN;
          if (profiling) profiles.push((await session.post('Profiler.stop')).profile as Profile);
          const statements = run.transactions * STATEMENTS;
          const result: Run = target.inProcess
            ? { ...run, mainUs: mainUs / statements, mainSysUs: mainSysUs / statements, cpuUs: (used.user + used.system) / statements }
            : run;
          results.set(`${clients}@${target.name}`, [...(results.get(`${clients}@${target.name}`) ?? []), result]);
          console.log(
            `  round ${round} ${String(clients).padStart(2)} clients ${target.name.padEnd(10)} ${result.tps.toFixed(0).padStart(6)} tps ${result.latencyMs.toFixed(3)} ms` +
              (result.mainUs !== undefined
                ? `  main ${result.mainUs.toFixed(0)} µs/st (kernel ${result.mainSysUs!.toFixed(0)}), process ${result.cpuUs!.toFixed(0)} µs/st`
                : ''),
          );
        }
      }
    }
    for (const clients of CLIENTS) {
      const runs = (name: string) => results.get(`${clients}@${name}`)!;
      const med = (name: string, f: (r: Run) => number) => median(runs(name).map(f));
      const bouncerTps = med('pgbouncer', (r) => r.tps);
      printTable(
        `pgbench ${args.script} ${args.protocol}, ${clients} client${clients > 1 ? 's' : ''}, median of ${ROUNDS}`,
        targets.map((t) => ({
          target: t.name,
          tps: Math.round(med(t.name, (r) => r.tps)),
          'vs pgbouncer': med(t.name, (r) => r.tps) / bouncerTps,
          'added µs/st': t.name === 'direct' ? '-' : Math.round(((med(t.name, (r) => r.latencyMs) - med('direct', (r) => r.latencyMs)) * 1000) / STATEMENTS),
          'main µs/st': t.inProcess ? Math.round(med(t.name, (r) => r.mainUs!)) : '-',
          'of it kernel': t.inProcess ? Math.round(med(t.name, (r) => r.mainSysUs!)) : '-',
          'process µs/st': t.inProcess ? Math.round(med(t.name, (r) => r.cpuUs!)) : '-',
        })),
      );
    }
    console.log(`\naudit records: ${(await Promise.all(airlocks.map((a) => a.records()))).join(', ')}; ${machineLoad()}`);
    if (args.profile && profiles.length > 0) {
      writeFileSync(args.profile, JSON.stringify(profiles[profiles.length - 1]));
      console.log(summarizeProfile(profiles));
    }
  } finally {
    session.disconnect();
    bouncer?.kill('SIGTERM');
    for (const airlock of airlocks) await airlock.close();
    await admin.query(`DROP DATABASE IF EXISTS ${database} WITH (FORCE)`).catch(() => undefined);
    await admin.end();
    rmSync(dir, { recursive: true, force: true });
  }
}

async function pgbench(url: string, clients: number): Promise<{ tps: number; latencyMs: number; transactions: number }> {
  const out = await exec('pgbench', [
    ...scriptArgs,
    '-M',
    args.protocol!,
    '-n',
    '-c',
    String(clients),
    '-j',
    String(Math.min(clients, 4)),
    '-T',
    String(SECONDS),
    url,
  ]);
  const tps = Number(/tps = ([\d.]+)/.exec(out)?.[1]);
  const latencyMs = Number(/latency average = ([\d.]+) ms/.exec(out)?.[1]);
  const transactions = Number(/number of transactions actually processed: (\d+)/.exec(out)?.[1]);
  if (!Number.isFinite(tps) || !transactions) throw new Error(`pgbench printed no TPS:\n${out}`);
  return { tps, latencyMs, transactions };
}

/** This thread's user and system CPU, from the kernel's per-thread count (Linux), in µs. */
function mainThreadCpuUs(): { user: number; system: number } | undefined {
  try {
    const stat = readFileSync(`/proc/self/task/${process.pid}/stat`, 'utf8');
    const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
    // utime and stime, fields 14 and 15 of stat(5), in clock ticks of 10 ms.
    return { user: Number(fields[11]) * 10_000, system: Number(fields[12]) * 10_000 };
  } catch {
    return undefined;
  }
}

await main();
