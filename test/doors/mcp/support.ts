import { join } from 'node:path';
import { Client } from '@modelcontextprotocol/sdk/client/index.js';
import { StreamableHTTPClientTransport } from '@modelcontextprotocol/sdk/client/streamableHttp.js';
import type { CallToolResult } from '@modelcontextprotocol/sdk/types.js';
import { LocalAdmin } from '../../../src/admin/local-admin.js';
import { totpCode } from '../../../src/identity/totp.js';
import { ROOT, type TestAirlock } from '../../support/airlock.js';

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
