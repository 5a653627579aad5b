import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { getRequestListener } from '@hono/node-server';
import type { AirlockConfig } from '../config/load.js';
import { createApi } from './api.js';
import type { DoorModule, RunningDoor } from './door-module.js';
import { DOORS } from './doors.js';
import { openRuntime, type Runtime, type RuntimeOptions } from './runtime.js';
import type { Door } from '../core/operation.js';
import type { Replayers } from '../holds/replay.js';
import { startHoldWorker, type HoldWorker } from '../holds/worker.js';
import { nameRequest } from '../core/request-id.js';

export interface RunningAirlock {
  readonly runtime: Runtime;
  /** Base URL of the HTTP listener, e.g. http://127.0.0.1:4100 */
  readonly url: string;
  /** Every address Airlock listens on, by name: http, and what doors open (postgres). */
  readonly addresses: Readonly<Record<string, string>>;
  /** The holds' background work (expiry, delayed execution, notifications); tick() runs a pass now. */
  readonly holds: HoldWorker;
  /** The running doors' replayers, by door (what the hold worker sends delayed holds with). */
  readonly replayers: Replayers;
  close(): Promise<void>;
}

export interface StartOptions extends RuntimeOptions {
  readonly doors?: readonly DoorModule[];
  /**
   * On close, how long requests already in flight may take to finish before their connections
   * are cut (default 0: at once; `airlock start` gives 10 s on SIGTERM). Their decisions are
   * recorded either way: what a door forwards is recorded before it is forwarded.
   */
  readonly shutdownGraceMs?: number;
}

/** Starts Airlock: the runtime, every door, and the HTTP listener they share. */
export async function startAirlock(config: AirlockConfig, options: StartOptions = {}): Promise<RunningAirlock> {
  const modules = options.doors ?? DOORS;
  const runtime = await openRuntime(config, { writerThread: true, watchPolicies: true, ...options, doors: modules });
  const doors: RunningDoor[] = [];
  const replayers = new Map<Door, NonNullable<RunningDoor['replay']>>();
  let server: Server | undefined;
  let holds: HoldWorker | undefined;
  let draining = false;
  try {
    for (const module of modules) {
      const door = await module.start(runtime);
      doors.push(door);
      if (door.replay) replayers.set(module.name, door.replay);
    }
    // Expiry, delayed execution and notifications of holds, in the background.
    holds = await startHoldWorker(runtime, { replayers });
    const api = getRequestListener(createApi(runtime, { draining: () => draining }).fetch);
    const handlers = doors.flatMap((door) => (door.handleHttp ? [door.handleHttp] : []));
    server = createServer((request, response) => {
      const started = performance.now();
      // Named once here; the doors and the API read it back from the request (requestIdOf).
      const requestId = nameRequest(request, request.headers['x-request-id']);
      response.setHeader('x-request-id', requestId);
      response.once('finish', () => {
        const seconds = (performance.now() - started) / 1000;
        runtime.metrics.answered(doorOfPath(request.url), seconds);
        // The path without its query, which is where credentials most often ride.
        const path = (request.url ?? '').split('?')[0];
        runtime.log.info({ requestId, method: request.method, path, status: response.statusCode, ms: Math.round(seconds * 1000) }, 'request');
      });
      for (const handle of handlers) if (handle(request, response)) return;
      void api(request, response);
    });
    // Agents hold connections open between calls; keep them longer than typical client pools.
    server.keepAliveTimeout = 65_000;
    server.headersTimeout = 66_000;
    const { host, port } = config.listen.http;
    await new Promise<void>((resolve, reject) => {
      server!.once('error', reject);
      server!.listen(port, host, () => resolve());
    });
  } catch (error) {
    await holds?.close();
    await Promise.allSettled(doors.map((door) => door.close()));
    server?.close();
    await runtime.close();
    throw error;
  }
  const address = server.address() as AddressInfo;
  const host = address.family === 'IPv6' ? `[${address.address}]` : address.address;
  const url = `http://${host}:${address.port}`;
  const addresses = Object.assign({ http: `${host}:${address.port}` }, ...doors.map((door) => door.addresses ?? {})) as Record<string, string>;
  let closing: Promise<void> | undefined;
  const worker = holds!;
  return {
    runtime,
    url,
    addresses,
    holds: worker,
    replayers,
    close() {
      closing ??= (async () => {
        // Unready first, so that a load balancer stops sending work here; then no new
        // connections, in-flight requests finish (within the grace), and the audit is flushed.
        draining = true;
        await new Promise<void>((resolve) => {
          const cut = setTimeout(() => server!.closeAllConnections(), options.shutdownGraceMs ?? 0);
          // A kept-alive connection turns idle when its request finishes: close it then, not at the grace's end.
          const idle = setInterval(() => server!.closeIdleConnections(), 50);
          server!.close(() => {
            clearTimeout(cut);
            clearInterval(idle);
            resolve();
          });
          server!.closeIdleConnections();
        });
        await worker.close();
        await Promise.allSettled(doors.map((door) => door.close()));
        await runtime.close();
      })();
      return closing;
    },
  };
}

/** Which door a path on the HTTP listener belongs to, for the metrics' labels (never the path itself). */
export function doorOfPath(url: string | undefined): string {
  const path = url ?? '';
  if (path.startsWith('/u/')) return 'http';
  if (path === '/mcp' || path.startsWith('/mcp/') || path.startsWith('/mcp?')) return 'mcp';
  if (path.startsWith('/v1/decide')) return 'api';
  return 'airlock';
}
