/**
 * A running Airlock with its egress door on, in front of the Railway stand-in, which the test
 * config names as the upstream for the real host backboard.railway.app; and the agent's own
 * curl, pointed at the proxy with HTTPS_PROXY and trusting Airlock's CA from `airlock ca export`.
 */
import { execFile } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { mkdirSync, writeFileSync } from 'node:fs';
import { createServer, type Server } from 'node:http';
import { createServer as createHttpsServer } from 'node:https';
import type { AddressInfo } from 'node:net';
import { join } from 'node:path';
import { CertificateAuthority, generateCa } from '../../../src/doors/egress/ca.js';
import { RAILWAY_RESOLVERS, startRailwayStandIn, type RailwayStandIn } from '../../../src/demo/railway-standin.js';
import { AIRLOCK_BIN, startTestAirlock, type TestAirlock } from '../../support/airlock.js';
import { RAILWAY_SCHEMA, STAGING_POLICY } from '../http/support.js';

export const RAILWAY_HOST = 'backboard.railway.app';

export interface EgressWorld {
  readonly airlock: TestAirlock;
  readonly railway: RailwayStandIn;
  /** The real credential, which only Airlock holds. */
  readonly railwayToken: string;
  /** http://127.0.0.1:<egress port> */
  readonly proxy: string;
  /** Airlock's CA certificate, as `airlock ca export` printed it, in a file. */
  readonly caFile: string;
  /** A local server on an allowed host (localhost) and one on a host nobody allowed (127.0.0.1). */
  readonly allowed: RecordingServer;
  readonly forbidden: RecordingServer;
  /** An allowed HTTPS server whose certificate comes from a CA of its own, not Airlock's. */
  readonly allowedTls: RecordingServer & { readonly caFile: string };
  close(): Promise<void>;
}

export interface RecordingServer {
  readonly port: number;
  /** Every request that reached it. */
  readonly hits: string[];
  close(): Promise<void>;
}

export async function startRecordingServer(tls?: { secureContext: import('node:tls').SecureContext }): Promise<RecordingServer> {
  const hits: string[] = [];
  const handler = (request: import('node:http').IncomingMessage, response: import('node:http').ServerResponse) => {
    hits.push(`${request.method} ${request.url}`);
    response.writeHead(200, { 'content-type': 'text/plain' });
    response.end('reached\n');
  };
  // A TLS server takes a ready context only through SNICallback (curl sends the name localhost).
  const server: Server = tls ? createHttpsServer({ SNICallback: (_name, done) => done(null, tls.secureContext) }, handler) : createServer(handler);
  // Any connection counts as a hit, even one that never sends a request.
  server.on(tls ? 'secureConnection' : 'connection', () => hits.push('connection'));
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return {
    port: (server.address() as AddressInfo).port,
    hits,
    close: () =>
      new Promise<void>((resolve) => {
        server.close(() => resolve());
        server.closeAllConnections();
      }),
  };
}

export async function startEgressWorld(): Promise<EgressWorld> {
  const railwayToken = `rw_${randomBytes(16).toString('hex')}`;
  const railwayVar = `AIRLOCK_TEST_RAILWAY_${randomBytes(4).toString('hex').toUpperCase()}`;
  process.env[railwayVar] = railwayToken;
  const railway = await startRailwayStandIn({ token: railwayToken });
  const allowed = await startRecordingServer();
  const forbidden = await startRecordingServer();
  const ownCa = await generateCa();
  const tlsServer = await startRecordingServer({
    secureContext: await (await CertificateAuthority.open(ownCa.certificatePem, ownCa.pkcs8)).contextFor('localhost'),
  });
  const airlock = await startTestAirlock({
    policies: { 'staging.cedar': STAGING_POLICY },
    config: {
      listen: { http: '127.0.0.1:0', egress: '127.0.0.1:0' },
      egress: { allow: [`localhost:${allowed.port}`, `localhost:${tlsServer.port}`] },
      upstreams: [
        {
          name: 'railway',
          kind: 'graphql',
          url: railway.url,
          hosts: [RAILWAY_HOST],
          credential: { bearer: { env: railwayVar } },
          schema: RAILWAY_SCHEMA,
          resolve: { ttl: '1m', resources: RAILWAY_RESOLVERS },
        },
      ],
      baseline: { ignore: ['first-destructive', 'first-environment', 'first-upstream', 'refusal-burst', 'rate-burst'], suspendOn: [] },
    },
  });
  const exported = await run(process.execPath, [join(import.meta.dirname, '../../../bin/airlock.js'), '--config', airlock.configPath, 'ca', 'export']);
  const caFile = join(airlock.dir, 'airlock-ca.pem');
  writeFileSync(caFile, exported.stdout);
  const ownCaFile = join(airlock.dir, 'own-ca.pem');
  writeFileSync(ownCaFile, ownCa.certificatePem);
  return {
    allowedTls: Object.assign(tlsServer, { caFile: ownCaFile }),
    airlock,
    railway,
    railwayToken,
    proxy: `http://${airlock.addresses.egress}`,
    caFile,
    allowed,
    forbidden,
    async close() {
      await airlock.close();
      await railway.close();
      await allowed.close();
      await forbidden.close();
      await tlsServer.close();
      delete process.env[railwayVar];
    },
  };
}

export interface CurlResult {
  readonly code: number;
  readonly stdout: string;
  readonly stderr: string;
}

/** Runs a program without blocking this process's event loop (Airlock runs in it). */
export function run(file: string, args: readonly string[], env: NodeJS.ProcessEnv = {}): Promise<CurlResult> {
  return new Promise((resolve) => {
    execFile(file, args, { env: { ...process.env, ...env }, timeout: 30_000 }, (error, stdout, stderr) => {
      resolve({ code: error ? (typeof error.code === 'number' ? error.code : 1) : 0, stdout, stderr });
    });
  });
}

/** The agent's curl, through the proxy from the environment, as a sandbox sets it up. */
export function curl(world: EgressWorld, args: readonly string[], env: NodeJS.ProcessEnv = {}): Promise<CurlResult> {
  return run('curl', ['-sS', '--cacert', world.caFile, ...args], {
    HTTPS_PROXY: world.proxy,
    HTTP_PROXY: world.proxy,
    http_proxy: world.proxy,
    https_proxy: world.proxy,
    NO_PROXY: '',
    no_proxy: '',
    ...env,
  });
}

/** A GraphQL POST to the real Railway host name, as the agent's curl sends it. */
export function railwayGraphql(world: EgressWorld, authorization: string | undefined, query: string, extra: readonly string[] = []): Promise<CurlResult> {
  return curl(world, [
    '-X',
    'POST',
    '-H',
    'content-type: application/json',
    ...(authorization ? ['-H', `Authorization: ${authorization}`] : []),
    '-d',
    JSON.stringify({ query }),
    ...extra,
    `https://${RAILWAY_HOST}/graphql/v2`,
  ]);
}

/** The last response in `curl -i` output (after the proxy's own CONNECT answer): status, head and body. */
export function finalResponse(stdout: string): { status: number; head: string; body: string } {
  const start = stdout.lastIndexOf('HTTP/1.1 ', stdout.lastIndexOf('\r\n\r\n') - 1);
  const text = stdout.slice(Math.max(start, 0));
  const split = text.indexOf('\r\n\r\n');
  return { status: Number(text.slice(9, 12)), head: text.slice(0, split), body: text.slice(split + 4) };
}

/**
 * `airlock init sandbox --write DIR` as an operator runs it, with the agent's token in
 * AIRLOCK_TOKEN and the egress door's address (the test config's port is chosen at start).
 */
export function initSandbox(configPath: string, options: { dir: string; proxy: string; token: string; args?: readonly string[] }): Promise<CurlResult> {
  return run(
    process.execPath,
    [AIRLOCK_BIN, '--config', configPath, 'init', 'sandbox', '--write', options.dir, '--proxy', options.proxy, ...(options.args ?? [])],
    { AIRLOCK_TOKEN: options.token },
  );
}

/**
 * A script run as the agent's sandbox runs it: `sh -c`, with nothing of this process's
 * environment but PATH and a HOME of its own, after sourcing the env file `airlock init sandbox`
 * wrote. Arguments are `$1`…
 */
export function inSandbox(dir: string, script: string, args: readonly string[] = []): Promise<CurlResult> {
  mkdirSync(join(dir, 'home'), { recursive: true });
  return new Promise((resolve) => {
    execFile(
      'sh',
      ['-c', `. "${join(dir, 'env')}" && ${script}`, 'sandbox', ...args],
      {
        // Only what a sandbox would have before the file is sourced; the AWS CLI is told not to look for an instance role, nor to retry.
        env: { PATH: process.env.PATH, HOME: join(dir, 'home'), AWS_EC2_METADATA_DISABLED: 'true', AWS_MAX_ATTEMPTS: '1', AWS_PAGER: '' },
        timeout: 60_000,
      },
      (error, stdout, stderr) => resolve({ code: error ? (typeof error.code === 'number' ? error.code : 1) : 0, stdout, stderr }),
    );
  });
}
