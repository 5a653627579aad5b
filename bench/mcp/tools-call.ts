/**
 * MCP `tools/call` round trips, direct to an MCP server and through Airlock's MCP door, side by
 * side in one run, with the official SDK client over Streamable HTTP on both paths.
 *
 * - upstream: the notes test server in its own process (Streamable HTTP, JSON responses);
 * - direct: the client talks to it;
 * - through Airlock: the client talks to Airlock's /mcp (token checked, call classified,
 *   judged, recorded durably in the audit log), which forwards it on its kept-open session.
 *
 * A third column times the gate alone (runtime.gate.decide for the same kind of operation:
 * authentication, policy, the durable audit record), so that the door's own share of the added
 * time can be read off: added − gate. Beside it, the audit record alone (runtime.audit.append of
 * a record like the gate's, committed as the gate commits a read: without its own sync), wall
 * and CPU, so that the gate's time splits into waiting for the audit writer and its own work.
 *
 * CPU time per call is printed beside the wall times: on a busy machine the medians grow with
 * the waiting, while the CPU a call costs does not.
 *
 * A second Airlock in the same process, whose door sends every request through the MCP SDK's
 * server transport (`directToolCalls: false`), is the A/B column: the same call, the same gate,
 * only without the door's direct answer to a tools/call (src/doors/mcp/direct.ts). A third
 * sends tool calls upstream through the SDK client (`postToolCalls: false`) rather than POSTing
 * them itself (src/doors/mcp/upstream-post.ts).
 *
 * Calls rotate direct / through / through each A/B Airlock, so that all see the same machine
 * conditions. Two tools:
 * one read by its annotations, one that carries SQL (parsed by libpg-query on each call that
 * misses the classifier's cache; the text varies so that every call misses).
 *
 * Run: npx tsx bench/mcp/tools-call.ts   (ROUNDS=2000 by default)
 */
import { spawn } from 'node:child_process';
import { once } from 'node:events';
import { loadavg } from 'node:os';
import { join } from 'node:path';
import { performance } from 'node:perf_hooks';
import { Client } from '@modelcontextprotocol/sdk/client/index.js';
import { StreamableHTTPClientTransport } from '@modelcontextprotocol/sdk/client/streamableHttp.js';
import { operationFromParts } from '../../src/core/operation.js';
import type { AuditRecord } from '../../src/store/records.js';
import { fetchWithOwnSignal } from '../../src/doors/mcp/fetch.js';
import { createMcpDoor } from '../../src/doors/mcp/index.js';
import { startTestAirlock } from '../../test/support/airlock.js';
import { machine, printTable, summarize } from '../stats.js';

const ROUNDS = Number(process.env.ROUNDS ?? 2_000);
const WARMUP = Math.min(300, ROUNDS);
const ROOT = join(import.meta.dirname, '..', '..');

async function startUpstream(): Promise<{ url: string; stop: () => void }> {
  const child = spawn(process.execPath, ['--import', 'tsx', join(ROOT, 'test', 'fixtures', 'mcp', 'notes-server.ts'), '--http'], {
    cwd: ROOT,
    stdio: ['ignore', 'pipe', 'inherit'],
  });
  const [chunk] = (await once(child.stdout!, 'data')) as [Buffer];
  return { url: chunk.toString().trim(), stop: () => child.kill() };
}

async function client(url: string, token?: string): Promise<Client> {
  const c = new Client({ name: 'bench', version: '1' });
  // Both paths' clients get a signal per request, as Airlock's own upstream client does (see src/doors/mcp/fetch.ts).
  await c.connect(
    new StreamableHTTPClientTransport(new URL(url), { fetch: fetchWithOwnSignal, requestInit: { headers: token ? { authorization: `Bearer ${token}` } : {} } }),
  );
  return c;
}

const upstream = await startUpstream();
const airlock = await startTestAirlock({
  config: { upstreams: [{ name: 'notes', kind: 'mcp', environment: 'staging', transport: { type: 'http', url: upstream.url } }] },
  doors: [createMcpDoor()],
});
const viaSdk = await startTestAirlock({
  config: { upstreams: [{ name: 'notes', kind: 'mcp', environment: 'staging', transport: { type: 'http', url: upstream.url } }] },
  doors: [createMcpDoor({ directToolCalls: false })],
});
const upstreamViaSdk = await startTestAirlock({
  config: { upstreams: [{ name: 'notes', kind: 'mcp', environment: 'staging', transport: { type: 'http', url: upstream.url } }] },
  doors: [createMcpDoor({ postToolCalls: false })],
});
const direct = await client(upstream.url);
const token = await airlock.token('bench-bot', ['write:staging']);
const through = await client(`${airlock.url}/mcp`, token);
const throughSdk = await client(`${viaSdk.url}/mcp`, await viaSdk.token('bench-bot', ['write:staging']));
const throughSdkUpstream = await client(`${upstreamViaSdk.url}/mcp`, await upstreamViaSdk.token('bench-bot', ['write:staging']));

/** The gate's part of a call through Airlock (authentication included): the same decision, made directly; wall ms and CPU ms. */
async function gateOnly(i: number): Promise<[number, number]> {
  const operation = operationFromParts({
    door: 'mcp',
    upstream: 'notes',
    environment: 'staging',
    parts: [{ action: 'mcp:list_notes', class: 'read', resources: [] }],
    digest: `bench-${i}`,
  });
  const { gate } = airlock.airlock.runtime;
  const cpuStart = process.cpuUsage();
  const start = performance.now();
  // As the door asks: it authenticates the request through the gate, and the decision uses that.
  const authenticated = await gate.authenticate(token);
  const { verdict, record } = await gate.decide({ operation, token, authenticated });
  const elapsed = performance.now() - start;
  if (verdict.kind !== 'allow') throw new Error(`gate refused: ${verdict.reasons.join('; ')}`);
  lastRecord = record;
  return [elapsed, cpuMs(cpuStart)];
}

let lastRecord: AuditRecord | undefined;

/** The audit record alone: one like the gate's last, appended as the gate appends an allowed read. */
async function auditOnly(): Promise<[number, number]> {
  const { seq: _seq, prev: _prev, hash: _hash, at: _at, ...entry } = lastRecord!;
  const cpuStart = process.cpuUsage();
  const start = performance.now();
  await airlock.airlock.runtime.audit.append(entry, { sync: false });
  return [performance.now() - start, cpuMs(cpuStart)];
}

function cpuMs(since: NodeJS.CpuUsage): number {
  const used = process.cpuUsage(since);
  return (used.user + used.system) / 1000;
}

const workloads = [
  { label: 'read tool (annotations)', direct: () => ({ name: 'list_notes', arguments: {} }), through: () => ({ name: 'notes__list_notes', arguments: {} }) },
  {
    label: 'SQL in an argument',
    direct: (i: number) => ({ name: 'execute_sql', arguments: { sql: `SELECT title FROM notes WHERE id = ${i}` } }),
    through: (i: number) => ({ name: 'notes__execute_sql', arguments: { sql: `SELECT title FROM notes WHERE id = ${i}` } }),
  },
];

const rows: Record<string, string | number>[] = [];
const gateRows: Record<string, string | number>[] = [];
const PATHS = ['direct', 'through', 'sdk', 'sdkUpstream'] as const;
type Path = (typeof PATHS)[number];
const clients: Record<Path, Client> = { direct, through, sdk: throughSdk, sdkUpstream: throughSdkUpstream };
const load: number[] = [];
try {
  for (const workload of workloads) {
    const times: Record<Path | 'gate' | 'audit', number[]> = { direct: [], through: [], sdk: [], sdkUpstream: [], gate: [], audit: [] };
    const cpu: Record<Path | 'gate' | 'audit', number> = { direct: 0, through: 0, sdk: 0, sdkUpstream: 0, gate: 0, audit: 0 };
    for (let i = 0; i < WARMUP + ROUNDS; i++) {
      // Each round starts with the next path, so that no path always follows another.
      for (let k = 0; k < PATHS.length; k++) {
        const path = PATHS[(i + k) % PATHS.length]!;
        const params = path === 'direct' ? workload.direct(i) : workload.through(i);
        const cpuStart = process.cpuUsage();
        const start = performance.now();
        const result = await clients[path].callTool(params);
        const elapsed = performance.now() - start;
        const used = process.cpuUsage(cpuStart);
        if (i >= WARMUP) cpu[path] += (used.user + used.system) / 1000;
        if (result.isError) throw new Error(`${path} ${params.name} failed: ${JSON.stringify(result.content)}`);
        if (i >= WARMUP) times[path].push(elapsed);
      }
      const [gate, gateCpu] = await gateOnly(i);
      const [audit, auditCpu] = await auditOnly();
      if (i >= WARMUP) {
        times.gate.push(gate);
        times.audit.push(audit);
        cpu.gate += gateCpu;
        cpu.audit += auditCpu;
      }
    }
    load.push(loadavg()[0]!);
    const d = summarize(times.direct);
    const g = summarize(times.gate);
    const row = (path: Path, label: string, first: boolean) => {
      const t = summarize(times[path]);
      return {
        workload: first ? workload.label : '',
        path: label,
        'p50 ms': t.p50,
        'p90 ms': t.p90,
        'p99 ms': t.p99,
        'added p50 ms': path === 'direct' ? '' : (t.p50 - d.p50).toFixed(3),
        ratio: path === 'direct' ? '' : `${(t.p50 / d.p50).toFixed(2)}×`,
        'gate p50 ms': path === 'direct' ? '' : g.p50.toFixed(3),
        'door p50 ms': path === 'direct' ? '' : (t.p50 - d.p50 - g.p50).toFixed(3),
        'cpu/call ms': (cpu[path] / ROUNDS).toFixed(3),
      };
    };
    rows.push(
      row('direct', 'direct', true),
      row('through', 'through Airlock', false),
      row('sdk', 'through Airlock, SDK path (A/B)', false),
      row('sdkUpstream', 'through Airlock, SDK client upstream (A/B)', false),
    );
    const a = summarize(times.audit);
    gateRows.push({
      workload: workload.label,
      'gate p50 ms': g.p50.toFixed(3),
      'gate cpu ms': (cpu.gate / ROUNDS).toFixed(3),
      'audit append p50 ms': a.p50.toFixed(3),
      'audit cpu ms': (cpu.audit / ROUNDS).toFixed(3),
      'gate − audit p50 ms': (g.p50 - a.p50).toFixed(3),
    });
  }
  printTable(`MCP tools/call round trips, ${ROUNDS} each (${machine()}; load average ${load.map((l) => l.toFixed(1)).join(', ')})`, rows);
  printTable('The gate alone, and its audit record alone (same rounds)', gateRows);
  console.log(
    '\nadded p50: the median through Airlock minus the median direct; ratio: through / direct at the median;\n' +
      "gate p50: the gate's decision alone (authenticate, policy, durable audit record); door p50: added − gate, the door's own share;\n" +
      "SDK path (A/B): a second Airlock whose door hands tool calls to the MCP SDK's server transport, as before the direct path;\n" +
      'SDK client upstream (A/B): a third, whose door sends tool calls upstream through the SDK client rather than POSTing them itself;\n' +
      'cpu/call: CPU time of this process (client, and Airlock with its audit writer thread) per call, which a busy machine does not inflate as it does wall time;\n' +
      "audit append: runtime.audit.append of a record like the gate's, committed without its own sync as an allowed read is (CPU: both threads).",
  );
} finally {
  await direct.close();
  await through.close();
  await throughSdk.close();
  await throughSdkUpstream.close();
  await airlock.close();
  await viaSdk.close();
  await upstreamViaSdk.close();
  upstream.stop();
}
