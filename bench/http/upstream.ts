/**
 * The upstream for the HTTP benchmark: a GraphQL endpoint that reads the request and answers a
 * fixed result at once, so that what is measured is the path to it, not its work.
 * Prints its URL on stdout.
 */
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';

const answer = Buffer.from(JSON.stringify({ data: { project: { id: 'prj_bench', name: 'shop', description: 'benchmark project' } } }));
const server = createServer((request, response) => {
  request.resume();
  request.on('end', () => {
    response.writeHead(200, { 'content-type': 'application/json', 'content-length': answer.length });
    response.end(answer);
  });
});
server.keepAliveTimeout = 65_000;
server.listen(0, '127.0.0.1', () => {
  const { port } = server.address() as AddressInfo;
  process.stdout.write(`http://127.0.0.1:${port}/graphql\n`);
});
