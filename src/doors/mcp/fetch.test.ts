import { getEventListeners } from 'node:events';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { FetchLike } from '@modelcontextprotocol/sdk/shared/transport.js';
import { fetchWithOwnSignal, upstreamFetch } from './fetch.js';
import { networkErrorCode } from './upstream.js';

let server: Server;
let url: string;
/** A port nothing listens on (fetch refuses well-known ports such as 9 outright). */
let closedPort: number;

beforeAll(async () => {
  server = createServer((request, response) => {
    if (request.url === '/slow') return; // never answers: for the abort test
    if (request.url === '/echo') {
      let body = '';
      request.on('data', (chunk: Buffer) => (body += chunk.toString()));
      request.on('end', () => response.writeHead(201, { 'x-seen': `${request.method} ${request.headers['x-test']} ${body}` }).end('ok'));
      return;
    }
    if (request.url === '/stream') {
      response.writeHead(200, { 'content-type': 'text/event-stream' });
      response.write(': open\n\n');
      return;
    }
    response.writeHead(200, { 'content-type': 'application/json' }).end('{}');
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  url = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  const probe = createServer();
  await new Promise<void>((resolve) => probe.listen(0, '127.0.0.1', resolve));
  closedPort = (probe.address() as AddressInfo).port;
  await new Promise<void>((resolve) => probe.close(() => resolve()));
});

afterAll(() => {
  server.closeAllConnections();
  server.close();
});

const IMPLEMENTATIONS: [string, FetchLike][] = [
  ['fetchWithOwnSignal (WHATWG fetch)', fetchWithOwnSignal],
  ['upstreamFetch (undici request)', upstreamFetch],
];

describe.each(IMPLEMENTATIONS)('%s: a signal per request under a connection-wide one', (_label, fetchLike) => {
  it('leaves no listener behind on the shared signal after JSON answers', async () => {
    const connection = new AbortController();
    for (let i = 0; i < 300; i++) expect(await (await fetchLike(`${url}/json`, { signal: connection.signal })).json()).toEqual({});
    // undici lets go of the last request's listener just after its body ends.
    await new Promise((resolve) => setTimeout(resolve, 20));
    expect(getEventListeners(connection.signal, 'abort')).toHaveLength(0);
  });

  it('still cancels a request in flight when the connection is closed', async () => {
    const connection = new AbortController();
    const pending = fetchLike(`${url}/slow`, { signal: connection.signal });
    connection.abort(new Error('closing'));
    await expect(pending).rejects.toThrow();
  });

  it('keeps an event stream tied to the connection, so that closing it ends the stream', async () => {
    const connection = new AbortController();
    const response = await fetchLike(`${url}/stream`, { signal: connection.signal });
    expect(response.headers.get('content-type')).toBe('text/event-stream');
    const reader = response.body!.getReader();
    expect(new TextDecoder().decode((await reader.read()).value)).toBe(': open\n\n');
    connection.abort();
    await expect(reader.read()).rejects.toThrow();
  });

  it('sends the method, headers and body, and gives back the status and headers', async () => {
    const response = await fetchLike(`${url}/echo`, { method: 'POST', headers: { 'x-test': 'yes', 'content-type': 'application/json' }, body: '{"a":1}' });
    expect(response.status).toBe(201);
    expect(response.headers.get('x-seen')).toBe('POST yes {"a":1}');
    expect(response.ok).toBe(true);
  });

  it('fails with the system error code when nothing listens', async () => {
    const error = await fetchLike(`http://127.0.0.1:${closedPort}/mcp`, {}).catch((e: unknown) => e);
    expect(networkErrorCode(error)).toBe('ECONNREFUSED');
  });
});

describe('upstreamFetch: an answer read whole', () => {
  it('reads as a Response does: status, headers, the body once as JSON, then no more', async () => {
    const response = await upstreamFetch(`${url}/json`, {});
    expect(response.status).toBe(200);
    expect(response.ok).toBe(true);
    expect(response.headers.get('content-type')).toBe('application/json');
    expect(await response.json()).toEqual({});
    expect(response.bodyUsed).toBe(true);
    await expect(response.text()).rejects.toThrow(TypeError);
  });

  it('gives its body as a stream, and its other forms, to a reader that asks for them', async () => {
    const streamed = await upstreamFetch(`${url}/echo`, { method: 'POST', body: 'x' });
    expect(new TextDecoder().decode((await streamed.body!.getReader().read()).value)).toBe('ok');
    const whole = await upstreamFetch(`${url}/echo`, { method: 'POST', body: 'x' });
    expect(new TextDecoder().decode(await whole.arrayBuffer())).toBe('ok');
    expect(whole.bodyUsed).toBe(true);
    expect(whole.statusText).toBe('');
  });
});
