/**
 * Every request through the HTTP listener, and every statement through the PostgreSQL door, has
 * an id: the one the client sent when it is a sane token, else a new one. The HTTP answer returns
 * it in X-Request-Id, the JSON log line for the request carries it, and so do its audit records
 * and the other log lines written for it, operators' actions through the admin API included.
 * The HTTP cases run the built CLI (npm run build first) and read its real log output.
 */
import type { ChildProcess } from 'node:child_process';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { rmSync } from 'node:fs';
import { join, resolve } from 'node:path';
import Database from 'better-sqlite3';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { runCli, startAirlockProcess, writeTestConfig } from '../support/airlock.js';
import { agentClient, startPostgresWorld, type PostgresWorld } from '../doors/postgres/support.js';
import { Client } from '@modelcontextprotocol/sdk/client/index.js';
import { StreamableHTTPClientTransport } from '@modelcontextprotocol/sdk/client/streamableHttp.js';
import { createMcpDoor } from '../../src/doors/mcp/index.js';
import { startTestAirlock, type TestAirlock } from '../support/airlock.js';
import { startNotesHttpServer, type NotesHttpServer } from '../fixtures/mcp/notes-server.js';
import { totpCode } from '../../src/identity/totp.js';

let upstream: Server;
let upstreamUrl: string;
let dir: string;
let airlock: Awaited<ReturnType<typeof startAirlockProcess>>;
let token: string;
/** The operator alice: her TOTP secret and an API key for the admin API. */
let alice: { secret: string; key: string };

interface LogLine {
  readonly msg?: string;
  readonly requestId?: string;
  readonly path?: string;
  readonly status?: number;
  readonly verdict?: string;
  readonly holdId?: string;
}

function logLines(): LogLine[] {
  return airlock
    .output()
    .split('\n')
    .filter((line) => line.startsWith('{'))
    .map((line) => JSON.parse(line) as LogLine);
}

function auditRecords(): { type: string; requestId?: string; resources?: string[]; holdId?: string; verdict?: string; agent?: string; operator?: string }[] {
  const db = new Database(join(dir, 'data', 'airlock.db'), { readonly: true });
  try {
    return (db.prepare('SELECT body FROM audit ORDER BY seq').all() as { body: string }[]).map((row) => JSON.parse(row.body));
  } finally {
    db.close();
  }
}

const get = (item: string, headers: Record<string, string> = {}) =>
  fetch(`${airlock.url}/u/api/v1/items/${item}`, { headers: { authorization: `Bearer ${token}`, ...headers } });

/** The request's log line and its decision record, once both are written. */
async function traceOf(item: string): Promise<{ log: LogLine; record: { requestId?: string } }> {
  let log: LogLine | undefined;
  await expect
    .poll(() => (log = logLines().find((line) => line.msg === 'request' && line.path === `/u/api/v1/items/${item}`)), { timeout: 10_000 })
    .toBeDefined();
  const record = auditRecords().find((r) => r.type === 'decision' && r.resources?.includes(item));
  expect(record).toBeDefined();
  return { log: log!, record: record! };
}

beforeAll(async () => {
  upstream = createServer((request, response) => {
    response.writeHead(200, { 'content-type': 'application/json', 'x-request-id': 'upstream-own-id' });
    response.end(JSON.stringify({ url: request.url }));
  });
  await new Promise<void>((resolve) => upstream.listen(0, '127.0.0.1', resolve));
  upstreamUrl = `http://127.0.0.1:${(upstream.address() as AddressInfo).port}`;
  const written = writeTestConfig({
    config: {
      upstreams: [
        {
          name: 'api',
          kind: 'rest',
          url: upstreamUrl,
          environment: 'production',
          rules: [
            { method: 'GET', path: '/v1/items/{itemId}', class: 'read', action: 'itemGet' },
            { method: 'DELETE', path: '/v1/items/{itemId}', class: 'destructive', action: 'itemDelete' },
          ],
        },
      ],
    },
  });
  dir = written.dir;
  const cli = (...args: string[]) => runCli(['--config', written.configPath, ...args]);
  expect(cli('agent', 'add', 'deploy-bot').status).toBe(0);
  token = (
    JSON.parse(cli('token', 'issue', '--agent', 'deploy-bot', '--scope', 'read:production', '--scope', 'write:production', '--json').stdout) as {
      token: string;
    }
  ).token;
  expect(cli('agent', 'add', 'idle-bot').status).toBe(0);
  const secret = (JSON.parse(cli('operator', 'add', 'alice', '--json').stdout) as { secret: string }).secret;
  alice = { secret, key: (JSON.parse(cli('operator', 'key', 'issue', 'alice', '--json').stdout) as { key: string }).key };
  // The probe answers SIGUSR2 with whether an async hook watches the process's promises.
  const probe = `--import=${resolve(import.meta.dirname, '../support/promise-hooks-probe.mjs')}`;
  airlock = await startAirlockProcess(written.configPath, {
    AIRLOCK_LOG_LEVEL: 'info',
    NODE_OPTIONS: [process.env.NODE_OPTIONS, probe].filter(Boolean).join(' '),
  });
}, 60_000);

afterAll(async () => {
  const child: ChildProcess | undefined = airlock?.process;
  if (child && child.exitCode === null) await new Promise<void>((resolve) => child.once('exit', () => resolve()).kill('SIGTERM'));
  await new Promise<void>((resolve) => upstream?.close(() => resolve()));
  if (dir) rmSync(dir, { recursive: true, force: true });
});

describe('request ids on the HTTP listener', () => {
  it("returns the caller's own X-Request-Id and carries it in the request's log line and its audit record", async () => {
    const response = await get('traced', { 'x-request-id': 'trace-4f2a.9:b' });
    expect(response.status).toBe(200);
    expect(response.headers.get('x-request-id')).toBe('trace-4f2a.9:b');
    // The upstream's own id is not lost, and does not take the place of Airlock's.
    expect(response.headers.get('x-upstream-request-id')).toBe('upstream-own-id');
    const { log, record } = await traceOf('traced');
    expect(log).toMatchObject({ requestId: 'trace-4f2a.9:b', status: 200 });
    expect(record.requestId).toBe('trace-4f2a.9:b');
  });

  it('gives a request without one a new id, the same in the answer, the log and the audit', async () => {
    const response = await get('untraced');
    const id = response.headers.get('x-request-id');
    expect(id).toMatch(/^req_[A-Za-z0-9_-]{16}$/);
    const { log, record } = await traceOf('untraced');
    expect(log.requestId).toBe(id);
    expect(record.requestId).toBe(id);
  });

  it('replaces an id that could break a log line with a new one, and writes the offered one nowhere', async () => {
    const response = await get('hostile', { 'x-request-id': 'evil id" {"injected":true}' });
    const id = response.headers.get('x-request-id');
    expect(id).toMatch(/^req_/);
    const { log, record } = await traceOf('hostile');
    expect(log.requestId).toBe(id);
    expect(record.requestId).toBe(id);
    expect(airlock.output()).not.toContain('injected');
    expect(auditRecords().some((r) => JSON.stringify(r).includes('injected'))).toBe(false);
  });

  it("names refusals and Airlock's own endpoints too", async () => {
    const refused = await fetch(`${airlock.url}/u/api/v1/items/x`, { headers: { 'x-request-id': 'no-token-1' } });
    expect(refused.status).toBe(401);
    expect(refused.headers.get('x-request-id')).toBe('no-token-1');
    const health = await fetch(`${airlock.url}/healthz`, { headers: { 'x-request-id': 'probe-1' } });
    expect(health.headers.get('x-request-id')).toBe('probe-1');
    await expect.poll(() => logLines().find((line) => line.requestId === 'no-token-1' && line.msg === 'request')?.status, { timeout: 10_000 }).toBe(401);
  });

  it('gives each request its own id on one kept-alive connection', async () => {
    const ids = [];
    for (const item of ['one', 'two', 'three']) ids.push((await get(item)).headers.get('x-request-id'));
    expect(new Set(ids).size).toBe(3);
    for (const [i, item] of ['one', 'two', 'three'].entries()) expect((await traceOf(item)).record.requestId).toBe(ids[i]);
  });

  it("names the hold a request creates, and the log line that tells of it, with the request's id", async () => {
    const held = await fetch(`${airlock.url}/u/api/v1/items/doomed`, {
      method: 'DELETE',
      headers: { authorization: `Bearer ${token}`, 'x-request-id': 'delete-doomed-1' },
    });
    expect(held.headers.get('x-request-id')).toBe('delete-doomed-1');
    const holdId = held.headers.get('airlock-hold');
    expect(holdId).toMatch(/^hold_/);
    const decision = auditRecords().find((r) => r.type === 'decision' && r.holdId === holdId);
    expect(decision).toMatchObject({ verdict: 'hold', requestId: 'delete-doomed-1' });
    // The door's own line for a refusal or a hold, written while handling the request.
    await expect
      .poll(() => logLines().find((line) => line.msg === 'decided' && line.holdId === holdId), { timeout: 10_000 })
      .toMatchObject({ requestId: 'delete-doomed-1', verdict: 'hold' });
  });

  it("names an operator's approval and emergency stop through the admin API with the id of the request that made them", async () => {
    const admin = (path: string, id: string, body: unknown) =>
      fetch(`${airlock.url}/v1/admin${path}`, {
        method: 'POST',
        headers: { authorization: `Bearer ${alice.key}`, 'content-type': 'application/json', 'x-request-id': id },
        body: JSON.stringify(body),
      });
    const holdId = auditRecords().find((r) => r.type === 'decision' && r.verdict === 'hold' && r.resources?.includes('doomed'))?.holdId;
    expect(holdId).toBeDefined();
    const approved = await admin(`/holds/${holdId}/approve`, 'approve-doomed-1', { code: totpCode(alice.secret, new Date()) });
    expect(approved.status).toBe(200);
    expect(approved.headers.get('x-request-id')).toBe('approve-doomed-1');
    expect(auditRecords().find((r) => r.type === 'hold.approved' && r.holdId === holdId)).toMatchObject({ operator: 'alice', requestId: 'approve-doomed-1' });

    const stopped = await admin('/stop', 'stop-idle-1', { agent: 'idle-bot', reason: 'testing request ids' });
    expect(stopped.status).toBe(200);
    expect(auditRecords().find((r) => r.type === 'stop.agent' && r.agent === 'idle-bot')).toMatchObject({ operator: 'alice', requestId: 'stop-idle-1' });
  });

  it("names the approved retry's decision with the retry's own id, not the hold's", async () => {
    const retried = await fetch(`${airlock.url}/u/api/v1/items/doomed`, {
      method: 'DELETE',
      headers: { authorization: `Bearer ${token}`, 'x-request-id': 'delete-doomed-2' },
    });
    expect(retried.status).toBe(200);
    const run = auditRecords().filter((r) => r.resources?.includes('doomed') && r.type === 'decision');
    expect(run.map((r) => [r.verdict, r.requestId])).toEqual([
      ['hold', 'delete-doomed-1'],
      ['allow', 'delete-doomed-2'],
    ]);
  });

  it('runs with no async hook watching its promises once every kind of request has been served', async () => {
    // The HTTP door, a refusal, a hold, the admin API and a probe have all run in this process above.
    const answer = () => logLines().find((line) => (line as { probe?: string }).probe === 'promise-hooks') as { active?: boolean } | undefined;
    expect(answer()).toBeUndefined();
    airlock.process.kill('SIGUSR2');
    await expect.poll(answer, { timeout: 10_000 }).toBeDefined();
    expect(answer()).toMatchObject({ active: false });
  });
});

describe('request ids in the PostgreSQL door', () => {
  let world: PostgresWorld;
  beforeAll(async () => {
    world = await startPostgresWorld({ prefix: 'reqid', setup: 'CREATE TABLE items (id int); INSERT INTO items VALUES (1), (2);' });
  }, 60_000);
  afterAll(async () => world?.close());

  it('records each statement with an id of its own', async () => {
    const token = await world.airlock.token('sql-bot', ['read:staging', 'read:production', 'write:staging', 'write:production']);
    const client = agentClient(world, 'sql-bot', token);
    await client.connect();
    try {
      await client.query('SELECT count(*) FROM items');
      await client.query('SELECT id FROM items WHERE id = 2');
      // With a parameter: Parse, Bind and Execute, judged at the Bind.
      await client.query('SELECT id FROM items WHERE id = $1', [1]);
    } finally {
      await client.end();
    }
    const decisions = (await world.airlock.airlock.runtime.store.audit.list({ type: 'decision', agent: 'sql-bot' })).filter((r) => r.door === 'postgres');
    const statements = decisions.filter((r) => r.summary?.includes('items'));
    expect(statements).toHaveLength(3);
    for (const record of statements) expect(record.requestId).toMatch(/^req_/);
    expect(new Set(statements.map((r) => r.requestId)).size).toBe(3);
  }, 60_000);
});

describe('request ids in the MCP door', () => {
  let notes: NotesHttpServer;
  let mcp: TestAirlock;
  beforeAll(async () => {
    notes = await startNotesHttpServer();
    mcp = await startTestAirlock({
      config: { upstreams: [{ name: 'notes', kind: 'mcp', environment: 'staging', transport: { type: 'http', url: notes.url } }] },
      doors: [createMcpDoor()],
    });
  }, 60_000);
  afterAll(async () => {
    await mcp?.close();
    await notes?.close();
  });

  it('records each tool call with the id of the HTTP request that carried it, as returned to the client', async () => {
    const answered: string[] = [];
    let next = 0;
    // Each POST names itself, and the answer's id is kept: what an agent's tracing would do.
    const tracing: typeof fetch = async (input, init) => {
      const headers = new Headers(init?.headers);
      headers.set('x-request-id', `mcp-${++next}`);
      const response = await fetch(input, { ...init, headers });
      answered.push(response.headers.get('x-request-id') ?? '');
      return response;
    };
    const client = new Client({ name: 'test-agent', version: '1.0.0' });
    const token = await mcp.token('notes-bot', ['read:staging']);
    await client.connect(
      new StreamableHTTPClientTransport(new URL(`${mcp.url}/mcp`), { requestInit: { headers: { authorization: `Bearer ${token}` } }, fetch: tracing }),
    );
    try {
      await client.callTool({ name: 'notes__list_notes', arguments: {} });
      const id = `mcp-${next}`;
      expect(answered.at(-1)).toBe(id);
      await client.callTool({ name: 'notes__list_notes', arguments: {} });
      const calls = (await mcp.airlock.runtime.store.audit.list({ type: 'decision', agent: 'notes-bot' })).filter((r) => r.door === 'mcp');
      expect(calls.map((r) => r.requestId)).toEqual([id, `mcp-${next}`]);
    } finally {
      await client.close();
    }
  }, 60_000);
});
