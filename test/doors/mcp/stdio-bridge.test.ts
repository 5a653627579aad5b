/**
 * `airlock mcp`, the stdio bridge, run as a real child process (the built CLI: `npm run build`
 * first) by the official SDK client, the way a coding agent's harness starts a local MCP server.
 */
import { rmSync } from 'node:fs';
import { Client } from '@modelcontextprotocol/sdk/client/index.js';
import { StdioClientTransport } from '@modelcontextprotocol/sdk/client/stdio.js';
import { describe, expect, it } from 'vitest';
import { createMcpDoor } from '../../../src/doors/mcp/index.js';
import { silentLogger } from '../../../src/server/log.js';
import { startAirlock, type RunningAirlock } from '../../../src/server/start.js';
import { AIRLOCK_BIN, ROOT, runCli, startTestAirlock } from '../../support/airlock.js';
import { startNotesHttpServer } from '../../fixtures/mcp/notes-server.js';
import { call, notesBehindAirlock, textOf } from './support.js';

const world = notesBehindAirlock();

function bridge(env: Record<string, string>): { client: Client; transport: StdioClientTransport; stderr: () => string } {
  const transport = new StdioClientTransport({
    command: process.execPath,
    args: [AIRLOCK_BIN, 'mcp'],
    cwd: ROOT,
    env: { PATH: process.env.PATH ?? '', ...env },
    stderr: 'pipe',
  });
  let stderr = '';
  transport.stderr?.on('data', (chunk: Buffer) => (stderr += chunk.toString()));
  return { client: new Client({ name: 'harness', version: '1.0.0' }), transport, stderr: () => stderr };
}

describe('airlock mcp: a stdio MCP server relaying to a running Airlock', () => {
  it('lists and calls the tools through Airlock, and relays holds as they are', async () => {
    const token = await world.airlock.token('stdio-bot', ['write:staging']);
    const { client, transport } = bridge({ AIRLOCK_TOKEN: token, AIRLOCK_AGENT_URL: world.airlock.url });
    await client.connect(transport);
    try {
      expect(client.getServerVersion()?.name).toBe('airlock');
      const names = (await client.listTools()).tools.map((t) => t.name);
      expect(names).toContain('notes__list_notes');
      const list = await call(client, 'notes__list_notes');
      expect(textOf(list)).toContain('"id":"n1"');
      const held = await call(client, 'notes__delete_note', { id: 'n1' });
      expect(held.isError).toBe(true);
      expect(held._meta?.['airlock/holdId']).toMatch(/^hold_/);
      expect(world.upstream.state.notes.has('n1')).toBe(true);
    } finally {
      await client.close();
    }
  });

  it('keeps its session when Airlock restarts, and opens a new one when Airlock no longer knows it, so the agent keeps its tools', async () => {
    const server = await startNotesHttpServer();
    const first = await startTestAirlock({
      config: { upstreams: [{ name: 'notes', kind: 'mcp', environment: 'staging', transport: { type: 'http', url: server.url } }] },
      doors: [createMcpDoor()],
    });
    const token = await first.token('restart-bot', ['write:staging']);
    const { client, transport, stderr } = bridge({ AIRLOCK_TOKEN: token, AIRLOCK_AGENT_URL: first.url });
    await client.connect(transport);
    const address = new URL(first.url);
    // The same Airlock (config, store, address) stopped and started again.
    const restart = () =>
      startAirlock(
        { ...first.config, listen: { ...first.config.listen, http: { host: address.hostname, port: Number(address.port) } } },
        { log: silentLogger, doors: [createMcpDoor()] },
      );
    let again: RunningAirlock | undefined;
    try {
      expect((await call(client, 'notes__list_notes')).isError).toBeFalsy();
      await first.airlock.close();
      // The session is in the store: the restarted Airlock takes it up.
      again = await restart();
      const resumed = await call(client, 'notes__list_notes');
      expect(resumed.isError).toBeFalsy();
      expect(textOf(resumed)).toContain('"id":"n1"');
      expect(stderr()).not.toContain('opening a new one');

      // Restarted with its session records gone: Airlock answers 404, and the bridge initialises again.
      await again.close();
      again = await restart();
      await again.runtime.store.mcpSessions.prune(new Date(Date.now() + 86_400_000).toISOString());
      const reopened = await call(client, 'notes__list_notes');
      expect(reopened.isError).toBeFalsy();
      expect(textOf(reopened)).toContain('"id":"n1"');
      expect(stderr()).toContain('opening a new one');
    } finally {
      await client.close();
      await again?.close();
      await server.close();
      rmSync(first.dir, { recursive: true, force: true });
    }
  });

  it('exits with a clear error when Airlock cannot be reached, forwarding nothing', () => {
    const result = runCli(['mcp'], { env: { AIRLOCK_TOKEN: 'alk_x', AIRLOCK_AGENT_URL: 'http://127.0.0.1:9' } });
    expect(result.status).toBe(1);
    expect(result.stdout).toBe('');
    expect(result.stderr).toContain('cannot reach Airlock at http://127.0.0.1:9');
    expect(result.stderr).toContain('nothing will be forwarded');
  });

  it('refuses to start without a token', () => {
    const result = runCli(['mcp'], { env: { AIRLOCK_TOKEN: '', AIRLOCK_AGENT_URL: world.airlock.url } });
    expect(result.status).toBe(2);
    expect(result.stderr).toContain('set AIRLOCK_TOKEN');
  });

  it("passes Airlock's refusal of a bad token to the client, without echoing the token", async () => {
    const forged = `alk_${'B'.repeat(50)}`;
    const { client, transport, stderr } = bridge({ AIRLOCK_TOKEN: forged, AIRLOCK_AGENT_URL: world.airlock.url });
    await expect(client.connect(transport)).rejects.toThrow(/checksum|not an Airlock token|refused/);
    await client.close();
    expect(stderr()).not.toContain(forged);
  });
});
