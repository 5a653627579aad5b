/**
 * `workers: 2`: two processes serve the doors on one listener and one SQLite store. Requests
 * are served by both, each recorded once; a stop reaches both; /metrics counts both; a worker
 * killed under load is replaced and nothing answered goes unrecorded; SIGHUP reloads each once;
 * SIGTERM stops them all. The built CLI runs for real (npm run build first).
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { once } from 'node:events';
import { readFileSync, rmSync, writeFileSync } from 'node:fs';
import { Agent, createServer, request as httpRequest, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { createServer as createNetServer } from 'node:net';
import { join } from 'node:path';
import Database from 'better-sqlite3';
import { parse, stringify } from 'yaml';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { AIRLOCK_BIN, ROOT, runCli, writeTestConfig } from '../support/airlock.js';
import { parsePrometheusText } from './prometheus-text.js';

interface LogLine {
  readonly msg?: string;
  readonly pid?: number;
  readonly worker?: number;
  readonly workerPid?: number;
  readonly requestId?: string;
  readonly status?: number;
}

interface Group {
  readonly process: ChildProcess;
  readonly url: URL;
  readonly pids: number[];
  output(): string;
  logLines(): LogLine[];
  exited: Promise<number | null>;
}

/** `airlock start` with these arguments, once it prints its banner (or exits). */
async function startGroup(configPath: string, args: readonly string[] = []): Promise<Group> {
  const child = spawn(process.execPath, [AIRLOCK_BIN, '--config', configPath, 'start', ...args], {
    cwd: ROOT,
    env: { ...process.env, AIRLOCK_LOG_LEVEL: 'info' },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let stdout = '';
  let stderr = '';
  let partial = '';
  const lines: LogLine[] = [];
  child.stdout!.on('data', (chunk: Buffer) => (stdout += chunk.toString()));
  child.stderr!.on('data', (chunk: Buffer) => {
    stderr += chunk.toString();
    const text = partial + chunk.toString();
    const complete = text.split('\n');
    partial = complete.pop()!;
    for (const line of complete) if (line.startsWith('{')) lines.push(JSON.parse(line) as LogLine);
  });
  const exited = new Promise<number | null>((resolve) => child.once('exit', (code) => resolve(code)));
  await new Promise<void>((resolve, reject) => {
    const check = () => {
      if (/^ {2}agents|^No agents/m.test(stdout)) resolve();
    };
    child.stdout!.on('data', check);
    void exited.then((code) => reject(new Error(`airlock start exited with ${code}:\n${stdout}\n${stderr}`)));
  });
  const http = /^ {2}http +(\S+:\d+)$/m.exec(stdout)![1]!;
  const pids = /^ {2}workers +2 processes \((\d+), (\d+)\)/m
    .exec(stdout)!
    .slice(1)
    .map((pid) => Number(pid));
  return {
    process: child,
    url: new URL(`http://${http}`),
    pids,
    output: () => stdout + stderr,
    logLines: () => lines,
    exited,
  };
}

interface Answer {
  readonly status: number;
  readonly body: string;
}

/** One request; `agent: false` opens a connection of its own, which the primary deals to the next worker. */
function call(group: Group, method: string, path: string, options: { token?: string; id: string; agent?: Agent | false; body?: string }): Promise<Answer> {
  return new Promise((resolve, reject) => {
    const request = httpRequest(
      {
        host: group.url.hostname,
        port: group.url.port,
        method,
        path,
        agent: options.agent ?? false,
        headers: {
          'x-request-id': options.id,
          ...(options.token ? { authorization: `Bearer ${options.token}` } : {}),
          ...(options.body ? { 'content-type': 'application/json' } : {}),
        },
      },
      (response) => {
        let body = '';
        response.on('data', (chunk: Buffer) => (body += chunk.toString()));
        response.on('end', () => resolve({ status: response.statusCode ?? 0, body }));
        response.on('error', reject);
      },
    );
    request.on('error', reject);
    // A connection dealt to a worker as it was killed may never be answered.
    request.setTimeout(10_000, () => request.destroy(new Error('no answer')));
    request.end(options.body);
  });
}

let upstream: Server;
/** What the upstream holds: the items written through Airlock. */
const items = new Set<string>();
let dir: string;
let configPath: string;
let group: Group;
let readToken: string;
let counter = 0;
const nextId = (prefix: string) => `${prefix}-${++counter}`;

const cli = (...args: string[]) => runCli(['--config', configPath, ...args]);

function tokenFor(agent: string, scopes: string[]): string {
  expect(cli('agent', 'add', agent).status).toBe(0);
  const issued = cli('token', 'issue', '--agent', agent, ...scopes.flatMap((scope) => ['--scope', scope]), '--json');
  return (JSON.parse(issued.stdout) as { token: string }).token;
}

function decisionRecords(): { requestId?: string; verdict?: string; agent?: string }[] {
  const db = new Database(join(dir, 'data', 'airlock.db'), { readonly: true });
  try {
    return (db.prepare("SELECT body FROM audit WHERE type = 'decision' ORDER BY seq").all() as { body: string }[]).map((row) => JSON.parse(row.body));
  } finally {
    db.close();
  }
}

/** The pid of the worker that served the request with this id, from its log line. */
async function servedBy(id: string): Promise<number> {
  let line: LogLine | undefined;
  await expect.poll(() => (line = group.logLines().find((l) => l.msg === 'request' && l.requestId === id)), { timeout: 15_000 }).toBeDefined();
  return line!.pid!;
}

/** Two kept-alive connections, one to each worker. */
async function connectionToEachWorker(token: string): Promise<Map<number, Agent>> {
  const byPid = new Map<number, Agent>();
  for (let i = 0; i < 20 && byPid.size < 2; i++) {
    const agent = new Agent({ keepAlive: true, maxSockets: 1 });
    const id = nextId('pin');
    expect((await call(group, 'GET', '/u/api/v1/items/pin', { token, id, agent })).status).toBe(200);
    const pid = await servedBy(id);
    if (byPid.has(pid)) agent.destroy();
    else byPid.set(pid, agent);
  }
  expect([...byPid.keys()].sort()).toEqual([...group.pids].sort());
  return byPid;
}

async function decisionsCounted(agent: Agent): Promise<number> {
  const metrics = parsePrometheusText((await call(group, 'GET', '/metrics', { id: nextId('scrape'), agent })).body);
  return (metrics.get('airlock_decisions_total')?.samples ?? [])
    .filter((s) => s.labels.door === 'http' && s.labels.verdict === 'allow' && s.labels.class === 'read')
    .reduce((sum, s) => sum + s.value, 0);
}

beforeAll(async () => {
  upstream = createServer((request, response) => {
    const item = request.url?.split('/').pop() ?? '';
    if (request.method === 'POST') items.add(item);
    response.writeHead(200, { 'content-type': 'application/json' });
    response.end(JSON.stringify({ item }));
  });
  await new Promise<void>((resolve) => upstream.listen(0, '127.0.0.1', resolve));
  const written = writeTestConfig({
    config: {
      workers: 2,
      upstreams: [
        {
          name: 'api',
          kind: 'rest',
          url: `http://127.0.0.1:${(upstream.address() as AddressInfo).port}`,
          environment: 'staging',
          rules: [
            { method: 'GET', path: '/v1/items/{itemId}', class: 'read', action: 'itemGet' },
            { method: 'POST', path: '/v1/items/{itemId}', class: 'write', action: 'itemPut' },
          ],
        },
      ],
    },
  });
  dir = written.dir;
  configPath = written.configPath;
  readToken = tokenFor('reader-bot', ['read:staging']);
  group = await startGroup(configPath);
}, 60_000);

afterAll(async () => {
  if (group && group.process.exitCode === null) {
    group.process.kill('SIGKILL');
    for (const pid of group.pids) {
      try {
        process.kill(pid, 'SIGKILL');
      } catch {}
    }
  }
  await new Promise<void>((resolve) => upstream?.close(() => resolve()));
  if (dir) rmSync(dir, { recursive: true, force: true });
});

describe('airlock start with workers: 2', () => {
  it('serves requests on its one HTTP listener from both workers, and records each request exactly once', async () => {
    const ids = Array.from({ length: 12 }, () => nextId('spread'));
    for (const id of ids) expect((await call(group, 'GET', `/u/api/v1/items/${id}`, { token: readToken, id })).status).toBe(200);
    const pids = new Set(await Promise.all(ids.map((id) => servedBy(id))));
    expect([...pids].sort()).toEqual([...group.pids].sort());
    const recorded = decisionRecords().map((record) => record.requestId);
    for (const id of ids) expect(recorded.filter((r) => r === id)).toHaveLength(1);
    const verify = cli('audit', 'verify');
    expect(verify.status, verify.stdout + verify.stderr).toBe(0);
  });

  it('answers /metrics with the decisions of both workers, on whichever worker the scrape lands', async () => {
    const connections = await connectionToEachWorker(readToken);
    const [a, b] = [...connections.values()];
    const before = await decisionsCounted(a!);
    for (let i = 0; i < 3; i++) await call(group, 'GET', '/u/api/v1/items/m', { token: readToken, id: nextId('metrics'), agent: a! });
    for (let i = 0; i < 2; i++) await call(group, 'GET', '/u/api/v1/items/m', { token: readToken, id: nextId('metrics'), agent: b! });
    expect((await decisionsCounted(a!)) - before).toBe(5);
    expect((await decisionsCounted(b!)) - before).toBe(5);
    // What both workers read from the store is counted once, not once per worker.
    const metrics = parsePrometheusText((await call(group, 'GET', '/metrics', { id: nextId('scrape'), agent: b! })).body);
    const agents = metrics.get('airlock_agents')!.samples.find((s) => s.labels.state === 'active')!;
    expect(agents.value).toBe(1);
    for (const agent of connections.values()) agent.destroy();
  });

  it('refuses the next request on each worker once an operator stops the agent, and the upstream never sees the write', async () => {
    const writer = tokenFor('writer-bot', ['read:staging', 'write:staging']);
    const connections = await connectionToEachWorker(writer);
    for (const [pid, agent] of connections) {
      expect((await call(group, 'POST', `/u/api/v1/items/before-${pid}`, { token: writer, id: nextId('write'), agent, body: '{}' })).status).toBe(200);
    }
    expect(cli('stop', '--agent', 'writer-bot', '--reason', 'drill').status).toBe(0);
    for (const [pid, agent] of connections) {
      const id = nextId('stopped');
      const answer = await call(group, 'POST', `/u/api/v1/items/after-${pid}`, { token: writer, id, agent, body: '{}' });
      expect(answer.status).toBe(403);
      expect(await servedBy(id)).toBe(pid);
    }
    expect([...items].filter((item) => item.startsWith('after-'))).toEqual([]);
    expect([...items].filter((item) => item.startsWith('before-')).sort()).toEqual(group.pids.map((pid) => `before-${pid}`).sort());
    for (const agent of connections.values()) agent.destroy();
  });

  it('reloads the config once in each worker on SIGHUP to the primary, and both then serve the new upstream', async () => {
    const reloads = () => group.logLines().filter((line) => line.msg === 'config reloaded');
    const config = parse(readFileSync(configPath, 'utf8')) as { upstreams: Record<string, unknown>[] };
    config.upstreams.push({ ...config.upstreams[0], name: 'api2' });
    writeFileSync(configPath, stringify(config));
    const connections = await connectionToEachWorker(readToken);
    for (const agent of connections.values()) {
      expect((await call(group, 'GET', '/u/api2/v1/items/t', { token: readToken, id: nextId('thing'), agent })).status).not.toBe(200);
    }
    group.process.kill('SIGHUP');
    await expect.poll(() => reloads().length, { timeout: 15_000 }).toBe(2);
    for (const agent of connections.values()) {
      expect((await call(group, 'GET', '/u/api2/v1/items/t', { token: readToken, id: nextId('thing'), agent })).status).toBe(200);
    }
    group.process.kill('SIGHUP');
    await expect.poll(() => reloads().length, { timeout: 15_000 }).toBe(4);
    const perWorker = new Map<number, number>();
    for (const line of reloads()) perWorker.set(line.pid!, (perWorker.get(line.pid!) ?? 0) + 1);
    expect(Object.fromEntries(perWorker)).toEqual(Object.fromEntries(group.pids.map((pid) => [pid, 2])));
    for (const agent of connections.values()) agent.destroy();
  });

  it('replaces a worker killed under load, keeps serving, and has a record of every request it answered', async () => {
    const [victim, survivor] = group.pids as [number, number];
    const answered: string[] = [];
    let replacement: number | undefined;
    let servedByReplacement = false;
    const killed = { at: -1 };
    const load = async () => {
      while (!servedByReplacement) {
        const id = nextId('load');
        try {
          const answer = await call(group, 'GET', `/u/api/v1/items/${id}`, { token: readToken, id });
          if (answer.status === 200) answered.push(id);
        } catch {
          // A request in flight on the killed worker is cut: the client sees the connection drop.
        }
        if (replacement === undefined) {
          replacement = group.logLines().find((line) => line.msg === 'worker started')?.workerPid;
        } else if (!servedByReplacement) {
          servedByReplacement = group.logLines().some((line) => line.msg === 'request' && line.pid === replacement);
        }
        if (killed.at < 0 && answered.length >= 10) {
          killed.at = answered.length;
          process.kill(victim, 'SIGKILL');
        }
      }
    };
    await Promise.all([load(), load(), load()]);
    expect(replacement).toBeDefined();
    expect([victim, survivor]).not.toContain(replacement);
    expect(answered.length).toBeGreaterThan(killed.at);
    expect(group.logLines().some((line) => line.msg?.startsWith('a worker exited unexpectedly') && line.workerPid === victim)).toBe(true);
    const recorded = decisionRecords().map((record) => record.requestId);
    for (const id of answered) expect(recorded.filter((r) => r === id)).toHaveLength(1);
    const verify = cli('audit', 'verify');
    expect(verify.status, verify.stdout + verify.stderr).toBe(0);
    group.pids.splice(0, 2, survivor, replacement!);
  }, 120_000);

  it('stops every worker and exits 0 on SIGTERM to the primary', async () => {
    group.process.kill('SIGTERM');
    expect(await group.exited).toBe(0);
    for (const pid of group.pids) expect(() => process.kill(pid, 0)).toThrow();
    const verify = cli('audit', 'verify');
    expect(verify.status, verify.stdout + verify.stderr).toBe(0);
  });
});

describe('airlock start with workers when the primary is killed', () => {
  it('takes its workers down with it, and every request they answered has its record', async () => {
    const killed = await startGroup(configPath);
    const alive = (pid: number) => {
      try {
        process.kill(pid, 0);
        return true;
      } catch {
        return false;
      }
    };
    const answered: string[] = [];
    const load = async () => {
      while (killed.pids.some(alive)) {
        const id = nextId('orphan');
        try {
          if ((await call(killed, 'GET', `/u/api/v1/items/${id}`, { token: readToken, id })).status === 200) answered.push(id);
        } catch {
          // Refused or cut once the primary is gone.
        }
        if (answered.length === 10 && killed.process.exitCode === null) killed.process.kill('SIGKILL');
      }
    };
    await Promise.all([load(), load(), load()]);
    expect(answered.length).toBeGreaterThanOrEqual(10);
    const recorded = decisionRecords().map((record) => record.requestId);
    for (const id of answered) expect(recorded.filter((r) => r === id)).toHaveLength(1);
    const verify = cli('audit', 'verify');
    expect(verify.status, verify.stdout + verify.stderr).toBe(0);
  }, 60_000);
});

describe('airlock start with workers that cannot start', () => {
  it('reports the port in use once and exits 1, leaving no worker running', async () => {
    const taken = createNetServer();
    await new Promise<void>((resolve) => taken.listen(0, '127.0.0.1', resolve));
    const port = (taken.address() as AddressInfo).port;
    try {
      const child = spawn(process.execPath, [AIRLOCK_BIN, '--config', configPath, 'start', '--workers', '2', '--listen', `http=127.0.0.1:${port}`], {
        cwd: ROOT,
        env: { ...process.env, AIRLOCK_LOG_LEVEL: 'warn' },
        stdio: ['ignore', 'pipe', 'pipe'],
      });
      let stdout = '';
      let stderr = '';
      child.stdout!.on('data', (chunk: Buffer) => (stdout += chunk.toString()));
      child.stderr!.on('data', (chunk: Buffer) => (stderr += chunk.toString()));
      // 'close' comes once every holder of the pipes is gone: the workers inherit them from the primary.
      const [code] = (await once(child, 'close')) as [number];
      expect(code).toBe(1);
      expect(stdout).not.toContain('Airlock is running');
      expect(stderr.match(/is already in use/g)).toHaveLength(1);
      expect(stderr).toContain(`127.0.0.1:${port} is already in use`);
    } finally {
      taken.close();
    }
  });

  it('refuses a --workers that is not a number or auto', () => {
    const result = cli('start', '--workers', 'many');
    expect(result.status).toBe(2);
    expect(result.stderr).toContain('--workers many: give a whole number from 1 to 256, or auto');
  });
});
