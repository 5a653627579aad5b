import { getEventListeners } from 'node:events';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { fetchWithOwnSignal } from './fetch.js';

let server: Server;
let url: string;

beforeAll(async () => {
  server = createServer((request, response) => {
    if (request.url === '/slow') return; // never answers: for the abort test
    if (request.url === '/stream') {
      response.writeHead(200, { 'content-type': 'text/event-stream' });
      response.write(': open\n\n');
      return;
    }
    response.writeHead(200, { 'content-type': 'application/json' }).end('{}');
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  url = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
});

afterAll(() => {
  server.closeAllConnections();
  server.close();
});

describe('fetchWithOwnSignal: one signal per request under a connection-wide one', () => {
  it('leaves no listener behind on the shared signal after JSON answers', async () => {
    const connection = new AbortController();
    for (let i = 0; i < 300; i++) await (await fetchWithOwnSignal(`${url}/json`, { signal: connection.signal })).json();
    expect(getEventListeners(connection.signal, 'abort')).toHaveLength(0);
  });

  it('still cancels a request in flight when the connection is closed', async () => {
    const connection = new AbortController();
    const pending = fetchWithOwnSignal(`${url}/slow`, { signal: connection.signal });
    connection.abort(new Error('closing'));
    await expect(pending).rejects.toThrow();
  });

  it('keeps an event stream tied to the connection, so that closing it ends the stream', async () => {
    const connection = new AbortController();
    const response = await fetchWithOwnSignal(`${url}/stream`, { signal: connection.signal });
    expect(getEventListeners(connection.signal, 'abort')).toHaveLength(1);
    const reader = response.body!.getReader();
    await reader.read();
    connection.abort();
    await expect(reader.read()).rejects.toThrow();
  });
});
