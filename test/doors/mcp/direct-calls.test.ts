/**
 * The door answers a single tools/call itself (src/doors/mcp/direct.ts) and leaves every other
 * request to the MCP SDK's server transport. Each test runs the same calls against two Airlocks
 * in front of one notes server, one answering tool calls directly and one with
 * `directToolCalls: false` (everything through the SDK), and expects the same answers, the same
 * effects on the upstream and the same records; `airlock_mcp_requests_total` says which path
 * answered.
 */
import type { Client } from '@modelcontextprotocol/sdk/client/index.js';
import { McpError, type CallToolResult } from '@modelcontextprotocol/sdk/types.js';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createMcpDoor } from '../../../src/doors/mcp/index.js';
import { startTestAirlock, type TestAirlock } from '../../support/airlock.js';
import { startNotesHttpServer, type NotesHttpServer } from '../../fixtures/mcp/notes-server.js';
import { call, connectAgent, openRawSession, RAW_HEADERS, textOf, waitFor } from './support.js';

type Path = 'direct' | 'sdk';

let upstream: NotesHttpServer;
const airlocks = {} as Record<Path, TestAirlock>;
const PATHS: readonly Path[] = ['direct', 'sdk'];

beforeAll(async () => {
  upstream = await startNotesHttpServer();
  for (const path of PATHS) {
    airlocks[path] = await startTestAirlock({
      config: { upstreams: [{ name: 'notes', kind: 'mcp', environment: 'staging', transport: { type: 'http', url: upstream.url } }] },
      doors: [createMcpDoor({ directToolCalls: path === 'direct' })],
    });
  }
});

afterAll(async () => {
  for (const airlock of Object.values(airlocks)) await airlock.close();
  await upstream?.close();
});

/** Requests each path answered at one Airlock, from its /metrics. */
async function answeredBy(airlock: TestAirlock): Promise<Record<Path, number>> {
  const text = await airlock.airlock.runtime.metrics.render();
  const count = (path: Path) => Number(new RegExp(`^airlock_mcp_requests_total\\{path="${path}"\\} (\\d+)$`, 'm').exec(text)?.[1] ?? 0);
  return { direct: count('direct'), sdk: count('sdk') };
}

/** Runs `work` at one Airlock and returns what it gave back with the requests each path answered meanwhile. */
async function counted<T>(airlock: TestAirlock, work: () => Promise<T>): Promise<{ value: T; answered: Record<Path, number> }> {
  const before = await answeredBy(airlock);
  const value = await work();
  const after = await answeredBy(airlock);
  return { value, answered: { direct: after.direct - before.direct, sdk: after.sdk - before.sdk } };
}

/** An SDK client, once the event stream it opens after initializing has reached Airlock (so that it is not counted with a call). */
async function agentAt(path: Path, name: string, scopes: readonly string[]): Promise<{ client: Client; token: string }> {
  const token = await airlocks[path].token(name, scopes);
  const before = await answeredBy(airlocks[path]);
  const client = await connectAgent(airlocks[path].url, token);
  await waitFor(async () => (await answeredBy(airlocks[path])).sdk === before.sdk + 3, 'the initialize, the initialized notification and the event stream');
  return { client, token };
}

async function post(path: Path, token: string, session: string | undefined, body: string): Promise<{ status: number; type: string | null; json: unknown }> {
  const response = await fetch(`${airlocks[path].url}/mcp`, {
    method: 'POST',
    headers: { ...RAW_HEADERS, authorization: `Bearer ${token}`, ...(session ? { 'mcp-session-id': session } : {}) },
    body,
  });
  const text = await response.text();
  return { status: response.status, type: response.headers.get('content-type'), json: text ? JSON.parse(text) : undefined };
}

const rawSession = (path: Path, token: string): Promise<string> => openRawSession(airlocks[path].url, token);

const toolCall = (id: number | string, name: string, args?: Record<string, unknown>) =>
  JSON.stringify({ jsonrpc: '2.0', id, method: 'tools/call', params: { name, ...(args ? { arguments: args } : {}) } });

describe('tool calls answered by the door itself, and by the SDK, alike', () => {
  it('forwards an allowed call once its decision is on the record, and gives back the upstream result', async () => {
    for (const path of PATHS) {
      const { client } = await agentAt(path, `writer-${path}`, ['write:staging']);
      const id = `note-${path}`;
      const { value: result, answered } = await counted(airlocks[path], () => call(client, 'notes__add_note', { id, title: 't', text: 'body' }));
      expect(result.isError).toBeFalsy();
      expect(textOf(result)).toBe(`added ${id}`);
      expect(upstream.state.notes.get(id)).toEqual({ title: 't', text: 'body' });
      expect(answered).toEqual(path === 'direct' ? { direct: 1, sdk: 0 } : { direct: 0, sdk: 1 });
      const [record] = await airlocks[path].airlock.runtime.store.audit.list({ newestFirst: true, limit: 1 });
      expect(record).toMatchObject({ agent: `writer-${path}`, action: 'mcp:add_note', verdict: 'allow' });
      await client.close();
    }
  });

  it('refuses a call the token may not make as a tool error, and the upstream never runs it', async () => {
    const results: CallToolResult[] = [];
    for (const path of PATHS) {
      const { client } = await agentAt(path, `reader-${path}`, ['read:staging']);
      const ran = upstream.state.calls.add_note ?? 0;
      const { value, answered } = await counted(airlocks[path], () => call(client, 'notes__add_note', { id: `refused-${path}`, title: 't', text: 'x' }));
      results.push(value);
      expect(value.isError).toBe(true);
      expect(value._meta?.['airlock/verdict']).toBe('deny');
      expect(upstream.state.notes.has(`refused-${path}`)).toBe(false);
      expect(upstream.state.calls.add_note ?? 0).toBe(ran);
      expect(answered[path]).toBe(1);
      const [record] = await airlocks[path].airlock.runtime.store.audit.list({ newestFirst: true, limit: 1 });
      expect(record).toMatchObject({ agent: `reader-${path}`, action: 'mcp:add_note', verdict: 'deny' });
      await client.close();
    }
    expect(results[0]).toEqual(results[1]);
  });

  it('holds a destructive call with the hold id to quote, and the note stays', async () => {
    const texts: string[] = [];
    for (const path of PATHS) {
      const { client } = await agentAt(path, 'deleter', ['write:staging']);
      const { value, answered } = await counted(airlocks[path], () => call(client, 'notes__delete_note', { id: 'n1' }));
      expect(value.isError).toBe(true);
      expect(value._meta?.['airlock/verdict']).toBe('hold');
      const holdId = value._meta?.['airlock/holdId'] as string;
      expect((await airlocks[path].airlock.runtime.store.holds.get(holdId))?.status).toBe('pending');
      expect(upstream.state.notes.has('n1')).toBe(true);
      expect(answered[path]).toBe(1);
      texts.push(textOf(value).replaceAll(holdId, '<hold>'));
      await client.close();
    }
    expect(texts[0]).toBe(texts[1]);
  });

  it('answers a tool no upstream offers with the same JSON-RPC error', async () => {
    const errors: { code: number; message: string }[] = [];
    for (const path of PATHS) {
      const { client } = await agentAt(path, `lost-${path}`, ['read:staging']);
      const { value: error, answered } = await counted(airlocks[path], () => call(client, 'notes__no_such_tool').catch((e: unknown) => e));
      expect(error).toBeInstanceOf(McpError);
      errors.push({ code: (error as McpError).code, message: (error as McpError).message });
      expect(answered[path]).toBe(1);
      await client.close();
    }
    expect(errors[0]).toEqual({ code: -32602, message: expect.stringContaining('Unknown tool: notes__no_such_tool') });
    expect(errors[1]).toEqual(errors[0]);
  });

  it('gives the same HTTP answer, byte for byte in its JSON, to the same raw tools/call', async () => {
    const answers = [];
    for (const path of PATHS) {
      const token = await airlocks[path].token(`raw-${path}`, ['read:staging']);
      const session = await rawSession(path, token);
      answers.push(await post(path, token, session, toolCall('call-1', 'notes__search', { query: 'world' })));
      answers.push(await post(path, token, session, toolCall(7, 'notes__list_notes')));
    }
    expect(answers[0]).toMatchObject({
      status: 200,
      type: 'application/json',
      json: { jsonrpc: '2.0', id: 'call-1', result: { content: [{ type: 'text' }] } },
    });
    expect(answers[2]).toEqual(answers[0]);
    expect(answers[3]).toEqual(answers[1]);
  });

  it('answers a body that is not JSON with the parse error the SDK gives, and forwards nothing', async () => {
    const answers = [];
    for (const path of PATHS) {
      const token = await airlocks[path].token(`garbled-${path}`, ['write:staging']);
      const session = await rawSession(path, token);
      const ran = upstream.state.calls.add_note ?? 0;
      answers.push(await post(path, token, session, '{"jsonrpc": "2.0", "id": 1, "method": "tools/call", "params": {"name": "notes__add_note"'));
      expect(upstream.state.calls.add_note ?? 0).toBe(ran);
    }
    expect(answers[0]).toEqual({
      status: 400,
      type: 'application/json',
      json: { jsonrpc: '2.0', id: null, error: { code: -32700, message: 'Parse error: Invalid JSON' } },
    });
    expect(answers[1]).toEqual(answers[0]);
  });

  it("answers a call on another token's session as an unknown session, and forwards nothing", async () => {
    const answers = [];
    for (const path of PATHS) {
      const owner = await airlocks[path].token(`owner-${path}`, ['write:staging']);
      const other = await airlocks[path].token(`other-${path}`, ['write:staging']);
      const session = await rawSession(path, owner);
      answers.push(await post(path, other, session, toolCall(1, 'notes__add_note', { id: `stolen-${path}`, title: 't', text: 'x' })));
      expect(upstream.state.notes.has(`stolen-${path}`)).toBe(false);
    }
    expect(answers[0]).toMatchObject({ status: 404, json: { error: { code: -32001, message: 'Session not found' } } });
    expect(answers[1]).toEqual(answers[0]);
  });

  it('leaves lists, batches and calls with a progress token to the SDK', async () => {
    const token = await airlocks.direct.token('mixed', ['read:staging']);
    const session = await rawSession('direct', token);
    const { value: answers, answered } = await counted(airlocks.direct, async () => [
      await post('direct', token, session, JSON.stringify({ jsonrpc: '2.0', id: 1, method: 'tools/list' })),
      await post('direct', token, session, `[${toolCall(2, 'notes__list_notes')}]`),
      await post(
        'direct',
        token,
        session,
        JSON.stringify({ jsonrpc: '2.0', id: 3, method: 'tools/call', params: { name: 'notes__list_notes', _meta: { progressToken: 3 } } }),
      ),
    ]);
    expect(answered).toEqual({ direct: 0, sdk: 3 });
    expect(JSON.stringify(answers[0]!.json)).toContain('notes__list_notes');
    // The SDK answers a batch of one with its one answer.
    expect((answers[1]!.json as { result: CallToolResult }).result.isError).toBeFalsy();
    expect((answers[2]!.json as { result: CallToolResult }).result.isError).toBeFalsy();
  });
});

describe('a tool call the agent cancels while it waits on a hold', () => {
  let waiting: TestAirlock;
  beforeAll(async () => {
    waiting = await startTestAirlock({
      config: {
        upstreams: [
          { name: 'notes', kind: 'mcp', environment: 'staging', holds: { mode: 'wait', wait: '30s' }, transport: { type: 'http', url: upstream.url } },
        ],
      },
      doors: [createMcpDoor()],
    });
  });
  afterAll(() => waiting?.close());

  it('stops waiting, gets no JSON-RPC answer, and never runs', async () => {
    const token = await waiting.token('impatient', ['write:staging']);
    const send = (session: string | undefined, body: string) =>
      fetch(`${waiting.url}/mcp`, {
        method: 'POST',
        headers: { ...RAW_HEADERS, authorization: `Bearer ${token}`, ...(session ? { 'mcp-session-id': session } : {}) },
        body,
      });
    const session = await openRawSession(waiting.url, token);

    const pending = send(session, toolCall(41, 'notes__delete_note', { id: 'n2' }));
    let holdId: string | undefined;
    await waitFor(async () => {
      [holdId] = (await waiting.airlock.runtime.store.holds.list({ agent: 'impatient', status: ['pending'] })).map((h) => h.id);
      return holdId !== undefined;
    }, 'the call to be held');
    const cancelled = await send(session, JSON.stringify({ jsonrpc: '2.0', method: 'notifications/cancelled', params: { requestId: 41, reason: 'gave up' } }));
    expect(cancelled.status).toBe(202);
    const answer = await pending;
    expect(answer.status).toBe(202);
    expect(await answer.text()).toBe('');
    expect(upstream.state.notes.has('n2')).toBe(true);
    expect((await waiting.airlock.runtime.store.holds.get(holdId!))?.status).toBe('pending');
  });
});
