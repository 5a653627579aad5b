/**
 * What operators' tools see: /metrics in Prometheus' text format, /readyz that turns unready when
 * the store goes away (and Airlock refusing meanwhile), /healthz that stays alive, and a SIGTERM
 * that lets a request in flight finish and be recorded. The SIGTERM test runs the built CLI
 * (npm run build first).
 */
import { spawnSync } from 'node:child_process';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { rmSync } from 'node:fs';
import { afterEach, describe, expect, it } from 'vitest';
import { Counter, Registry } from 'prom-client';
import { AIRLOCK_BIN, ROOT, runCli, startAirlockProcess, startTestAirlock, writeTestConfig, type TestAirlock } from '../support/airlock.js';
import type { DecideAnswer } from '../support/answers.js';
import { freshPostgresDatabase } from '../store/stores.js';
import { startRecordingServer } from '../holds/support.js';
import { parsePrometheusText } from './prometheus-text.js';

const cleanups: (() => Promise<unknown> | unknown)[] = [];
afterEach(async () => {
  for (const cleanup of cleanups.splice(0).reverse()) await cleanup();
});

const UPSTREAM = { name: 'railway', kind: 'graphql', url: 'http://127.0.0.1:9/graphql', environment: 'production', environments: { 'stg-*': 'staging' } };

async function decide(airlock: TestAirlock, token: string, operation: Record<string, unknown>): Promise<DecideAnswer> {
  const response = await fetch(`${airlock.url}/v1/decide`, {
    method: 'POST',
    headers: { 'content-type': 'application/json', authorization: `Bearer ${token}` },
    body: JSON.stringify({ operation: { upstream: 'railway', ...operation } }),
  });
  return (await response.json()) as DecideAnswer;
}

describe('/metrics', () => {
  it('parses under the text format’s rules and counts decisions by door, verdict and class, with latencies and pending holds', async () => {
    const airlock = await startTestAirlock({ config: { upstreams: [UPSTREAM] } });
    cleanups.push(() => airlock.close());
    const token = await airlock.token('deploy-bot', ['write:staging']);
    expect((await decide(airlock, token, { action: 'graphql:serviceUpdate', class: 'write', resources: ['stg-api'] })).verdict).toBe('allow');
    expect((await decide(airlock, token, { action: 'graphql:volumeDelete', class: 'destructive', resources: ['vol-prod'] })).verdict).toBe('hold');
    const response = await fetch(`${airlock.url}/metrics`);
    expect(response.headers.get('content-type')).toBe('text/plain; version=0.0.4; charset=utf-8');
    const families = parsePrometheusText(await response.text());
    const decisions = families.get('airlock_decisions_total')!;
    expect(decisions.type).toBe('counter');
    expect(decisions.samples).toEqual(
      expect.arrayContaining([
        { name: 'airlock_decisions_total', labels: { door: 'api', verdict: 'allow', class: 'write' }, value: 1 },
        { name: 'airlock_decisions_total', labels: { door: 'api', verdict: 'hold', class: 'destructive' }, value: 1 },
      ]),
    );
    const latency = families.get('airlock_decision_duration_seconds')!;
    expect(latency.type).toBe('histogram');
    expect(latency.samples.find((s) => s.name === 'airlock_decision_duration_seconds_count')).toMatchObject({ labels: { door: 'api' }, value: 2 });
    const answered = families
      .get('airlock_request_duration_seconds')!
      .samples.find((s) => s.name === 'airlock_request_duration_seconds_count' && s.labels.door === 'api');
    expect(answered?.value).toBe(2);
    expect(families.get('airlock_holds_pending')?.samples[0]?.value).toBe(1);
    expect(families.get('airlock_stop_active')?.samples[0]?.value).toBe(0);
    expect(families.get('airlock_agents')?.samples).toContainEqual({ name: 'airlock_agents', labels: { state: 'active' }, value: 1 });
    expect(families.get('airlock_audit_queue_depth')?.type).toBe('gauge');
    expect(families.has('airlock_store_errors_total')).toBe(true);
    // Nothing an agent or an operator sent appears in it: no token, no agent name.
    const text = await (await fetch(`${airlock.url}/metrics`)).text();
    expect(text).not.toContain(token);
    expect(text).not.toContain('deploy-bot');
  });

  it('escapes label values, so that a hostile value cannot forge a series or break the format', async () => {
    const registry = new Registry();
    const counter = new Counter({ name: 'airlock_test_total', help: 'A help text with a \\ and a\nnewline.', labelNames: ['signal'], registers: [registry] });
    const hostile = 'x"} 1\nairlock_decisions_total{door="api';
    counter.inc({ signal: hostile });
    counter.inc({ signal: 'back\\slash' }, 2);
    const families = parsePrometheusText(await registry.metrics());
    expect([...families.keys()]).toEqual(['airlock_test_total']);
    expect(families.get('airlock_test_total')!.samples).toEqual([
      { name: 'airlock_test_total', labels: { signal: hostile }, value: 1 },
      { name: 'airlock_test_total', labels: { signal: 'back\\slash' }, value: 2 },
    ]);
  });
});

describe('/readyz and /healthz', () => {
  it('on PostgreSQL: ready with the store reachable, unready (503) when the database goes away, and Airlock refuses meanwhile while /healthz stays alive', async () => {
    const database = await freshPostgresDatabase();
    cleanups.push(() => database.drop());
    const upstream = await startRecordingServer();
    cleanups.push(() => upstream.close());
    const airlock = await startTestAirlock({
      config: { store: { postgres: database.url }, upstreams: [UPSTREAM, { name: 'api', kind: 'rest', url: upstream.url, environment: 'staging' }] },
    });
    cleanups.push(() => airlock.close());
    const token = await airlock.token('deploy-bot', ['write:staging']);
    const ready = await fetch(`${airlock.url}/readyz`);
    expect(ready.status).toBe(200);
    expect(await ready.json()).toMatchObject({ status: 'ready', store: 'postgres' });

    await database.drop();
    const unready = await fetch(`${airlock.url}/readyz`);
    expect(unready.status).toBe(503);
    const body = (await unready.json()) as { status: string; problems: string[] };
    expect(body.status).toBe('unready');
    expect(body.problems.join(' ')).toMatch(/PostgreSQL does not answer|did not answer/);
    expect((await fetch(`${airlock.url}/healthz`)).status).toBe(200);
    const refused = await decide(airlock, token, { action: 'graphql:serviceUpdate', class: 'write', resources: ['stg-api'] });
    expect(refused).toMatchObject({ verdict: 'deny' });
    // Through a door: refused in its own form, with the reason, and nothing reaches the upstream.
    const door = await fetch(`${airlock.url}/u/api/v1/items`, { headers: { authorization: `Bearer ${token}` } });
    expect(door.status).toBeGreaterThanOrEqual(500);
    expect(await door.text()).toMatch(/nothing was forwarded/);
    expect(upstream.received).toEqual([]);
    const metrics = parsePrometheusText(await (await fetch(`${airlock.url}/metrics`)).text());
    const errors = metrics.get('airlock_store_errors_total')!.samples;
    expect(errors.reduce((sum, s) => sum + s.value, 0)).toBeGreaterThanOrEqual(1);
  });

  it('on SQLite: ready, naming the store and the policies loaded', async () => {
    const airlock = await startTestAirlock({ config: { upstreams: [UPSTREAM] } });
    cleanups.push(() => airlock.close());
    const ready = await fetch(`${airlock.url}/readyz`);
    expect(ready.status).toBe(200);
    expect(await ready.json()).toMatchObject({ status: 'ready', store: 'sqlite' });
  });
});

/** An upstream that holds each request until the test lets it answer. */
async function startSlowUpstream(): Promise<{ url: string; arrived: Promise<void>; release(): void; close(): Promise<void> }> {
  let arrive!: () => void;
  const arrived = new Promise<void>((resolve) => (arrive = resolve));
  const waiting: (() => void)[] = [];
  const server: Server = createServer((request, response) => {
    request.resume();
    waiting.push(() => {
      response.writeHead(200, { 'content-type': 'application/json' });
      response.end('{"volumes":[]}');
    });
    arrive();
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', () => resolve()));
  return {
    url: `http://127.0.0.1:${(server.address() as AddressInfo).port}`,
    arrived,
    release: () => {
      for (const answer of waiting.splice(0)) answer();
    },
    close: () => new Promise<void>((resolve) => server.close(() => resolve())),
  };
}

describe('SIGTERM', () => {
  it('lets a request in flight finish and records it, takes no new connection, flushes the audit and exits 0', async () => {
    const upstream = await startSlowUpstream();
    cleanups.push(() => upstream.close());
    const { dir, configPath } = writeTestConfig({ config: { upstreams: [{ name: 'api', kind: 'rest', url: upstream.url, environment: 'staging' }] } });
    cleanups.push(() => rmSync(dir, { recursive: true, force: true }));
    const cli = (...args: string[]) => runCli(['--config', configPath, ...args]);
    expect(cli('agent', 'add', 'deploy-bot').status).toBe(0);
    const { token } = JSON.parse(cli('token', 'issue', '--agent', 'deploy-bot', '--scope', 'read:staging', '--json').stdout) as { token: string };
    const airlock = await startAirlockProcess(configPath);
    cleanups.push(() => {
      if (airlock.process.exitCode === null) airlock.process.kill('SIGKILL');
    });
    const exited = new Promise<number | null>((resolve) => airlock.process.once('exit', (code) => resolve(code)));

    const inFlight = fetch(`${airlock.url}/u/api/v1/volumes`, { headers: { authorization: `Bearer ${token}` } });
    await upstream.arrived;
    airlock.process.kill('SIGTERM');
    // The listener closes at once: a new connection is refused, while the one in flight stays.
    await expect
      .poll(
        async () =>
          fetch(`${airlock.url}/healthz`).then(
            () => 'answered',
            () => 'refused',
          ),
        { interval: 20, timeout: 5000 },
      )
      .toBe('refused');
    upstream.release();
    const response = await inFlight;
    expect(response.status).toBe(200);
    expect(await response.json()).toEqual({ volumes: [] });
    expect(await exited).toBe(0);

    const verify = spawnSync(process.execPath, [AIRLOCK_BIN, '--config', configPath, 'audit', 'verify'], { cwd: ROOT, encoding: 'utf8' });
    expect(verify.stdout).toMatch(/^ok: /);
    const records = cli('audit', 'tail', '--json')
      .stdout.trim()
      .split('\n')
      .map((line) => JSON.parse(line) as { type: string; verdict?: string });
    expect(records.some((r) => r.type === 'decision' && r.verdict === 'allow')).toBe(true);
  });
});
