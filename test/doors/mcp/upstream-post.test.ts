import { randomUUID } from 'node:crypto';
import { createServer, type Server as HttpServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import type { Client } from '@modelcontextprotocol/sdk/client/index.js';
import { McpServer } from '@modelcontextprotocol/sdk/server/mcp.js';
import { StreamableHTTPServerTransport } from '@modelcontextprotocol/sdk/server/streamableHttp.js';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { z } from 'zod';
import { createMcpDoor } from '../../../src/doors/mcp/index.js';
import { startTestAirlock, type TestAirlock } from '../../support/airlock.js';
import { call, connectAgent, textOf } from './support.js';

/**
 * The door POSTs tool calls to an HTTP upstream itself (upstream-post.ts). The notes server
 * answers with JSON; this one answers every POST with an event stream, as many servers do, and
 * sends other messages on it before the answer.
 */
const ran: Record<string, number> = {};
let releaseSlow: (() => void) | undefined;

function streamingServer(): McpServer {
  const server = new McpServer({ name: 'streaming', version: '1.0.0' }, { capabilities: { logging: {} } });
  server.registerTool(
    'echo',
    { description: 'Echo the words back', inputSchema: { words: z.string() }, annotations: { readOnlyHint: true } },
    async ({ words }, extra) => {
      ran.echo = (ran.echo ?? 0) + 1;
      // Said on the call's own stream, before its answer: the door must read past it.
      await extra.sendNotification({ method: 'notifications/message', params: { level: 'info', data: `echoing ${words}` } });
      return { content: [{ type: 'text', text: `echo: ${words}` }] };
    },
  );
  server.registerTool('slow', { description: 'Answers only when released', annotations: { readOnlyHint: true } }, async () => {
    ran.slow = (ran.slow ?? 0) + 1;
    await new Promise<void>((resolve) => (releaseSlow = resolve));
    return { content: [{ type: 'text', text: 'late' }] };
  });
  return server;
}

let http: HttpServer;
let airlock: TestAirlock;
let agent: Client;
const transports = new Map<string, StreamableHTTPServerTransport>();

beforeAll(async () => {
  http = createServer((request, response) => {
    // An upstream that moved: the SDK follows this for its own requests, and so must the door's POST.
    if (request.url === '/old') return void response.writeHead(308, { location: '/mcp' }).end();
    const id = request.headers['mcp-session-id'];
    const existing = typeof id === 'string' ? transports.get(id) : undefined;
    if (existing) return void existing.handleRequest(request, response);
    const transport = new StreamableHTTPServerTransport({
      sessionIdGenerator: () => randomUUID(),
      onsessioninitialized: (sessionId) => void transports.set(sessionId, transport),
    });
    void streamingServer()
      .connect(transport)
      .then(() => transport.handleRequest(request, response));
  });
  await new Promise<void>((resolve) => http.listen(0, '127.0.0.1', resolve));
  const url = `http://127.0.0.1:${(http.address() as AddressInfo).port}/mcp`;
  airlock = await startTestAirlock({
    config: {
      limits: { upstreamTimeout: '2s' },
      upstreams: [
        { name: 'streaming', kind: 'mcp', environment: 'staging', transport: { type: 'http', url } },
        { name: 'moved', kind: 'mcp', environment: 'staging', transport: { type: 'http', url: url.replace(/\/mcp$/, '/old') } },
      ],
    },
    doors: [createMcpDoor()],
  });
  agent = await connectAgent(airlock.url, await airlock.token('stream-bot', ['write:staging']));
});

afterAll(async () => {
  releaseSlow?.();
  await agent?.close();
  await airlock?.close();
  for (const transport of transports.values()) await transport.close();
  await new Promise<void>((resolve) => {
    http.close(() => resolve());
    http.closeAllConnections();
  });
});

describe('tool calls POSTed by the door to an upstream that answers with an event stream', () => {
  it('finds the answer after the other messages on the stream, and the call runs once', async () => {
    for (const words of ['one', 'two', 'three']) {
      const result = await call(agent, 'streaming__echo', { words });
      expect(result.isError).toBeFalsy();
      expect(textOf(result)).toBe(`echo: ${words}`);
    }
    expect(ran.echo).toBe(3);
  });

  it('follows a redirect within the server, as the SDK does', async () => {
    const before = ran.echo ?? 0;
    expect(textOf(await call(agent, 'moved__echo', { words: 'moved' }))).toBe('echo: moved');
    expect(ran.echo).toBe(before + 1);
  });

  it('answers a call the upstream does not answer in time as one that may have run, and serves the next', async () => {
    const result = await call(agent, 'streaming__slow');
    expect(result.isError).toBe(true);
    expect(textOf(result)).toContain('did not answer in time');
    expect(ran.slow).toBe(1);
    releaseSlow?.();
    expect(textOf(await call(agent, 'streaming__echo', { words: 'after' }))).toBe('echo: after');
  });
});
