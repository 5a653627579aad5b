import { createServer, request as httpRequest, type IncomingMessage, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterEach, describe, expect, it } from 'vitest';
import { readBody, type BodyRead } from './body.js';

let server: Server | undefined;
afterEach(() => {
  server?.closeAllConnections();
  server?.close();
  server = undefined;
});

/** A server that reads each request's body with a limit of 16 bytes and answers what it read. */
async function reading(): Promise<{ port: number; reads: Promise<BodyRead | Error> }> {
  let settle!: (read: BodyRead | Error) => void;
  const reads = new Promise<BodyRead | Error>((resolve) => (settle = resolve));
  server = createServer((request: IncomingMessage, response) => {
    readBody(request, 16).then(
      (read) => {
        settle(read);
        if (!read.ok) response.setHeader('connection', 'close');
        response.writeHead(read.ok ? 200 : read.status).end(read.ok ? read.body : read.error);
      },
      (error: Error) => settle(error),
    );
  });
  await new Promise<void>((resolve) => server!.listen(0, '127.0.0.1', resolve));
  return { port: (server.address() as AddressInfo).port, reads };
}

function send(port: number, chunks: readonly string[], headers: Record<string, string> = {}): Promise<{ status: number; body: string }> {
  return new Promise((resolve, reject) => {
    const request = httpRequest({ port, host: '127.0.0.1', method: 'POST', headers }, (response) => {
      let body = '';
      response.setEncoding('utf8');
      response.on('data', (chunk: string) => (body += chunk));
      response.on('end', () => resolve({ status: response.statusCode!, body }));
    });
    request.on('error', reject);
    for (const chunk of chunks) request.write(chunk);
    request.end();
  });
}

describe('readBody', () => {
  it('reads a body sent in several chunks', async () => {
    const { port, reads } = await reading();
    const answer = await send(port, ['{"a":', '1}']);
    expect(answer).toEqual({ status: 200, body: '{"a":1}' });
    expect(await reads).toEqual({ ok: true, body: Buffer.from('{"a":1}') });
  });

  it('reads an empty body', async () => {
    const { port } = await reading();
    expect(await send(port, [])).toEqual({ status: 200, body: '' });
  });

  it('refuses a body announced larger than the limit without reading it', async () => {
    const { port } = await reading();
    const answer = await send(port, ['x'.repeat(17)], { 'content-length': '17' });
    expect(answer.status).toBe(413);
    expect(answer.body).toContain('larger than 16 bytes');
  });

  it('refuses a chunked body once it passes the limit, and can still answer', async () => {
    const { port } = await reading();
    const answer = await send(port, ['x'.repeat(10), 'x'.repeat(10)]);
    expect(answer.status).toBe(413);
  });

  it('rejects when the client goes away before the body ends', async () => {
    const { port, reads } = await reading();
    const request = httpRequest({ port, host: '127.0.0.1', method: 'POST', headers: { 'content-length': '10' } });
    request.on('error', () => {});
    request.write('abc');
    await new Promise((resolve) => setTimeout(resolve, 50));
    request.destroy();
    expect(await reads).toBeInstanceOf(Error);
  });
});
