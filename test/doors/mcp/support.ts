import { join } from 'node:path';
import { Client } from '@modelcontextprotocol/sdk/client/index.js';
import { StreamableHTTPClientTransport } from '@modelcontextprotocol/sdk/client/streamableHttp.js';
import type { CallToolResult } from '@modelcontextprotocol/sdk/types.js';
import { LocalAdmin } from '../../../src/admin/local-admin.js';
import { totpCode } from '../../../src/identity/totp.js';
import { afterAll, beforeAll } from 'vitest';
import { createMcpDoor } from '../../../src/doors/mcp/index.js';
import { ROOT, startTestAirlock, type TestAirlock } from '../../support/airlock.js';
import { startNotesHttpServer, type NotesHttpServer } from '../../fixtures/mcp/notes-server.js';

export const NOTES_SERVER = join(ROOT, 'test', 'fixtures', 'mcp', 'notes-server.ts');

/** The stdio transport config that starts the notes fixture server. */
export function notesStdio(env: Record<string, unknown> = {}) {
  return { type: 'stdio', command: process.execPath, args: ['--import', 'tsx', NOTES_SERVER, '--stdio'], cwd: ROOT, env };
}

/** An agent: the official SDK client, connected to Airlock's /mcp with its token. */
export async function connectAgent(airlockUrl: string, token: string | undefined): Promise<Client> {
  const client = new Client({ name: 'test-agent', version: '1.0.0' });
  const transport = new StreamableHTTPClientTransport(new URL(`${airlockUrl}/mcp`), {
    requestInit: { headers: token ? { authorization: `Bearer ${token}` } : {} },
  });
  await client.connect(transport);
  return client;
}

export async function call(client: Client, name: string, args: Record<string, unknown> = {}): Promise<CallToolResult> {
  return (await client.callTool({ name, arguments: args })) as CallToolResult;
}

export function textOf(result: CallToolResult): string {
  return result.content.map((c) => (c.type === 'text' ? c.text : '')).join('\n');
}

export async function waitFor(check: () => Promise<boolean> | boolean, what: string, timeoutMs = 15_000): Promise<void> {
  const until = Date.now() + timeoutMs;
  for (;;) {
    if (await check()) return;
    if (Date.now() > until) throw new Error(`timed out waiting for ${what}`);
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
}

let operators = 0;

/**
 * Approves a hold the way an operator does: an enrolled operator with a second factor, through
 * the Admin interface (each approval by a newly enrolled operator, so that no code is reused).
 */
export async function approveAsOperator(airlock: TestAirlock, holdId: string): Promise<void> {
  const { runtime } = airlock.airlock;
  const name = `operator-${++operators}`;
  const { secret } = await new LocalAdmin(runtime, 'local:root').addOperator({ name });
  await new LocalAdmin(runtime, `local:${name}`).approveHold({ id: holdId, code: totpCode(secret, runtime.clock()) });
}

/**
 * The notes fixture over HTTP, behind a test Airlock with only the MCP door: the setup most MCP
 * door tests share. Call it at the top of a test file; the hooks start and stop both.
 */
export function notesBehindAirlock(): { readonly airlock: TestAirlock; readonly upstream: NotesHttpServer } {
  let upstream: NotesHttpServer | undefined;
  let airlock: TestAirlock | undefined;
  beforeAll(async () => {
    upstream = await startNotesHttpServer();
    airlock = await startTestAirlock({
      config: { upstreams: [{ name: 'notes', kind: 'mcp', environment: 'staging', transport: { type: 'http', url: upstream.url } }] },
      doors: [createMcpDoor()],
    });
  });
  afterAll(async () => {
    await airlock?.close();
    await upstream?.close();
  });
  return {
    get airlock() {
      return airlock!;
    },
    get upstream() {
      return upstream!;
    },
  };
}

/** The headers of a Streamable HTTP POST, for tests that speak JSON-RPC to /mcp without the SDK client. */
export const RAW_HEADERS = { 'content-type': 'application/json', accept: 'application/json, text/event-stream', 'mcp-protocol-version': '2025-06-18' };

/** Opens and initializes a session by hand, as a client would; returns its id. */
export async function openRawSession(airlockUrl: string, bearer: string): Promise<string> {
  const post = (session: string | undefined, body: unknown) =>
    fetch(`${airlockUrl}/mcp`, {
      method: 'POST',
      headers: { ...RAW_HEADERS, authorization: `Bearer ${bearer}`, ...(session ? { 'mcp-session-id': session } : {}) },
      body: JSON.stringify(body),
    });
  const opened = await post(undefined, {
    jsonrpc: '2.0',
    id: 0,
    method: 'initialize',
    params: { protocolVersion: '2025-06-18', capabilities: {}, clientInfo: { name: 'raw', version: '1' } },
  });
  await opened.text();
  const session = opened.headers.get('mcp-session-id');
  if (!session) throw new Error(`initialize opened no session (HTTP ${opened.status})`);
  await (await post(session, { jsonrpc: '2.0', method: 'notifications/initialized' })).text();
  return session;
}
