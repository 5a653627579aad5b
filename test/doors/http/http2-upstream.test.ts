/**
 * An upstream that speaks only HTTP/2 (node:http2 over TLS, no HTTP/1.1 fallback), behind the
 * HTTP door: Airlock offers h2 by ALPN and forwards to it. Airlock runs as its own process, so
 * that it trusts the upstream's CA the way an operator's would (NODE_EXTRA_CA_CERTS).
 */
import type { ChildProcess } from 'node:child_process';
import { rmSync, writeFileSync } from 'node:fs';
import { createSecureServer, type Http2SecureServer } from 'node:http2';
import type { AddressInfo } from 'node:net';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { CertificateAuthority, generateCa } from '../../../src/doors/egress/ca.js';
import { runCli, startAirlockProcess, writeTestConfig } from '../../support/airlock.js';
import { run } from '../egress/support.js';

interface Seen {
  readonly version: string;
  readonly method: string;
  readonly path: string;
  readonly authorization: string | undefined;
  readonly body: string;
}

describe('an upstream that speaks only HTTP/2', () => {
  const seen: Seen[] = [];
  let server: Http2SecureServer;
  let airlock: { process: ChildProcess; url: string };
  let token: string;
  let folder: string;
  const realToken = 'items-real-credential-0123456789';

  beforeAll(async () => {
    const ca = await generateCa();
    const context = await (await CertificateAuthority.open(ca.certificatePem, ca.pkcs8)).contextFor('localhost');
    server = createSecureServer({ SNICallback: (_name, done) => done(null, context), allowHTTP1: false }, (request, response) => {
      let body = '';
      request.on('data', (chunk: Buffer) => (body += chunk.toString()));
      request.on('end', () => {
        seen.push({ version: request.httpVersion, method: request.method, path: request.url, authorization: request.headers.authorization, body });
        response.writeHead(200, { 'content-type': 'application/json' });
        response.end(JSON.stringify({ items: [{ id: 'it_1' }], method: request.method }));
      });
    });
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    const { dir, configPath } = writeTestConfig({
      config: {
        upstreams: [
          {
            name: 'items',
            kind: 'rest',
            url: `https://localhost:${(server.address() as AddressInfo).port}`,
            credential: { bearer: { env: 'ITEMS_TOKEN' } },
          },
        ],
      },
    });
    folder = dir;
    const caFile = join(dir, 'upstream-ca.pem');
    writeFileSync(caFile, ca.certificatePem);
    expect(runCli(['--config', configPath, 'agent', 'add', 'coding-agent']).status).toBe(0);
    const issued = runCli(['--config', configPath, 'token', 'issue', '--agent', 'coding-agent', '--scope', 'write:*']);
    token = issued.stdout.split('\n')[0]!;
    airlock = await startAirlockProcess(configPath, { NODE_EXTRA_CA_CERTS: caFile, ITEMS_TOKEN: realToken });
  });
  afterAll(async () => {
    if (airlock && airlock.process.exitCode === null) {
      const exited = new Promise((resolve) => airlock.process.once('exit', resolve));
      airlock.process.kill();
      await exited;
    }
    await new Promise<void>((resolve) => server.close(() => resolve()));
    if (folder) rmSync(folder, { recursive: true, force: true });
  });

  it('forwards a read and a write over HTTP/2, with the real credential, and relays the answer', async () => {
    const read = await run('curl', ['-sS', '-H', `Authorization: Bearer ${token}`, `${airlock.url}/u/items/items?limit=5`]);
    expect(read.stderr).toBe('');
    expect(JSON.parse(read.stdout)).toEqual({ items: [{ id: 'it_1' }], method: 'GET' });
    const write = await run('curl', [
      '-sS',
      '-X',
      'POST',
      '-H',
      `Authorization: Bearer ${token}`,
      '-H',
      'content-type: application/json',
      '-d',
      '{"name":"new"}',
      `${airlock.url}/u/items/items`,
    ]);
    expect(JSON.parse(write.stdout).method).toBe('POST');
    expect(seen).toEqual([
      { version: '2.0', method: 'GET', path: '/items?limit=5', authorization: `Bearer ${realToken}`, body: '' },
      { version: '2.0', method: 'POST', path: '/items', authorization: `Bearer ${realToken}`, body: '{"name":"new"}' },
    ]);
  });
});
