/**
 * Two Airlock processes on one PostgreSQL database, behind a load balancer with no stickiness:
 * an agent's MCP session opened on one replica carries on at the other; a config reload sent
 * to one replica is applied by both; and the audit chain's signed head, kept in a second
 * database no replica owns, catches records cut from the main one. Runs the built CLI (npm run
 * build first).
 */
import type { ChildProcess } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { rmSync, writeFileSync } from 'node:fs';
import { Client } from '@modelcontextprotocol/sdk/client/index.js';
import { StreamableHTTPClientTransport } from '@modelcontextprotocol/sdk/client/streamableHttp.js';
import type { CallToolResult } from '@modelcontextprotocol/sdk/types.js';
import pg from 'pg';
import { stringify } from 'yaml';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { runCli, startAirlockProcess, writeTestConfig } from '../support/airlock.js';
import { startNotesHttpServer, type NotesHttpServer } from '../fixtures/mcp/notes-server.js';
import { startRecordingServer, type RecordingServer } from '../holds/support.js';
import { freshPostgresDatabase } from './stores.js';

type Replica = Awaited<ReturnType<typeof startAirlockProcess>> & { configPath: string; dir: string; config: Record<string, unknown> };

let database: Awaited<ReturnType<typeof freshPostgresDatabase>>;
/** The second database, where the replicas keep the audit chain's signed head apart from the store. */
let checkpointDb: Awaited<ReturnType<typeof freshPostgresDatabase>>;
let notes: NotesHttpServer;
let oldApi: RecordingServer;
let newApi: RecordingServer;
const replicas: Replica[] = [];

const SHARED = { AIRLOCK_SECRET_KEY: randomBytes(32).toString('hex'), AIRLOCK_AUDIT_KEY: randomBytes(32).toString('hex') };

const cli = (configPath: string, ...args: string[]) => {
  const result = runCli(['--config', configPath, ...args], { env: SHARED });
  if (result.status !== 0) throw new Error(`airlock ${args.join(' ')} failed (${result.status}): ${result.stderr}`);
  return result.stdout;
};

function kill(child: ChildProcess, signal: NodeJS.Signals = 'SIGKILL'): Promise<void> {
  return new Promise((resolve) => {
    if (child.exitCode !== null || child.signalCode !== null) return resolve();
    child.once('exit', () => resolve());
    child.kill(signal);
  });
}

async function sql<T extends pg.QueryResultRow>(text: string, params: unknown[] = [], url = database.url): Promise<T[]> {
  const client = new pg.Client({ connectionString: url });
  await client.connect();
  try {
    return (await client.query<T>(text, params)).rows;
  } finally {
    await client.end();
  }
}

const token = (agent: string, ...scopes: string[]) => {
  const first = replicas[0]!.configPath;
  try {
    cli(first, 'agent', 'add', agent);
  } catch {
    // already added
  }
  return (JSON.parse(cli(first, 'token', 'issue', '--agent', agent, ...scopes.flatMap((s) => ['--scope', s]), '--json')) as { token: string }).token;
};

/**
 * The official SDK client, whose every request goes to whichever replica `to()` names: the
 * load balancer, reduced to a switch.
 */
function agentBehindBalancer(bearer: string): { client: Client; transport: StreamableHTTPClientTransport; to(replica: Replica): void } {
  let target = replicas[0]!;
  const transport = new StreamableHTTPClientTransport(new URL(`${target.url}/mcp`), {
    requestInit: { headers: { authorization: `Bearer ${bearer}` } },
    fetch: (input, init) => {
      const url = new URL(input instanceof Request ? input.url : String(input));
      const destination = new URL(target.url);
      url.host = destination.host;
      return fetch(url, init);
    },
  });
  const client = new Client({ name: 'balanced-agent', version: '2.0.0' }, { capabilities: { roots: { listChanged: true } } });
  return {
    client,
    transport,
    to(replica) {
      target = replica;
    },
  };
}

const textOf = (result: CallToolResult) => result.content.map((c) => (c.type === 'text' ? c.text : '')).join('\n');

beforeAll(async () => {
  database = await freshPostgresDatabase();
  checkpointDb = await freshPostgresDatabase();
  notes = await startNotesHttpServer();
  oldApi = await startRecordingServer();
  newApi = await startRecordingServer();
  for (let i = 0; i < 2; i++) {
    const config = {
      store: { postgres: database.url },
      audit: { checkpoint: { postgres: checkpointDb.url } },
      baseline: { ignore: ['first-destructive', 'first-environment', 'first-upstream', 'refusal-burst', 'rate-burst'], suspendOn: [] },
      upstreams: [
        { name: 'notes', kind: 'mcp', environment: 'staging', transport: { type: 'http', url: notes.url } },
        { name: 'api', kind: 'rest', url: oldApi.url, environment: 'staging' },
      ],
    };
    const { dir, configPath } = writeTestConfig({ config });
    replicas.push({ dir, configPath, config } as Replica);
  }
  cli(replicas[0]!.configPath, 'agent', 'add', 'notes-bot');
  for (const replica of replicas) Object.assign(replica, await startAirlockProcess(replica.configPath, SHARED));
}, 180_000);

afterAll(async () => {
  await Promise.all(replicas.map((replica) => (replica.process ? kill(replica.process) : undefined)));
  await notes?.close();
  await oldApi?.close();
  await newApi?.close();
  await database?.drop();
  await checkpointDb?.drop();
  for (const replica of replicas) rmSync(replica.dir, { recursive: true, force: true });
});

describe('an MCP session on two replicas', () => {
  it('opens on the first replica and calls a tool on the second, which forwards it and records it', async () => {
    const [a, b] = replicas as [Replica, Replica];
    const agent = agentBehindBalancer(token('notes-bot', 'write:staging'));
    await agent.client.connect(agent.transport);
    const sessionId = agent.transport.sessionId!;
    expect((await agent.client.listTools()).tools.map((t) => t.name)).toContain('notes__add_note');

    agent.to(b);
    const result = (await agent.client.callTool({
      name: 'notes__add_note',
      arguments: { id: 'from-b', title: 'b', text: 'written through b' },
    })) as CallToolResult;
    expect(result.isError, textOf(result)).toBeFalsy();
    expect(agent.transport.sessionId).toBe(sessionId);
    expect(notes.state.notes.get('from-b')).toEqual({ title: 'b', text: 'written through b' });
    const [record] = await sql<{ body: string }>("SELECT body FROM audit WHERE type = 'decision' AND agent = 'notes-bot' AND body LIKE '%add_note%'");
    expect(JSON.parse(record!.body)).toMatchObject({ door: 'mcp', upstream: 'notes', verdict: 'allow', resources: ['from-b'] });

    // And back: the first replica still serves it.
    agent.to(a);
    const listed = (await agent.client.callTool({ name: 'notes__list_notes', arguments: {} })) as CallToolResult;
    expect(textOf(listed)).toContain('written through b');
    await agent.client.close();
  }, 60_000);

  it('answers a session as unknown to another token on the other replica, and does not take it up for a stopped agent or a revoked token', async () => {
    const [a, b] = replicas as [Replica, Replica];
    const owner = token('notes-bot', 'read:staging');
    const agent = agentBehindBalancer(owner);
    agent.to(a);
    await agent.client.connect(agent.transport);
    const sessionId = agent.transport.sessionId!;
    const post = (bearer: string) =>
      fetch(`${b.url}/mcp`, {
        method: 'POST',
        headers: {
          'content-type': 'application/json',
          accept: 'application/json, text/event-stream',
          authorization: `Bearer ${bearer}`,
          'mcp-session-id': sessionId,
        },
        body: JSON.stringify({ jsonrpc: '2.0', id: 7, method: 'tools/list', params: {} }),
      });
    const thief = await post(token('other-bot', 'read:staging'));
    expect(thief.status).toBe(404);
    // A stopped agent's session is not taken up elsewhere.
    cli(a.configPath, 'stop', '--agent', 'notes-bot', '--reason', 'drill');
    const stopped = await post(owner);
    expect(stopped.status).toBe(403);
    expect(await stopped.text()).toContain('drill');
    cli(a.configPath, 'resume', '--agent', 'notes-bot');
    const tokenId = (await sql<{ id: string }>("SELECT id FROM tokens WHERE agent = 'notes-bot' ORDER BY created_at DESC LIMIT 1"))[0]!.id;
    cli(a.configPath, 'token', 'revoke', tokenId);
    const revoked = await post(owner);
    expect(revoked.status).toBe(401);
    await agent.client.close();
  }, 60_000);
});

/** Rewrites a replica's config file with changes to the keys it was written with. */
function rewrite(replica: Replica, change: (config: Record<string, unknown>) => Record<string, unknown>): void {
  const written = { listen: { http: '127.0.0.1:0' }, dataDir: `${replica.dir}/data`, policies: ['policies/'], ...replica.config };
  writeFileSync(replica.configPath, stringify(change(written)));
}

const withApiAt = (url: string) => (config: Record<string, unknown>) => ({
  ...config,
  upstreams: (config.upstreams as { name: string }[]).map((u) => (u.name === 'api' ? { ...u, url } : u)),
});

describe('a config reload on two replicas', () => {
  it('sent to one replica, makes the other forward to the upstream’s new URL', async () => {
    const [a, b] = replicas as [Replica, Replica];
    const bearer = token('reload-bot', 'read:staging');
    const get = (replica: Replica, item: string) => fetch(`${replica.url}/u/api/v1/items/${item}`, { headers: { authorization: `Bearer ${bearer}` } });
    expect((await get(b, 'before')).status).toBe(200);
    expect(oldApi.received.map((r) => r.url)).toContain('/v1/items/before');

    for (const replica of replicas) rewrite(replica, withApiAt(newApi.url));
    a.process.kill('SIGHUP');
    let n = 0;
    await expect
      .poll(
        async () => {
          await (await get(b, `after-${++n}`)).body?.cancel();
          return newApi.received.some((r) => r.url.startsWith('/v1/items/after-'));
        },
        { interval: 50, timeout: 15_000 },
      )
      .toBe(true);
    // Once in force, nothing goes to the old URL any more.
    const oldCount = oldApi.received.length;
    expect((await get(b, 'settled')).status).toBe(200);
    expect((await get(a, 'settled-a')).status).toBe(200);
    expect(oldApi.received.length).toBe(oldCount);
    expect(newApi.received.map((r) => r.url)).toEqual(expect.arrayContaining(['/v1/items/settled', '/v1/items/settled-a']));
    expect(await (await fetch(`${b.url}/readyz`)).json()).not.toHaveProperty('needsRestart');
  }, 60_000);

  it('keeps the config in force when the new file is invalid, and reports a change it cannot apply live as needing a restart', async () => {
    const [a, b] = replicas as [Replica, Replica];
    const bearer = token('reload-bot', 'read:staging');
    const get = (replica: Replica, item: string) => fetch(`${replica.url}/u/api/v1/items/${item}`, { headers: { authorization: `Bearer ${bearer}` } });
    writeFileSync(b.configPath, 'upstreams:\n  - name: api\n    kind: nonsense\n');
    a.process.kill('SIGHUP');
    await expect.poll(() => b.output(), { interval: 50, timeout: 15_000 }).toMatch(/config reload failed; the previous config stays in force/);
    expect((await get(b, 'still-new')).status).toBe(200);
    expect(newApi.received.map((r) => r.url)).toContain('/v1/items/still-new');

    // A new listen address cannot be taken live: reported, and nothing of it applied.
    rewrite(b, (config) => ({ ...withApiAt(newApi.url)(config), listen: { http: '127.0.0.1:1' } }));
    b.process.kill('SIGHUP');
    await expect
      .poll(async () => ((await (await fetch(`${b.url}/readyz`)).json()) as { needsRestart?: string[] }).needsRestart, { interval: 50, timeout: 15_000 })
      .toEqual(['listen']);
    expect((await fetch(`${b.url}/readyz`)).status).toBe(200);
    expect((await get(b, 'same-listener')).status).toBe(200);
    expect(b.output()).toMatch(/config changes that need a restart were not applied/);
  }, 60_000);
});

describe('the audit checkpoint kept in a database no replica owns', () => {
  it('lets `airlock audit verify` pass, and fail naming the records when the newest are cut from the main database', async () => {
    // The replicas stop first (flushing their records and heads): what is left is the database an attacker edits.
    await Promise.all(replicas.map((replica) => kill(replica.process, 'SIGTERM')));
    const [head] = await sql<{ seq: string; mac: string | null }>('SELECT seq, mac FROM airlock_audit_checkpoint', [], checkpointDb.url);
    expect(Number(head!.seq)).toBeGreaterThan(3);
    expect(head!.mac).toMatch(/^[0-9a-f]{64}$/);
    // An operator's machine: the same store and checkpoint database, no head file of its own.
    const operator = writeTestConfig({ config: { store: { postgres: database.url }, audit: { checkpoint: { postgres: checkpointDb.url } } } });
    try {
      const verify = () => runCli(['--config', operator.configPath, 'audit', 'verify'], { env: SHARED });
      const intact = verify();
      expect(intact.status, intact.stderr).toBe(0);
      expect(intact.stdout).toMatch(new RegExp(`^ok: \\d+ records, chain intact .*checkpoint database postgres://.* at record ${head!.seq} matches`));

      // Cut the newest records off the main database, and move its head row back to match, as
      // someone who can write that database would: the chain left is valid on its own.
      const cutFrom = Number(head!.seq) - 1;
      await sql('DELETE FROM audit WHERE seq >= $1', [cutFrom]);
      await sql(
        'UPDATE audit_head SET seq = last.seq, hash = last.hash FROM (SELECT seq, hash FROM audit ORDER BY seq DESC LIMIT 1) AS last WHERE audit_head.id = 1',
      );
      const cut = verify();
      expect(cut.status).toBe(1);
      expect(cut.stdout).toContain(`TAMPERED: record ${cutFrom} — truncated: the log ends at record ${cutFrom - 1}`);
      expect(cut.stdout).toMatch(/\(checkpoint database postgres:\/\//);
    } finally {
      rmSync(operator.dir, { recursive: true, force: true });
    }
  }, 60_000);
});
