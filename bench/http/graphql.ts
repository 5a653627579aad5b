/**
 * 1 KB GraphQL requests at 16 connections, side by side in one run:
 *
 * - direct:     autocannon → upstream
 * - node proxy: autocannon → a minimal Node reverse proxy (bench/http/node-proxy.ts) → upstream
 * - airlock:    autocannon → Airlock's HTTP door → upstream, with everything on: the token
 *               checked, the request parsed and classified by graphql-js, placed in an
 *               environment, judged by the Cedar policies, recorded durably in the SQLite audit
 *               log (group commit) before it is forwarded, the credential injected and the
 *               response checked for it.
 *
 * Each of upstream, proxy and Airlock runs in its own process; the load comes from this one.
 * Two passes: as fast as they go (autocannon: requests per second, p50, p99), then paced at a
 * fixed, moderate rate (bench/support/paced.ts: an open-loop load, each request timed from when
 * it was due, so a stall counts once for every request it delayed and never more). Targets
 * alternate within each pass and each is measured ROUNDS times; the medians are printed.
 *
 * - nginx:      autocannon → nginx (one worker, keep-alive upstream) → upstream, when nginx is
 *               installed: what a mature proxy adds on this machine.
 *
 * Airlock's main-thread event-loop delay (p99 and max) is measured during each of its runs: a
 * stall there holds every request in flight.
 *
 * Airlock is measured with each worker count of --workers (default 1,2: `airlock start
 * --workers N`, each on a store of its own), side by side: "airlock" is one process, "airlock ×N"
 * N worker processes on one listener (CPU is the whole group's; the loop delay the worst worker's).
 *
 * Run: npm run bench:http [-- --workers 1,2]   (DURATION=10 seconds per measurement, RATE=500/s, ROUNDS=3)
 */
import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { once } from 'node:events';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { loadavg, tmpdir } from 'node:os';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import autocannon from 'autocannon';
import { stringify } from 'yaml';
import { loadConfig } from '../../src/config/load.js';
import { issueToken } from '../../src/identity/tokens.js';
import { silentLogger } from '../../src/server/log.js';
import { openRuntime } from '../../src/server/runtime.js';
import { startAirlockProcess } from '../../test/support/airlock.js';
import { machine, median, printTable } from '../stats.js';
import { machineLoad } from '../support/load.js';
import { loopDelayEnv, readGroupLoopDelay, readLoopDelay, workerPids, type LoopDelay } from '../support/loop-delay.js';
import { startNginx } from './nginx.js';
import { paced } from '../support/paced.js';

const DURATION = Number(process.env.DURATION ?? 10);
const RATE = Number(process.env.RATE ?? 500);
const ROUNDS = Number(process.env.ROUNDS ?? 3);
const CONNECTIONS = 16;
const { values: args } = parseArgs({ options: { workers: { type: 'string', default: process.env.WORKERS ?? '1,2' } } });
const WORKERS = args.workers!.split(',').map(Number);
if (WORKERS.some((n) => !Number.isInteger(n) || n < 1)) throw new Error(`--workers ${args.workers}: worker counts such as 1,2`);
const ROOT = join(import.meta.dirname, '..', '..');
const CREDENTIAL = 'rw_bench_credential_0123456789';

/** A GraphQL request of 1 KB: a query with variables, as an agent's SDK sends it. */
function requestBody(): string {
  const base = {
    query: 'query Project($id: String!, $note: String) { project(id: $id) { id name description } }',
    variables: { id: 'prj_bench', note: '' },
    operationName: 'Project',
  };
  const size = Buffer.byteLength(JSON.stringify(base));
  base.variables.note = 'x'.repeat(1024 - size);
  return JSON.stringify(base);
}

async function child(script: string, env: NodeJS.ProcessEnv = {}): Promise<{ url: string; process: ChildProcess }> {
  const proc = spawn(process.execPath, ['--import', 'tsx', join(import.meta.dirname, script)], {
    cwd: ROOT,
    env: { ...process.env, ...env },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  proc.stderr!.on('data', (chunk: Buffer) => {
    if (!chunk.toString().startsWith('loop-delay ')) process.stderr.write(chunk);
  });
  const [chunk] = (await once(proc.stdout!, 'data')) as [Buffer];
  return { url: chunk.toString().trim(), process: proc };
}

interface Measurement {
  rps: number;
  p50: number;
  p99: number;
  /** Only in the paced pass, where every request is timed from when it was due. */
  p999?: number;
  failures: number;
  /** CPU the path's own process (proxy or Airlock, threads included) spent per request, in ms. */
  cpu: number;
  /** Airlock's main-thread event-loop delay during the measurement, in ms. */
  loop?: LoopDelay;
}

/** User + system CPU time of a process and its children (a group's workers) so far, in ms (Linux /proc; clock ticks of 10 ms). */
function cpuMs(pid: number | undefined): number {
  if (pid === undefined) return NaN;
  try {
    const fields = readFileSync(`/proc/${pid}/stat`, 'utf8').split(') ')[1]!.split(' ');
    const children = readFileSync(`/proc/${pid}/task/${pid}/children`, 'utf8').trim().split(/\s+/).filter(Boolean).map(Number);
    return (Number(fields[11]) + Number(fields[12])) * 10 + children.reduce((sum, child) => sum + cpuMs(child), 0);
  } catch {
    return NaN;
  }
}

interface Target {
  name: string;
  url: string;
  headers: Record<string, string>;
  pid?: number;
  /** Whose event loop to watch. */
  watch?: ChildProcess;
  /** When `watch` is the primary of a group: its workers, whose loops are watched instead. */
  workers?: readonly number[];
}

async function measure(target: Target, body: string, rate?: number): Promise<Measurement> {
  const readLoop = (watch: ChildProcess) => (target.workers?.length ? readGroupLoopDelay(watch, target.workers) : readLoopDelay(watch));
  if (target.watch) await readLoop(target.watch);
  const before = cpuMs(target.pid);
  const request = { url: target.url, method: 'POST', headers: target.headers, body };
  let result: Omit<Measurement, 'cpu' | 'loop'> & { total: number };
  if (rate) {
    const run = await paced(request, { rate, seconds: DURATION, connections: CONNECTIONS });
    result = { rps: run.rps, p50: run.p50, p99: run.p99, p999: run.p999, failures: run.failures, total: run.total };
  } else {
    const run = await autocannon({ ...request, connections: CONNECTIONS, duration: DURATION });
    result = {
      rps: run.requests.average,
      p50: run.latency.p50,
      p99: run.latency.p99,
      failures: run.errors + run.timeouts + run.non2xx,
      total: run.requests.total,
    };
  }
  const cpu = (cpuMs(target.pid) - before) / Math.max(result.total, 1);
  const loop = target.watch ? await readLoop(target.watch) : undefined;
  const { total: _total, ...measured } = result;
  return { ...measured, cpu, ...(loop ? { loop } : {}) };
}

const body = requestBody();
const upstream = await child('upstream.ts');
const proxy = await child('node-proxy.ts', { UPSTREAM_URL: upstream.url, UPSTREAM_TOKEN: CREDENTIAL, ...loopDelayEnv() });

const dir = mkdtempSync(join(tmpdir(), 'airlock-bench-'));
/** One Airlock per worker count, each with a store of its own. */
const airlocks: {
  name: string;
  workers: number;
  configPath: string;
  config: ReturnType<typeof loadConfig>;
  token: string;
  running: Awaited<ReturnType<typeof startAirlockProcess>>;
  pids: number[];
}[] = [];
for (const workers of WORKERS) {
  const configPath = join(dir, `airlock-${workers}.yaml`);
  writeFileSync(
    configPath,
    stringify({
      listen: { http: '127.0.0.1:0' },
      dataDir: join(dir, `data-${workers}`),
      upstreams: [{ name: 'bench', kind: 'graphql', url: upstream.url, environment: 'staging', credential: { bearer: { env: 'AIRLOCK_BENCH_CREDENTIAL' } } }],
    }),
  );
  const config = loadConfig(configPath);
  const setup = await openRuntime(config, { log: silentLogger });
  await setup.store.agents.add({ name: 'bench-agent' }, new Date().toISOString());
  const { token } = await issueToken(setup.store, { agent: 'bench-agent', scopes: ['read:staging'], ttlMs: 86_400_000 }, new Date());
  await setup.close();
  const running = await startAirlockProcess(configPath, { AIRLOCK_BENCH_CREDENTIAL: CREDENTIAL, ...loopDelayEnv() }, ['--workers', String(workers)]);
  airlocks.push({ name: workers === 1 ? 'airlock' : `airlock ×${workers}`, workers, configPath, config, token, running, pids: workerPids(running.output()) });
}
const token = airlocks[0]!.token;
const nginx = await startNginx(upstream.url, CREDENTIAL);

const targets: Target[] = [
  { name: 'direct', url: upstream.url, headers: { 'content-type': 'application/json', authorization: `Bearer ${CREDENTIAL}` } },
  // The proxy's event loop is watched too: on a busy machine a process that is not scheduled
  // shows the same delay, so the proxy's figure is the floor Airlock's is read against.
  {
    name: 'node proxy',
    url: proxy.url,
    headers: { 'content-type': 'application/json', authorization: `Bearer ${token}` },
    pid: proxy.process.pid,
    watch: proxy.process,
  },
  ...airlocks.map((airlock) => ({
    name: airlock.name,
    url: `${airlock.running.url}/u/bench`,
    headers: { 'content-type': 'application/json', authorization: `Bearer ${airlock.token}` },
    pid: airlock.running.process.pid,
    watch: airlock.running.process,
    workers: airlock.pids,
  })),
  ...(nginx ? [{ name: 'nginx', url: nginx.url, headers: { 'content-type': 'application/json', authorization: `Bearer ${token}` } }] : []),
];
if (!nginx) console.log('nginx is not installed: its row is left out (apt-get install nginx)');

try {
  console.log(
    `HTTP door benchmark: ${Buffer.byteLength(body)}-byte GraphQL requests, ${CONNECTIONS} connections, ${DURATION}s per measurement, ${ROUNDS} rounds`,
  );
  console.log(`machine: ${machine()}; ${machineLoad()}`);
  console.log('(on a busy machine latencies grow with the waiting; "own CPU ms/req" is what a request costs the proxy or Airlock itself)');
  // Warm each path (JIT, pools, SQLite pages) before measuring.
  for (const target of targets) await autocannon({ url: target.url, method: 'POST', headers: target.headers, body, connections: CONNECTIONS, duration: 2 });

  const passes = [
    { title: 'as fast as it goes', rate: undefined },
    { title: `paced at ${RATE} requests/s, each timed from when it was due`, rate: RATE },
  ];
  for (const pass of passes) {
    const samples = new Map<string, Measurement[]>(targets.map((t) => [t.name, []]));
    for (let round = 0; round < ROUNDS; round++) {
      for (const target of targets) samples.get(target.name)!.push(await measure(target, body, pass.rate));
    }
    const summary = targets.map((target) => {
      const runs = samples.get(target.name)!;
      return {
        name: target.name,
        rps: median(runs.map((r) => r.rps)),
        p50: median(runs.map((r) => r.p50)),
        p99: median(runs.map((r) => r.p99)),
        p999: runs[0]!.p999 === undefined ? undefined : median(runs.map((r) => r.p999!)),
        failures: runs.reduce((sum, r) => sum + r.failures, 0),
        cpu: median(runs.map((r) => r.cpu)),
        loop: runs[0]!.loop ? { p99: median(runs.map((r) => r.loop!.p99)), max: Math.max(...runs.map((r) => r.loop!.max)) } : undefined,
      };
    });
    const direct = summary[0]!;
    printTable(
      `${pass.title} (medians of ${ROUNDS})`,
      summary.map((s) => ({
        path: s.name,
        'req/s': Math.round(s.rps),
        'vs direct': `${((s.rps / direct.rps) * 100).toFixed(0)}%`,
        'p50 ms': s.p50,
        'p99 ms': s.p99,
        ...(s.p999 === undefined ? {} : { 'p99.9 ms': s.p999 }),
        'added p50 ms': s.name === 'direct' ? '-' : (s.p50 - direct.p50).toFixed(2),
        'added p99 ms': s.name === 'direct' ? '-' : (s.p99 - direct.p99).toFixed(2),
        'own CPU ms/req': s.name === 'direct' || Number.isNaN(s.cpu) ? '-' : s.cpu.toFixed(3),
        'failed requests': s.failures,
        'loop p99/max ms': s.loop ? `${s.loop.p99}/${s.loop.max}` : '-',
      })),
    );
    const node = summary.find((s) => s.name === 'node proxy')!;
    const peer = summary.find((s) => s.name === 'nginx');
    const single = summary.find((s) => s.name === airlocks[0]!.name)!;
    for (const { name } of airlocks) {
      const air = summary.find((s) => s.name === name)!;
      console.log(
        `${name}: ${(air.rps / node.rps).toFixed(2)}× the node proxy's req/s${peer ? `, ${(air.rps / peer.rps).toFixed(2)}× nginx's; p99 ${(air.p99 - peer.p99).toFixed(2)} ms beyond nginx's` : ''}${air !== single ? `, ${(air.rps / single.rps).toFixed(2)}× ${single.name}'s` : ''}; event loop p99 ${air.loop?.p99} ms, max ${air.loop?.max} ms (worst round${airlocks.find((a) => a.name === name)!.pids.length > 0 ? ', worst worker' : ''}; the node proxy's: ${node.loop?.p99} / ${node.loop?.max} ms)`,
      );
    }
  }
} finally {
  for (const airlock of airlocks) {
    airlock.running.process.kill('SIGTERM');
    await once(airlock.running.process, 'exit');
  }
  proxy.process.kill();
  upstream.process.kill();
  nginx?.stop();
  console.log(
    `\nload average at the end ${loadavg()
      .map((l) => l.toFixed(1))
      .join(' ')}`,
  );
  for (const airlock of airlocks) {
    const after = await openRuntime(airlock.config, { log: silentLogger });
    const head = await after.store.audit.head();
    await after.close();
    // The log the run wrote must still verify: speed that broke the chain would not count.
    const verify = spawnSync(process.execPath, [join(ROOT, 'bin', 'airlock.js'), '--config', airlock.configPath, 'audit', 'verify'], { encoding: 'utf8' });
    console.log(
      `${airlock.name}: audit records written durably during the run: ${head.seq}; airlock audit verify: exit ${verify.status}; ${(verify.stdout || verify.stderr).trim().split('\n')[0]}`,
    );
  }
  rmSync(dir, { recursive: true, force: true });
}
