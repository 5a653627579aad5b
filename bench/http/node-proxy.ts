/**
 * The baseline proxy for the HTTP benchmark: the least a Node reverse proxy does — node:http in,
 * an undici keep-alive pool out, the Authorization header swapped, bodies streamed — and nothing
 * Airlock adds (no parsing, no policy, no audit). Prints its URL on stdout.
 *
 * Run by bench/http/graphql.ts with the upstream URL and the credential in the environment.
 */
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { pipeline } from 'node:stream/promises';
import { Pool } from 'undici';

const upstream = new URL(process.env.UPSTREAM_URL!);
const credential = `Bearer ${process.env.UPSTREAM_TOKEN!}`;
const pool = new Pool(upstream.origin, { connections: 256, keepAliveTimeout: 30_000 });
const HOP = new Set(['connection', 'keep-alive', 'transfer-encoding', 'host', 'authorization', 'te', 'upgrade', 'proxy-authorization']);

const server = createServer(async (request, response) => {
  const headers: Record<string, string | string[]> = {};
  for (const [name, value] of Object.entries(request.headers)) if (value !== undefined && !HOP.has(name)) headers[name] = value;
  headers.authorization = credential;
  try {
    const answer = await pool.request({ method: request.method as 'POST', path: upstream.pathname, headers, body: request });
    const out: Record<string, string | string[]> = {};
    for (const [name, value] of Object.entries(answer.headers)) if (value !== undefined && !HOP.has(name)) out[name] = value;
    response.writeHead(answer.statusCode, out);
    await pipeline(answer.body, response);
  } catch {
    if (!response.headersSent) response.writeHead(502).end();
    else response.destroy();
  }
});
server.keepAliveTimeout = 65_000;
server.listen(0, '127.0.0.1', () => {
  const { port } = server.address() as AddressInfo;
  process.stdout.write(`http://127.0.0.1:${port}/graphql\n`);
});
