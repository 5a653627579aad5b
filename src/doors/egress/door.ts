import { createServer, request as httpRequest, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import { connect, type AddressInfo, type Socket } from 'node:net';
import { TLSSocket } from 'node:tls';
import type { UpstreamConfig } from '../../config/upstreams/index.js';
import { authenticate } from '../../identity/authenticate.js';
import { loadSecretKey } from '../../identity/secret-box.js';
import { knownSecretsOf } from '../../scan/secrets.js';
import type { RunningDoor } from '../../server/door-module.js';
import type { Runtime } from '../../server/runtime.js';
import type { AirlockConfig } from '../../config/load.js';
import { isAirlockToken } from '../../classify/shell/index.js';
import { bearerToken, openHttpDoor } from '../http/door.js';
import { responseHeadersToReturn } from '../http/headers.js';
import { graphqlRefusal, problemRefusal, type Refused } from '../http/refusal.js';
import { loadOrCreateCa } from './ca.js';
import { authorityText, destinationOf, parseAbsoluteTarget, parseConnectAuthority, upstreamHostsOf, type Authority, type EgressRules } from './hosts.js';
import { proxyCredentialOf } from './proxy-auth.js';
import { connectRefusal, egressRefusal, sendRefusal } from './refusal.js';
import { credentialsNotTheAgentsOwn, OTHER_AWS_KEY, rawCredentialOperation, REAL_AWS_KEY } from '../http/tripwire.js';
import { answerProtocolOf } from '../aws/door.js';
import { awsRefusal } from '../aws/refusal.js';

/** Who is on the other end of a proxy request, as far as the proxy itself can tell. */
interface Caller {
  /** The Airlock token given in Proxy-Authorization, if any. */
  readonly token: string | undefined;
  readonly agent: string | undefined;
  readonly tokenId: string | undefined;
  /** Why the caller may not go anywhere now (stopped, suspended), if so. */
  readonly stopped?: string;
}

/** A tunnel the door opened: the host the agent asked for and the upstream that answers for it. */
interface OpenedTunnel {
  readonly authority: Authority;
  /** The `hosts:` entry it matched, which the HTTP door routes by. */
  readonly routeHost: string;
  readonly upstream: UpstreamConfig;
  readonly caller: Caller;
}

type Identified = { ok: true; caller: Caller } | { ok: false; refusal: Refused };

/**
 * The egress door: an HTTP/1.1 forward proxy for the agent's sandbox (`HTTPS_PROXY`). A
 * CONNECT to the real host of a configured upstream is opened — TLS ends here, with a
 * certificate Airlock's CA issues for that host — and each request inside is judged and
 * forwarded by the HTTP door, exactly as if it had come to `/u/<upstream>`. A CONNECT to an
 * allowed host is tunnelled untouched; to any other host it is refused, and nothing is sent
 * there. Every CONNECT is recorded with its host.
 */
export async function openEgressDoor(runtime: Runtime): Promise<RunningDoor> {
  const { config } = runtime;
  const listen = config.listen.egress;
  if (!listen) return { close: async () => {} };
  const ca = await loadOrCreateCa(config.dataDir, loadSecretKey(config.dataDir, { warn: (message) => runtime.log.warn(message) }));
  const httpDoor = await openHttpDoor(runtime, { byHostOnly: true });
  // What the door routes by, rebuilt when a reload changes the upstreams or egress.allow.
  const routing = (from: AirlockConfig) => ({
    rules: { upstreamHosts: upstreamHostsOf(from.upstreams), allow: from.egress.allow } satisfies EgressRules,
    secrets: knownSecretsOf(from).secrets,
    upstreams: new Map(from.upstreams.map((upstream) => [upstream.name, upstream])),
  });
  let { rules, secrets, upstreams } = routing(config);
  const stopReloads = runtime.onConfigReload((next) => {
    const built = routing(next);
    return {
      commit() {
        ({ rules, secrets, upstreams } = built);
      },
    };
  });
  const opened = new WeakMap<Socket, OpenedTunnel>();
  // Tunnels to allowed hosts leave the HTTP server's hands; they are closed with the door.
  const tunnels = new Set<Socket>();

  const identify = async (header: string | undefined): Promise<Identified> => {
    const presented = proxyCredentialOf(header);
    if (presented.kind === 'none') return { ok: true, caller: { token: undefined, agent: undefined, tokenId: undefined } };
    if (presented.kind === 'bad') return { ok: false, refusal: egressRefusal('unauthenticated', presented.reason) };
    const auth = await authenticate(runtime.store, presented.token, runtime.clock());
    if (!auth.ok) return { ok: false, refusal: egressRefusal('unauthenticated', auth.reason) };
    const stopped =
      auth.agent.state === 'active'
        ? undefined
        : `the agent ${auth.agent.name} is ${auth.agent.state}${auth.agent.stateReason ? `: ${auth.agent.stateReason}` : ''}`;
    return { ok: true, caller: { token: presented.token, agent: auth.agent.name, tokenId: auth.token.id, ...(stopped ? { stopped } : {}) } };
  };

  /**
   * A tunnel to an allowed host passes no gate, so the emergency stop and a stopped agent are
   * checked here; requests to upstreams meet them at the gate.
   */
  const stopOf = async (caller: Caller): Promise<Refused | undefined> => {
    const control = await runtime.store.control.get();
    if (control.stopAll)
      return {
        kind: 'deny',
        code: 'stopped',
        reasons: [`the emergency stop is pulled for all agents: ${control.stopAll.reason}`],
        policies: ['airlock/emergency-stop'],
      };
    if (caller.stopped) return { kind: 'deny', code: 'stopped', reasons: [caller.stopped], policies: ['airlock/agent-not-active'] };
    return undefined;
  };

  /** Records a decision of the proxy itself; false when the record could not be written (then nothing goes through). */
  const record = async (caller: Caller | undefined, action: string, summary: string, authority: Authority, verdict: Refused | undefined) => {
    // Opening a connection to a guarded upstream changes nothing (each request inside is recorded
    // on its own), so under `changes` durability its record, like a read's, skips its own sync.
    const sync = !(action === 'egress:open' && !verdict && config.audit.durability !== 'all');
    try {
      await runtime.audit.append(
        {
          type: 'decision',
          ...(caller?.agent ? { agent: caller.agent, token: caller.tokenId } : {}),
          door: 'egress',
          action,
          resources: [authority.host],
          summary,
          verdict: verdict ? verdict.kind : 'allow',
          ...(verdict?.kind === 'deny' ? { code: verdict.code } : {}),
          ...(verdict ? { reasons: verdict.reasons, policies: verdict.policies } : { policies: ['airlock/egress'] }),
        },
        { sync },
      );
      return true;
    } catch (error) {
      runtime.log.error({ err: (error as Error).message }, 'egress door: the audit record could not be written');
      return false;
    }
  };
  const unrecorded = () => egressRefusal('unavailable', 'Airlock could not record this connection, so nothing was sent');

  /** Hands an opened request to the HTTP door, unless it carries a credential that is not the agent's own. */
  const judgeOpened = async (tunnel: OpenedTunnel, request: IncomingMessage, response: ServerResponse) => {
    const { upstream, caller } = tunnel;
    const credentialHeader = upstream.kind === 'graphql' || upstream.kind === 'rest' ? credentialHeaderOf(upstream) : undefined;
    const found = await credentialsNotTheAgentsOwn(request.headers, secrets, credentialHeader, request.url ?? '/');
    const nativeRefusal = (verdict: Refused, status?: number) =>
      upstream.kind === 'graphql'
        ? graphqlRefusal(verdict, status)
        : upstream.kind === 'aws'
          ? // The code AWS answers a key it does not know with, so the CLI says what is wrong.
            awsRefusal(
              answerProtocolOf(request),
              verdict,
              status,
              found.some((f) => f.what === REAL_AWS_KEY || f.what === OTHER_AWS_KEY) ? 'InvalidAccessKeyId' : 'AccessDenied',
            )
          : problemRefusal(verdict, status);
    if (found.length > 0) {
      request.resume();
      const operation = rawCredentialOperation('egress', upstream.name, found, request.method ?? 'GET', tunnel.authority.host, request.url ?? '/');
      // Attributed to the agent by its proxy credential, or by an Airlock token it also sent.
      const presented = bearerToken(request.headers.authorization);
      const token = caller.token ?? (presented && isAirlockToken(presented) ? presented : undefined);
      const tripwire = (extra: readonly string[]): Refused => ({
        kind: 'deny',
        code: 'forbidden',
        reasons: [operation.parts[0]!.why!, 'only Airlock holds real credentials; use your Airlock token', ...extra],
        policies: ['airlock/raw-credential'],
      });
      if (!token) {
        // Nobody to judge: the gate would record only that the caller is unknown, so the door records the tripwire itself.
        const verdict = tripwire([]);
        const recorded = await record(caller, operation.action, operation.summary, tunnel.authority, verdict);
        runtime.log.warn({ door: 'egress', upstream: upstream.name, host: tunnel.authority.host }, "tripwire: a credential that is not the agent's own");
        return sendRefusal(response, nativeRefusal(recorded ? verdict : unrecorded(), 403));
      }
      const result = await runtime.gate.decide({ operation, token });
      runtime.log.warn(
        { door: 'egress', upstream: upstream.name, agent: result.agent, host: tunnel.authority.host, audit: result.record?.seq },
        "tripwire: a credential that is not the agent's own",
      );
      // Whatever the gate answered (a revoked token is refused for that first), the answer names the tripwire.
      const gate = result.verdict.kind === 'allow' || result.verdict.policies.includes('airlock/raw-credential') ? [] : result.verdict.reasons;
      const verdict = tripwire(gate);
      return sendRefusal(response, nativeRefusal(verdict, 403));
    }
    if (request.headers.authorization === undefined && caller.token) request.headers.authorization = `Bearer ${caller.token}`;
    request.headers.host = tunnel.routeHost;
    if (!httpDoor.handleHttp?.(request, response)) {
      request.resume();
      sendRefusal(response, nativeRefusal(egressRefusal('unavailable', `the upstream ${upstream.name} is not served by the HTTP door`), 502));
    }
  };

  const tunnelFor = (authority: Authority, upstreamName: string, caller: Caller): OpenedTunnel => {
    const withPort = authorityText(authority);
    return {
      authority,
      // The name itself for a `*.` entry: the door behind reads the subdomain from it (an S3 bucket).
      routeHost: rules.upstreamHosts.has(withPort) ? withPort : authority.host,
      upstream: upstreams.get(upstreamName)!,
      caller,
    };
  };

  // Requests inside opened tunnels.
  const inner = createServer((request, response) => {
    const tunnel = opened.get(request.socket);
    const fail = (error: unknown) => {
      runtime.log.error({ err: (error as Error).message }, 'egress door error');
      if (!response.headersSent)
        sendRefusal(response, problemRefusal(egressRefusal('unavailable', 'Airlock failed while handling this request; nothing was forwarded'), 500));
      else response.destroy();
    };
    if (!tunnel) return fail(new Error('a request arrived on a connection the egress door did not open'));
    const host = hostHeaderAuthority(request.headers.host, tunnel.authority.port);
    if (!host || host.host !== tunnel.authority.host || host.port !== tunnel.authority.port || !(request.url ?? '').startsWith('/')) {
      request.resume();
      response.setHeader('connection', 'close');
      return sendRefusal(
        response,
        problemRefusal(
          egressRefusal(
            'bad_request',
            `this connection was opened for ${authorityText(tunnel.authority)}; a request inside it must name that host in origin form`,
          ),
          421,
        ),
      );
    }
    judgeOpened(tunnel, request, response).catch(fail);
  });
  inner.keepAliveTimeout = 65_000;
  inner.headersTimeout = 66_000;

  const onConnect = async (request: IncomingMessage, socket: Socket, head: Buffer) => {
    socket.on('error', () => socket.destroy());
    // Small request/answer exchanges inside TLS must not wait on Nagle's algorithm and delayed ACKs.
    socket.setNoDelay(true);
    const authority = parseConnectAuthority(request.url);
    if (!authority) return connectRefusal(socket, egressRefusal('bad_request', 'CONNECT needs host:port'), 400);
    const summary = `CONNECT ${authorityText(authority)}`;
    const identified = await identify(request.headers['proxy-authorization'] as string | undefined);
    if (!identified.ok) {
      await record(undefined, 'egress:connect', summary, authority, identified.refusal);
      return connectRefusal(socket, identified.refusal, 407);
    }
    const { caller } = identified;
    const destination = destinationOf(authority, rules);
    const stop = destination.kind === 'tunnel' ? await stopOf(caller) : undefined;
    if (stop) {
      await record(caller, 'egress:tunnel', summary, authority, stop);
      return connectRefusal(socket, stop, 403);
    }
    if (destination.kind === 'deny') {
      const refusal = egressRefusal('forbidden', destination.reason);
      await record(caller, 'egress:connect', summary, authority, refusal);
      runtime.log.info({ door: 'egress', host: authorityText(authority), agent: caller.agent }, 'refused a host');
      return connectRefusal(socket, refusal, 403);
    }
    if (!(await record(caller, destination.kind === 'open' ? 'egress:open' : 'egress:tunnel', summary, authority, undefined))) {
      return connectRefusal(socket, unrecorded(), 503);
    }
    if (destination.kind === 'tunnel') return tunnel(socket, head, authority, tunnels);
    const context = await ca.contextFor(authority.host);
    socket.write('HTTP/1.1 200 Connection Established\r\n\r\n');
    if (head.length > 0) socket.unshift(head);
    const secure = new TLSSocket(socket, { isServer: true, secureContext: context, ALPNProtocols: ['http/1.1'] });
    secure.on('error', (error) => {
      runtime.log.debug({ door: 'egress', host: authority.host, err: error.message }, "TLS with the agent failed (does it trust Airlock's CA?)");
      secure.destroy();
    });
    opened.set(secure, tunnelFor(authority, destination.upstream, caller));
    inner.emit('connection', secure);
  };

  // Absolute-form requests (plain HTTP through the proxy).
  const onRequest = async (request: IncomingMessage, response: ServerResponse) => {
    const target = parseAbsoluteTarget(request.url);
    if (!target) {
      request.resume();
      const why = (request.url ?? '').startsWith('/')
        ? "this is Airlock's egress proxy: send requests through it (HTTPS_PROXY, HTTP_PROXY), not to it"
        : 'the proxy reads absolute http:// targets and CONNECT host:port only';
      return sendRefusal(response, problemRefusal(egressRefusal('bad_request', why), 400));
    }
    const { authority, path } = target;
    const summary = `${request.method} http://${authorityText(authority)}${path.length > 500 ? `${path.slice(0, 500)}…` : path}`;
    const identified = await identify(request.headers['proxy-authorization'] as string | undefined);
    if (!identified.ok) {
      request.resume();
      await record(undefined, 'egress:forward', summary, authority, identified.refusal);
      response.setHeader('proxy-authenticate', 'Basic realm="airlock"');
      return sendRefusal(response, problemRefusal(identified.refusal, 407));
    }
    const { caller } = identified;
    const destination = destinationOf(authority, rules);
    if (destination.kind === 'deny') {
      request.resume();
      const refusal = egressRefusal('forbidden', destination.reason);
      await record(caller, 'egress:forward', summary, authority, refusal);
      return sendRefusal(response, problemRefusal(refusal, 403));
    }
    if (destination.kind === 'open') {
      request.url = path;
      return judgeOpened(tunnelFor(authority, destination.upstream, caller), request, response);
    }
    const stop = await stopOf(caller);
    if (stop) {
      request.resume();
      await record(caller, 'egress:forward', summary, authority, stop);
      return sendRefusal(response, problemRefusal(stop, 403));
    }
    if (!(await record(caller, 'egress:forward', summary, authority, undefined))) {
      request.resume();
      return sendRefusal(response, problemRefusal(unrecorded(), 503));
    }
    // A host egress.allow lets through is no upstream of the config: its forwards share one label.
    passThrough(request, response, authority, path, runtime.metrics.forwarding('egress', 'egress.allow'));
  };

  const proxy: Server = createServer((request, response) => {
    onRequest(request, response).catch((error: unknown) => {
      runtime.log.error({ err: (error as Error).message }, 'egress door error');
      if (!response.headersSent)
        sendRefusal(response, problemRefusal(egressRefusal('unavailable', 'Airlock failed while handling this request; nothing was forwarded'), 500));
      else response.destroy();
    });
  });
  proxy.on('connect', (request: IncomingMessage, socket: Socket, head: Buffer) => {
    onConnect(request, socket, head).catch((error: unknown) => {
      runtime.log.error({ err: (error as Error).message }, 'egress door error');
      connectRefusal(socket, egressRefusal('unavailable', 'Airlock failed while opening this connection; nothing was sent'), 500);
    });
  });
  proxy.keepAliveTimeout = 65_000;
  proxy.headersTimeout = 66_000;
  try {
    await new Promise<void>((resolve, reject) => {
      proxy.once('error', reject);
      proxy.listen(listen.port, listen.host, () => resolve());
    });
  } catch (error) {
    stopReloads();
    await httpDoor.close();
    throw error;
  }
  const address = proxy.address() as AddressInfo;
  const host = address.family === 'IPv6' ? `[${address.address}]` : address.address;
  return {
    addresses: { egress: `${host}:${address.port}` },
    async close() {
      await new Promise<void>((resolve) => {
        proxy.close(() => resolve());
        proxy.closeAllConnections();
        inner.closeAllConnections();
        for (const socket of tunnels) socket.destroy();
      });
      stopReloads();
      await httpDoor.close();
    },
  };
}

/** A tunnel to an allowed host: bytes both ways, untouched. */
function tunnel(socket: Socket, head: Buffer, authority: Authority, open: Set<Socket>): void {
  const far = connect({ host: authority.host, port: authority.port, noDelay: true });
  let connected = false;
  open.add(far);
  far.once('close', () => {
    open.delete(far);
    // After a normal end the pipe has already ended the agent's side; after a destroy it has not.
    if (connected) socket.end();
  });
  far.once('connect', () => {
    connected = true;
    socket.write('HTTP/1.1 200 Connection Established\r\n\r\n');
    if (head.length > 0) far.write(head);
    far.pipe(socket);
    socket.pipe(far);
  });
  far.once('error', (error: NodeJS.ErrnoException) => {
    if (connected) return void socket.destroy();
    connectRefusal(socket, egressRefusal('unavailable', `${authorityText(authority)} could not be reached (${error.code ?? error.message})`), 502);
  });
  socket.once('close', () => far.destroy());
}

/** A plain HTTP request to an allowed host, forwarded without the proxy's own headers. */
function passThrough(request: IncomingMessage, response: ServerResponse, authority: Authority, path: string, answered: () => void): void {
  const headers = responseHeadersToReturn(request.headers);
  const outgoing = httpRequest({ host: authority.host, port: authority.port, method: request.method, path, headers }, (answer) => {
    answered();
    response.writeHead(answer.statusCode ?? 502, responseHeadersToReturn(answer.headers));
    answer.pipe(response);
  });
  outgoing.once('error', (error) => {
    if (!response.headersSent) {
      sendRefusal(
        response,
        problemRefusal(
          egressRefusal('unavailable', `${authorityText(authority)} could not be reached (${(error as NodeJS.ErrnoException).code ?? error.message})`),
          502,
        ),
      );
    } else response.destroy();
  });
  request.pipe(outgoing);
}

/** The header the upstream's credential travels in: what an agent's own tool would fill with a real token. */
function credentialHeaderOf(upstream: Extract<UpstreamConfig, { kind: 'graphql' | 'rest' }>): string {
  const credential = upstream.credential;
  return credential && 'header' in credential ? credential.header.toLowerCase() : 'authorization';
}

/** The Host header of a request inside a tunnel, with the tunnel's port when it names none. */
function hostHeaderAuthority(header: string | undefined, defaultPort: number): Authority | undefined {
  if (!header) return undefined;
  return parseConnectAuthority(/:\d+$/.test(header) && !header.endsWith(']') ? header : `${header}:${defaultPort}`);
}
