/**
 * What the egress door costs: a 1 KB GraphQL read sent one at a time, as an agent's tool sends
 * it, by four paths to the same upstream (bench/http/upstream.ts, its own process):
 *
 * - direct:       client → upstream (plain HTTP)
 * - http door:    client → Airlock at /u/bench → upstream
 * - egress:       client → Airlock's egress door (CONNECT, TLS with a certificate from Airlock's
 *                 CA for the real host name) → the same judging as the HTTP door → upstream
 *
 * Each is measured two ways: on a new connection per request (for egress: CONNECT + TLS
 * handshake + the request), and on one kept-alive connection. Airlock runs as `airlock start`
 * in its own process, with everything on (token, classification, Cedar, durable audit).
 * Medians of ROUNDS rounds of REQUESTS requests each; targets alternate within a round.
 *
 * Run: npm run bench:egress   (REQUESTS=300, ROUNDS=5)
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { once } from 'node:events';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { loadavg, tmpdir } from 'node:os';
import { join } from 'node:path';
import { Agent, type Dispatcher, ProxyAgent, request } from 'undici';
import { stringify } from 'yaml';
import { loadConfig } from '../src/config/load.js';
import { loadOrCreateCa } from '../src/doors/egress/ca.js';
import { loadSecretKey } from '../src/identity/secret-box.js';
import { issueToken } from '../src/identity/tokens.js';
import { silentLogger } from '../src/server/log.js';
import { openRuntime } from '../src/server/runtime.js';
import { startAirlockProcess } from '../test/support/airlock.js';
import { machine, median, printTable } from './stats.js';

const REQUESTS = Number(process.env.REQUESTS ?? 300);
const ROUNDS = Number(process.env.ROUNDS ?? 5);
const ROOT = join(import.meta.dirname, '..');
const CREDENTIAL = 'rw_bench_credential_0123456789';
const HOST = 'api.bench.example';

function requestBody(): string {
  const base = {
    query: 'query Project($id: String!, $note: String) { project(id: $id) { id name description } }',
    variables: { id: 'prj_bench', note: '' },
    operationName: 'Project',
  };
  base.variables.note = 'x'.repeat(1024 - Buffer.byteLength(JSON.stringify(base)));
  return JSON.stringify(base);
}

async function child(script: string): Promise<{ url: string; process: ChildProcess }> {
  const proc = spawn(process.execPath, ['--import', 'tsx', join(import.meta.dirname, script)], { cwd: ROOT, stdio: ['ignore', 'pipe', 'inherit'] });
  const [chunk] = (await once(proc.stdout!, 'data')) as [Buffer];
  return { url: chunk.toString().trim(), process: proc };
}

interface Target {
  readonly name: string;
  readonly url: string;
  readonly headers: Record<string, string>;
  /** A dispatcher for one new connection (closed after one request), or for a kept-alive one. */
  dispatcher(kind: 'new' | 'kept'): Dispatcher;
}

async function once_(target: Target, dispatcher: Dispatcher, body: string): Promise<number> {
  const started = performance.now();
  const answer = await request(target.url, { method: 'POST', headers: target.headers, body, dispatcher });
  await answer.body.arrayBuffer();
  if (answer.statusCode !== 200) throw new Error(`${target.name} answered ${answer.statusCode}`);
  return performance.now() - started;
}

/** Median latency in ms of REQUESTS sequential requests. */
async function measure(target: Target, kind: 'new' | 'kept', body: string): Promise<number> {
  const samples: number[] = [];
  if (kind === 'kept') {
    const dispatcher = target.dispatcher('kept');
    await once_(target, dispatcher, body);
    for (let i = 0; i < REQUESTS; i++) samples.push(await once_(target, dispatcher, body));
    await dispatcher.close();
  } else {
    for (let i = 0; i < REQUESTS; i++) {
      const dispatcher = target.dispatcher('new');
      samples.push(await once_(target, dispatcher, body));
      await dispatcher.close();
    }
  }
  return median(samples);
}

const body = requestBody();
const upstream = await child('http/upstream.ts');
const dir = mkdtempSync(join(tmpdir(), 'airlock-bench-'));
const configPath = join(dir, 'airlock.yaml');
writeFileSync(
  configPath,
  stringify({
    listen: { http: '127.0.0.1:0', egress: '127.0.0.1:0' },
    dataDir: join(dir, 'data'),
    upstreams: [
      { name: 'bench', kind: 'graphql', url: upstream.url, hosts: [HOST], environment: 'staging', credential: { bearer: { env: 'AIRLOCK_BENCH_CREDENTIAL' } } },
    ],
  }),
);
const config = loadConfig(configPath);
const setup = await openRuntime(config, { log: silentLogger });
await setup.store.agents.add({ name: 'bench-agent' }, new Date().toISOString());
const { token } = await issueToken(setup.store, { agent: 'bench-agent', scopes: ['read:staging'], ttlMs: 86_400_000 }, new Date());
await setup.close();
const ca = (await loadOrCreateCa(config.dataDir, loadSecretKey(config.dataDir))).certificatePem;
const airlock = await startAirlockProcess(configPath, { AIRLOCK_BENCH_CREDENTIAL: CREDENTIAL });
const proxy = `http://${airlock.addresses.egress}`;

const plain = (kind: 'new' | 'kept') => new Agent(kind === 'new' ? { pipelining: 0 } : { keepAliveTimeout: 60_000 });
const json = { 'content-type': 'application/json' };
const targets: Target[] = [
  { name: 'direct', url: upstream.url, headers: { ...json, authorization: `Bearer ${CREDENTIAL}` }, dispatcher: plain },
  { name: 'http door', url: `${airlock.url}/u/bench`, headers: { ...json, authorization: `Bearer ${token}` }, dispatcher: plain },
  {
    name: 'egress (CONNECT + TLS)',
    url: `https://${HOST}/graphql`,
    headers: { ...json, authorization: `Bearer ${token}` },
    dispatcher: () => new ProxyAgent({ uri: proxy, requestTls: { ca } }),
  },
];

try {
  console.log(`Egress door benchmark: ${Buffer.byteLength(body)}-byte GraphQL reads, one at a time, ${REQUESTS} per measurement, ${ROUNDS} rounds`);
  console.log(
    `machine: ${machine()}, load average ${loadavg()
      .map((l) => l.toFixed(1))
      .join(' ')}`,
  );
  for (const target of targets) for (const kind of ['new', 'kept'] as const) await measure(target, kind, body);
  const results = new Map<string, { new: number[]; kept: number[] }>(targets.map((t) => [t.name, { new: [], kept: [] }]));
  for (let round = 0; round < ROUNDS; round++) {
    for (const target of targets) {
      for (const kind of ['new', 'kept'] as const) results.get(target.name)![kind].push(await measure(target, kind, body));
    }
  }
  const direct = results.get('direct')!;
  printTable(
    'median latency per request, ms',
    targets.map((target) => {
      const r = results.get(target.name)!;
      return {
        path: target.name,
        'new connection': median(r.new),
        '× direct': median(r.new) / median(direct.new),
        'kept-alive': median(r.kept),
        '× direct ': median(r.kept) / median(direct.kept),
      };
    }),
  );
  const egress = results.get('egress (CONNECT + TLS)')!;
  const door = results.get('http door')!;
  console.log(
    `\nThe egress door adds ${(median(egress.new) - median(door.new)).toFixed(2)} ms per new connection (CONNECT, TLS handshake, its audit record) ` +
      `and ${(median(egress.kept) - median(door.kept)).toFixed(2)} ms per kept-alive request (TLS, the credential check) to the HTTP door.`,
  );
} finally {
  // Airlock flushes its audit log as it stops: remove its data only once it has.
  const stopped = once(airlock.process, 'exit');
  airlock.process.kill();
  upstream.process.kill();
  await stopped;
  rmSync(dir, { recursive: true, force: true });
}
