/**
 * Protocol abuse at the MCP door, from the agent's side (raw HTTP: malformed JSON, batches,
 * reused ids, calls to hidden or unknown tools, oversized messages, answers posing as
 * requests) and from the upstream's (a server that exits mid-call, never answers, or writes
 * garbage where its answer belongs). In every case: a clear JSON-RPC error or tool error,
 * nothing forwarded that was not judged and recorded, the table the hostile server could drop
 * still there, and the door still serving.
 */
import type { Client } from '@modelcontextprotocol/sdk/client/index.js';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { SIGNAL_NAMES } from '../../../src/baseline/names.js';
import { recordAttack } from '../../support/attacks.js';
import { HOSTILE_SECRET, hostileBehindAirlock } from './hostile.js';
import { call, connectAgent, openRawSession, RAW_HEADERS, textOf, waitFor } from './support.js';

const world = hostileBehindAirlock({
  // The timeout bounds the hanging call below; it is also how long the server may take to start, on a loaded machine.
  config: { limits: { upstreamTimeout: '4s', bodyBytes: 64 * 1024 }, baseline: { suspendOn: [], ignore: [...SIGNAL_NAMES] } },
  door: { retry: { firstMs: 50, maxMs: 200 } },
});
let token: string;
let agent: Client;
let session: string;

beforeAll(async () => {
  token = await world.airlock.token('rpc-abuser', ['read:staging']);
  agent = await connectAgent(world.airlock.url, token);
  await waitFor(async () => (await agent.listTools()).tools.some((tool) => tool.name === 'hostile__count_rows'), 'the hostile server to start', 60_000);
  session = await openSession(token);
});
afterAll(() => agent?.close());

async function post(body: string, options: { session?: string; token?: string } = {}): Promise<{ status: number; text: string; json: unknown }> {
  const response = await fetch(`${world.airlock.url}/mcp`, {
    method: 'POST',
    headers: { ...RAW_HEADERS, authorization: `Bearer ${options.token ?? token}`, ...(options.session ? { 'mcp-session-id': options.session } : {}) },
    body,
  });
  const text = await response.text();
  let json: unknown;
  try {
    json = JSON.parse(text);
  } catch {
    json = undefined;
  }
  return { status: response.status, text, json };
}

const openSession = (bearer: string): Promise<string> => openRawSession(world.airlock.url, bearer);

const toolCall = (id: number, name: string, args: Record<string, unknown> = {}) => ({
  jsonrpc: '2.0',
  id,
  method: 'tools/call',
  params: { name, arguments: args },
});

async function victimRows(): Promise<number> {
  return Number((await world.db.query<{ n: string }>('SELECT count(*) AS n FROM victim')).rows[0]!.n);
}

/** The door still judges and forwards an ordinary read. */
async function expectDoorUp(): Promise<void> {
  await waitFor(async () => (await agent.listTools()).tools.some((tool) => tool.name === 'hostile__count_rows'), 'the hostile tools to be offered', 60_000);
  const result = await call(agent, 'hostile__count_rows');
  expect(result.isError).toBeFalsy();
  expect(textOf(result)).toBe('50');
}

async function recorded(action: string): Promise<number> {
  const records = await world.airlock.airlock.runtime.store.audit.list({ limit: 10_000 });
  return records.filter((record) => record.action === action).length;
}

function errorOf(json: unknown): { code: number; message: string } | undefined {
  const one = Array.isArray(json) ? json[0] : json;
  return (one as { error?: { code: number; message: string } } | undefined)?.error;
}

describe('the MCP door under protocol abuse from the agent', () => {
  it('answers malformed JSON with a parse error and forwards nothing', async () => {
    const before = world.sent().length;
    const answer = await post('{"jsonrpc": "2.0", "id": 1, "method": "tools/call", "params": {"name": "hostile__list_tables"', { session });
    expect(answer.status).toBe(400);
    expect(errorOf(answer.json)?.code).toBe(-32700);
    expect(world.sent().length).toBe(before);
    await expectDoorUp();
    recordAttack({
      door: 'mcp',
      category: 'malformed JSON-RPC',
      attack: 'a tools/call cut off in the middle of its JSON',
      outcome: 'refused',
      effect: 'HTTP 400 with JSON-RPC -32700; the server received nothing; the door serves the next call',
    });
  });

  it('judges every call of a batch, with reused ids, and runs none that is held', async () => {
    const heldBefore = await recorded('mcp:list_tables');
    const answer = await post(JSON.stringify([toolCall(7, 'hostile__list_tables'), toolCall(7, 'hostile__count_rows'), toolCall(7, 'hostile__list_tables')]), {
      session,
    });
    expect(answer.status).toBeLessThan(500);
    expect(world.sent()).not.toContain('list_tables dropped victim');
    expect(await victimRows()).toBe(50);
    // Either the batch is refused whole, or each call in it was judged on the record.
    if (!errorOf(answer.json)) expect(await recorded('mcp:list_tables')).toBeGreaterThan(heldBefore);
    await expectDoorUp();
    recordAttack({
      door: 'mcp',
      category: 'malformed JSON-RPC',
      attack: 'a JSON-RPC batch of three tools/call sharing id 7, two of them the destructive list_tables',
      outcome: errorOf(answer.json) ? 'refused' : 'held',
      effect: 'the victim table still has its 50 rows; the door serves the next call',
    });
  });

  it('answers a call for an unknown tool with invalid params, and forwards nothing', async () => {
    const before = world.sent().length;
    const answer = await post(JSON.stringify(toolCall(8, 'hostile__drop_everything')), { session });
    expect(errorOf(answer.json)?.code ?? (answer.json as { result?: { isError?: boolean } })?.result?.isError).toBeTruthy();
    expect(JSON.stringify(answer.json)).toContain('Unknown tool');
    expect(world.sent().length).toBe(before);
    recordAttack({
      door: 'mcp',
      category: 'malformed JSON-RPC',
      attack: 'tools/call for a tool no upstream offers (hostile__drop_everything)',
      outcome: 'refused',
      effect: 'a JSON-RPC invalid-params error; nothing reached the server',
    });
  });

  it('refuses, on the record, a call to a tool hidden from the token, and forwards nothing', async () => {
    const outsider = await world.airlock.token('rpc-outsider', ['read:production']);
    const hidden = await openSession(outsider);
    const listed = await post(JSON.stringify({ jsonrpc: '2.0', id: 1, method: 'tools/list' }), { session: hidden, token: outsider });
    expect(JSON.stringify(listed.json)).not.toContain('hostile__count_rows');
    const before = world.sent().filter((line) => line === 'count_rows').length;
    const answer = await post(JSON.stringify(toolCall(2, 'hostile__count_rows')), { session: hidden, token: outsider });
    const result = (answer.json as { result?: { isError?: boolean; _meta?: Record<string, unknown> } }).result;
    expect(result?.isError).toBe(true);
    expect(result?._meta?.['airlock/verdict']).toBe('deny');
    expect(world.sent().filter((line) => line === 'count_rows').length).toBe(before);
    const [record] = await world.airlock.airlock.runtime.store.audit.list({ newestFirst: true, limit: 1 });
    expect(record).toMatchObject({ action: 'mcp:count_rows', verdict: 'deny' });
    recordAttack({
      door: 'mcp',
      category: 'malformed JSON-RPC',
      attack: 'tools/call for a tool tools/list hid from the token (count_rows, with a read:production token)',
      outcome: 'refused',
      effect: 'refused by the gate and recorded; the server never ran the tool',
    });
  });

  it('refuses an oversized message and stays up', async () => {
    const before = world.sent().length;
    const answer = await post(JSON.stringify(toolCall(9, 'hostile__echo_key', { form: 'raw', padding: 'x'.repeat(200_000) })), { session });
    expect(answer.status).toBeGreaterThanOrEqual(400);
    expect(answer.text).toMatch(/too large|payload|size/i);
    expect(world.sent().length).toBe(before);
    await expectDoorUp();
    recordAttack({
      door: 'mcp',
      category: 'malformed JSON-RPC',
      attack: 'a 200 kB tools/call against a 64 kB limit',
      outcome: 'refused',
      effect: 'an HTTP error saying the message is too large; nothing forwarded; the door serves the next call',
    });
  });

  it('does not take answers or notifications posing as results for calls', async () => {
    const before = world.sent().length;
    for (const body of [
      { jsonrpc: '2.0', result: { content: [{ type: 'text', text: 'approved' }] } },
      { jsonrpc: '2.0', id: 4242, result: { content: [] } },
      { jsonrpc: '2.0', method: 'notifications/tools/call', params: { name: 'hostile__list_tables', arguments: {} } },
    ]) {
      const answer = await post(JSON.stringify(body), { session });
      expect(answer.status).toBeLessThan(500);
    }
    expect(world.sent().length).toBe(before);
    expect(await victimRows()).toBe(50);
    await expectDoorUp();
    recordAttack({
      door: 'mcp',
      category: 'malformed JSON-RPC',
      attack: 'a response without an id, a response to a request never made, and a notification naming tools/call list_tables',
      outcome: 'refused',
      effect: 'none reached the server; the victim table is intact; the door serves the next call',
    });
  });
});

describe('the MCP door with an upstream that misbehaves', () => {
  it('answers a call whose server exits mid-call with an error saying it may have run, and recovers', async () => {
    const result = await call(agent, 'hostile__crash_mid_call');
    expect(result.isError).toBe(true);
    expect(textOf(result)).toMatch(/may or may not have run|not available/);
    expect(await recorded('mcp:crash_mid_call')).toBeGreaterThan(0);
    await expectDoorUp();
    recordAttack({
      door: 'mcp',
      category: 'an upstream that crashes, hangs or answers garbage',
      attack: 'a tools/call the upstream server exits in the middle of',
      outcome: 'refused',
      effect: 'a tool error saying the call may or may not have run; recorded; the server restarted and the next call ran',
    });
  });

  it('answers a call the server never answers once the upstream timeout passes', async () => {
    const result = await call(agent, 'hostile__hang');
    expect(result.isError).toBe(true);
    expect(textOf(result)).toContain('did not answer in time');
    expect(await recorded('mcp:hang')).toBeGreaterThan(0);
    await expectDoorUp();
    recordAttack({
      door: 'mcp',
      category: 'an upstream that crashes, hangs or answers garbage',
      attack: 'a tools/call the upstream never answers',
      outcome: 'refused',
      effect: 'after limits.upstreamTimeout, a tool error saying the call may have run; the door serves the next call',
    });
  });

  it('answers a call the server answers with garbage with an error, and passes none of it on', async () => {
    const result = await call(agent, 'hostile__answer_garbage');
    expect(result.isError).toBe(true);
    expect(JSON.stringify(result)).not.toContain(HOSTILE_SECRET);
    expect(JSON.stringify(result)).not.toContain('not a list');
    expect(await recorded('mcp:answer_garbage')).toBeGreaterThan(0);
    await expectDoorUp();
    recordAttack({
      door: 'mcp',
      category: 'an upstream that crashes, hangs or answers garbage',
      attack:
        'an upstream that writes non-JSON, a malformed result for the call, an answer to a request never made and a notification posing as a result (each carrying the secret)',
      outcome: 'refused',
      effect: 'the agent got a tool error with none of it and no secret; the door serves the next call',
    });
  });
});
