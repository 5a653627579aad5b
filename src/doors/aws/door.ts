import type { IncomingMessage, ServerResponse } from 'node:http';
import { classifyAwsCall, serviceBySigningName, type AwsProtocol, type AwsService } from '../../classify/aws/index.js';
import type { AwsUpstreamConfig } from '../../config/upstreams/index.js';
import { requestDigest } from '../../core/digest.js';
import { requestIdOf } from '../../core/request-id.js';
import { resolveEnvironment } from '../../core/environment.js';
import { operationFromParts } from '../../core/operation.js';
import { backupBeforeForward } from '../../holds/backup.js';
import { decideAndWait } from '../../holds/wait.js';
import { authenticate } from '../../identity/authenticate.js';
import { parseToken } from '../../identity/token-format.js';
import { redactorFor, type Redactor } from '../../redact/index.js';
import type { Runtime } from '../../server/runtime.js';
import type { AirlockConfig } from '../../config/load.js';
import { relayAnswer } from '../http/door.js';
import { readBody } from '../http/body.js';
import { responseHeadersToReturn, type HeaderMap } from '../http/headers.js';
import { doorRefusal, type RefusalResponse, type Refused } from '../http/refusal.js';
import { dechunk, UNSIGNED_TRAILER } from './chunked.js';
import { upstreamHostFor } from '../egress/hosts.js';
import { awsError, awsRefusal } from './refusal.js';
import { readSignature, verifySignature, type Signed } from './sigv4.js';
import { createAwsUpstream, queryString, type AwsOutbound, type AwsUpstream } from './upstream.js';

/** A held AWS call, as forwarded: Airlock's reading of it, without the agent's signature. */
export interface StoredAwsRequest extends AwsOutbound {
  readonly door: 'http';
  readonly kind: 'aws';
  readonly upstream: string;
  /** The body, base64. */
  readonly body: string;
}

export interface AwsDoor {
  /** The AWS upstreams it serves. */
  readonly names: readonly string[];
  /** Takes `/u/<aws upstream>/…` (and, by Host, the upstreams' `hosts:`); false for anything else. */
  handleHttp(request: IncomingMessage, response: ServerResponse): boolean;
  close(): Promise<void>;
}

/**
 * Headers never carried from the agent's request: its signature and the time and payload hash it
 * signed (Airlock signs again), the host (the upstream's own), and how the body travelled.
 */
const NOT_CARRIED = new Set([
  'authorization',
  'host',
  'x-amz-date',
  'x-amz-content-sha256',
  'x-amz-security-token',
  'content-length',
  'transfer-encoding',
  'connection',
  'expect',
  'keep-alive',
  'te',
  'upgrade',
]);

/**
 * The AWS door, served at the HTTP door's `/u/<upstream>/…`: every request's SigV4 signature
 * (made with the agent's Airlock token) is checked, the call is classed by service and
 * operation, placed in an environment, judged, and only then signed again with the real
 * credentials and sent. Only the headers the agent signed are read and carried.
 */
export function openAwsDoor(runtime: Runtime, options: { readonly byHostOnly?: boolean } = {}, config: AirlockConfig = runtime.config): AwsDoor {
  const upstreams = new Map<string, AwsUpstream>();
  const byHost = new Map<string, AwsUpstream>();
  const redactor = redactorFor(config);
  // What the forward metric calls this door: the egress proxy opens one to forward by host.
  const door = options.byHostOnly ? 'egress' : 'aws';
  for (const upstreamConfig of config.upstreams) {
    if (upstreamConfig.kind !== 'aws') continue;
    const upstream = createAwsUpstream(upstreamConfig, {
      timeoutMs: config.limits.upstreamTimeout,
      redactor,
      onProblem: (problem) => runtime.log.warn({ upstream: upstreamConfig.name, problem }, 'upstream problem'),
    });
    upstreams.set(upstreamConfig.name, upstream);
    for (const host of upstreamConfig.hosts) byHost.set(host.toLowerCase(), upstream);
  }
  const route = (request: IncomingMessage): AwsRoute | undefined => {
    const url = request.url ?? '/';
    if (!options.byHostOnly && url.startsWith('/u/')) {
      const end = url.slice(3).search(/[/?]/);
      const name = end < 0 ? url.slice(3) : url.slice(3, 3 + end);
      const upstream = upstreams.get(name);
      return upstream ? { upstream, rest: end < 0 ? '/' : url.slice(3 + end) } : undefined;
    }
    if (byHost.size === 0) return undefined;
    const host = (request.headers.host ?? '').toLowerCase();
    const port = /:(\d{1,5})$/.exec(host);
    const match = upstreamHostFor(byHost, port ? host.slice(0, -port[0].length) : host, port ? Number(port[1]) : undefined);
    return match
      ? { upstream: match.value, rest: url, ...(match.subdomain !== undefined ? { subdomain: { entry: match.entry, name: match.subdomain } } : {}) }
      : undefined;
  };
  return {
    names: [...upstreams.keys()],
    handleHttp(request, response) {
      if (upstreams.size === 0) return false;
      const found = route(request);
      if (!found) return false;
      handleAws(runtime, door, redactor, found, request, response).catch((error: unknown) => {
        runtime.log.error({ requestId: requestIdOf(request), err: (error as Error).message }, 'AWS door error');
        if (!response.headersSent)
          send(response, awsError('rest-xml', 'InternalError', 'Airlock failed while handling this request; nothing was forwarded', 500));
        else response.destroy();
      });
      return true;
    },
    async close() {
      await Promise.allSettled([...upstreams.values()].map((upstream) => upstream.close()));
    },
  };
}

/** The protocol a refusal of this request is answered in, read from the service it is signed for. */
export function answerProtocolOf(request: IncomingMessage): AwsProtocol {
  const signed = readSignature({ method: request.method ?? 'GET', target: request.url ?? '/', rawHeaders: request.rawHeaders, body: Buffer.alloc(0) });
  return protocolOf(signed.ok ? serviceBySigningName(signed.service) : undefined, request);
}

/** The protocol to answer in before the service is known for certain: JSON when the request speaks it. */
function protocolOf(service: AwsService | undefined, request: IncomingMessage): AwsProtocol {
  if (service) return service.protocols.includes('json') && request.headers['x-amz-target'] !== undefined ? 'json' : service.protocols[0]!;
  return request.headers['x-amz-target'] !== undefined ? 'json' : 'rest-xml';
}

/** Which upstream a request is for, the rest of its target, and the subdomain when its host matched a `*.` entry. */
interface AwsRoute {
  readonly upstream: AwsUpstream;
  readonly rest: string;
  readonly subdomain?: { readonly entry: string; readonly name: string };
}

/** A bucket name as S3 allows it in a host name: 3 to 63 lower-case letters, digits, dots and hyphens. */
const BUCKET_NAME = /^(?!\d+\.\d+\.\d+\.\d+$)(?!.*\.\.)[a-z0-9][a-z0-9.-]{1,61}[a-z0-9]$/;

/**
 * The S3 path a request names, in path style: a virtual-hosted request (`orders.s3.amazonaws.com`
 * `/a.txt`, matched by `*.s3.amazonaws.com`) names `/orders/a.txt`, as S3 reads it. A subdomain
 * is read as a bucket only under an S3 endpoint's name; anything else has no reading Airlock can
 * be sure of, and is refused.
 */
export function s3PathOf(path: string, subdomain: AwsRoute['subdomain']): { ok: true; path: string } | { ok: false; error: string } {
  if (!subdomain) return { ok: true, path };
  const endpoint = subdomain.entry.slice(2);
  if (!/^s3[.-]/.test(endpoint))
    return {
      ok: false,
      error: `${subdomain.name}.${endpoint} matched the hosts: entry ${subdomain.entry}, which is not an S3 endpoint's (*.s3.<region>.amazonaws.com); Airlock cannot tell which bucket it names`,
    };
  if (!BUCKET_NAME.test(subdomain.name)) return { ok: false, error: `${subdomain.name} is not an S3 bucket name` };
  return { ok: true, path: path === '/' ? `/${subdomain.name}` : `/${subdomain.name}${path}` };
}

async function handleAws(
  runtime: Runtime,
  door: string,
  redactor: Redactor,
  route: AwsRoute,
  request: IncomingMessage,
  response: ServerResponse,
): Promise<void> {
  const { upstream, rest } = route;
  // Named by the listener (start.ts); none for a request the egress proxy opened.
  const requestId = requestIdOf(request);
  const method = (request.method ?? 'GET').toUpperCase();
  const target = request.url ?? '/';
  const signed = readSignature({ method, target, rawHeaders: request.rawHeaders, body: Buffer.alloc(0) });
  const service = signed.ok ? serviceBySigningName(signed.service) : undefined;
  let protocol = protocolOf(service, request);
  const token = signed.ok ? signed.accessKeyId : undefined;
  // The path alone: a presigned URL's query carries the token (X-Amz-Credential), which is never recorded.
  const summary = `${method} ${rest.split('?')[0] || '/'}`;
  const refuse = (verdict: Refused, status?: number) => send(response, awsRefusal(protocol, verdict, status));
  const unreadable = async (code: string, error: string, status: number, denyCode: 'bad_request' | 'unauthenticated' | 'forbidden' = 'bad_request') => {
    request.resume();
    const verdict: Refused = { kind: 'deny', code: denyCode, reasons: [error], policies: ['airlock/aws'] };
    const recorded = await recordRefusal(runtime, upstream, token, `aws:${code}`, verdict, summary, requestId);
    if (!recorded.ok) return refuse(recorded.verdict);
    return send(response, awsRefusal(protocol, verdict, status, code));
  };

  if (!signed.ok) return unreadable(signed.code, signed.error, signed.code === 'InvalidRequest' ? 400 : 403, 'unauthenticated');
  if (!parseToken(signed.accessKeyId).ok) {
    const real = /^(AKIA|ASIA)[A-Z0-9]{12,}$/.test(signed.accessKeyId);
    const why = real
      ? 'the request is signed with a real AWS access key; only Airlock holds real credentials, so use your Airlock token as the access key id and the secret'
      : 'the access key id is not an Airlock token; use your Airlock token as both AWS_ACCESS_KEY_ID and AWS_SECRET_ACCESS_KEY';
    return unreadable('InvalidAccessKeyId', why, 403, 'unauthenticated');
  }
  if (upstream.credentialProblem) {
    request.resume();
    return refuse(doorRefusal('unavailable', upstream.credentialProblem), 403);
  }
  if (!service) return unreadable('InvalidRequest', `Airlock does not know the AWS service ${signed.service}, so it cannot judge this request`, 400);
  protocol = protocolOf(service, request);
  const { config } = upstream;
  if (config.regions.length > 0 && !config.regions.includes(signed.region))
    return unreadable('AccessDenied', `the upstream ${upstream.name} serves the regions ${config.regions.join(', ')}, not ${signed.region}`, 403, 'forbidden');
  if (signed.headers.has('x-amz-security-token') || signed.query.some(([key]) => key.toLowerCase() === 'x-amz-security-token'))
    return unreadable('InvalidRequest', "Airlock credentials have no session token; this request carries one that is not the agent's own", 400);

  const read = await readBody(request, runtime.config.limits.bodyBytes);
  if (!read.ok) {
    response.setHeader('connection', 'close');
    return unreadable('InvalidRequest', read.error, read.status);
  }
  let body = read.body;
  const encoding = signed.headers.get('content-encoding');
  if (service.name !== 's3' && encoding && encoding !== 'identity')
    return unreadable('InvalidRequest', `Airlock does not read ${encoding}-encoded ${service.name} requests`, 400);

  // Who is asking first, so a revoked token is refused as such; then whether it signed this request.
  const auth = await authenticate(runtime.store, signed.accessKeyId, runtime.clock());
  if (!auth.ok) return unreadable('InvalidAccessKeyId', auth.reason, 403, 'unauthenticated');
  const verified = verifySignature(signed, { method, body }, signed.accessKeyId, runtime.clock(), { doubleEncodePath: service.name !== 's3' });
  if (!verified.ok) return unreadable(verified.code, verified.error, verified.code === 'InvalidRequest' ? 400 : 403, 'unauthenticated');

  const plain = readChunked(service, signed.headers, body);
  if (!plain.ok) return unreadable('InvalidRequest', plain.error, 400);
  const { headers } = plain;
  body = plain.body;

  const sent = rest.split('?')[0] || '/';
  const s3Path = service.name === 's3' ? s3PathOf(sent, route.subdomain) : ({ ok: true, path: sent } as const);
  if (!s3Path.ok) return unreadable('InvalidRequest', s3Path.error, 400);
  const servicePath = s3Path.path;
  const classified = classifyAwsCall(
    { service, method, path: servicePath, query: signed.query, header: (name) => headers.get(name), body },
    { region: signed.region, account: config.account },
  );
  if (!classified.ok) return unreadable(service.protocols.includes('json') ? 'UnknownOperationException' : 'InvalidAction', classified.error, 400);

  const part = classified.part;
  const environment = resolveEnvironment(
    { environment: config.environment, environments: config.environments },
    // An S3 object is where its bucket is.
    [...new Set(part.resources.map((arn) => (arn.startsWith('arn:aws:s3:::') ? arn.split('/')[0]! : arn)))],
  );
  const outbound = outboundOf(signed, headers, service, method, servicePath);
  const operation = operationFromParts({
    door: 'http',
    upstream: upstream.name,
    environment,
    parts: [part],
    digest: requestDigest(
      upstream.name,
      'aws',
      service.name,
      classified.call.operation,
      signed.region,
      method,
      servicePath,
      queryString(outbound.query),
      digestHeaders(outbound.headers),
      body,
    ),
  });
  const stored: StoredAwsRequest = { door: 'http', kind: 'aws', upstream: upstream.name, ...outbound, body: body.toString('base64') };
  const result = await decideAndWait(runtime, { operation, token: signed.accessKeyId, request: stored, requestId }, { signal: () => closedSignal(request) });
  const verdict = result.verdict;
  if (verdict.kind !== 'allow') {
    runtime.log.info(
      {
        requestId,
        door: 'http',
        upstream: upstream.name,
        agent: result.agent,
        action: operation.action,
        class: operation.class,
        environment,
        verdict: verdict.kind,
        holdId: verdict.holdId,
        audit: result.record?.seq,
      },
      'decided',
    );
    return refuse(verdict);
  }
  const backup = await backupBeforeForward(runtime, { operation, agent: result.agent, tokenId: result.tokenId, holdId: verdict.holdId, requestId });
  if (!backup.ok) return refuse(backup.verdict);
  await forward(upstream, service, outbound, body, redactor, method, response, protocol, () => runtime.metrics.forwarding(door, upstream.name));
}

/** Airlock's reading of the request, as it will be sent: only what the agent signed is carried. */
function outboundOf(signed: Signed, read: ReadonlyMap<string, string>, service: AwsService, method: string, path: string): AwsOutbound {
  const headers: HeaderMap = {};
  for (const [name, value] of read) if (!NOT_CARRIED.has(name)) headers[name] = value;
  return { service: service.name, region: signed.region, method, path, query: signed.query, headers };
}

/**
 * An S3 upload sent `aws-chunked` with an unsigned trailer, read into its plain body, with the
 * trailing checksum as a header and the chunking headers gone; any other request as it came.
 */
function readChunked(
  service: AwsService,
  signedHeaders: ReadonlyMap<string, string>,
  body: Buffer,
): { ok: true; body: Buffer; headers: ReadonlyMap<string, string> } | { ok: false; error: string } {
  if (signedHeaders.get('x-amz-content-sha256') !== UNSIGNED_TRAILER) return { ok: true, body, headers: signedHeaders };
  if (service.name !== 's3') return { ok: false, error: `${service.name} does not take aws-chunked bodies` };
  const decodedLength = signedHeaders.get('x-amz-decoded-content-length');
  const read = dechunk(body, decodedLength === undefined ? undefined : Number(decodedLength));
  if (!read.ok) return read;
  const headers = new Map(signedHeaders);
  for (const name of ['x-amz-decoded-content-length', 'x-amz-trailer', 'content-encoding']) headers.delete(name);
  const encodings = (signedHeaders.get('content-encoding') ?? '')
    .split(',')
    .map((token) => token.trim())
    .filter((token) => token !== '' && token !== 'aws-chunked');
  if (encodings.length > 0) headers.set('content-encoding', encodings.join(','));
  for (const [name, value] of read.trailers) headers.set(name, value);
  return { ok: true, body: read.body, headers };
}

/**
 * The carried headers an approval binds to (an `x-amz-acl` added on the retry is another
 * request), without those an SDK changes on every attempt (`amz-sdk-invocation-id`, its user agent).
 */
function digestHeaders(headers: HeaderMap): string {
  return Object.entries(headers)
    .filter(([name]) => !/^amz-sdk-|user-agent$/.test(name))
    .sort(([a], [b]) => (a < b ? -1 : 1))
    .map(([name, value]) => `${name}:${Array.isArray(value) ? value.join(',') : value}`)
    .join('\n');
}

function closedSignal(request: IncomingMessage): AbortSignal {
  const gone = new AbortController();
  request.socket.once('close', () => gone.abort());
  return gone.signal;
}

/** Small answers of known length are masked in one piece; others are streamed through the redactor. */

async function forward(
  upstream: AwsUpstream,
  service: AwsService,
  outbound: AwsOutbound,
  body: Buffer,
  redactor: Redactor,
  method: string,
  response: ServerResponse,
  protocol: AwsProtocol,
  forwarding: () => () => void,
): Promise<void> {
  let answer: Awaited<ReturnType<AwsUpstream['send']>>;
  try {
    const answered = forwarding();
    answer = await upstream.send(outbound, service, body);
    answered();
  } catch (error) {
    const code = (error as { code?: string }).code ?? (error as Error).name;
    return send(
      response,
      awsError(protocol, 'ServiceUnavailable', `the upstream ${upstream.name} did not answer (${code}); nothing is known to have run`, 502),
    );
  }
  const headers = responseHeadersToReturn(answer.headers);
  await relayAnswer(answer, response, headers, redactor, method === 'HEAD');
}

/**
 * A request refused before the gate (unsigned, badly signed, expired, unknown operation) is
 * recorded like any decision, attributed to the agent when its token is good.
 */
async function recordRefusal(
  runtime: Runtime,
  upstream: AwsUpstream,
  token: string | undefined,
  action: string,
  verdict: Extract<Refused, { kind: 'deny' }>,
  summary: string,
  requestId: string | undefined,
): Promise<{ ok: true } | { ok: false; verdict: Refused }> {
  const auth = token && parseToken(token).ok ? await authenticate(runtime.store, token, runtime.clock()) : undefined;
  try {
    await runtime.audit.append({
      type: 'decision',
      ...(auth?.ok ? { agent: auth.agent.name, token: auth.token.id } : auth?.agent ? { agent: auth.agent, token: auth.tokenId } : {}),
      door: 'http',
      upstream: upstream.name,
      action,
      summary,
      verdict: 'deny',
      code: verdict.code,
      reasons: verdict.reasons,
      policies: verdict.policies,
      ...(requestId ? { requestId } : {}),
    });
  } catch (failure) {
    return {
      ok: false,
      verdict: doorRefusal('unavailable', `Airlock could not record the decision, so nothing was forwarded (${(failure as Error).message})`),
    };
  }
  return { ok: true };
}

export function send(response: ServerResponse, refusal: RefusalResponse): void {
  if (response.headersSent) {
    response.destroy();
    return;
  }
  const bytes = Buffer.from(refusal.body, 'utf8');
  response.writeHead(refusal.status, { ...refusal.headers, 'content-length': String(bytes.length) });
  response.end(bytes);
}

export type { AwsUpstreamConfig };
