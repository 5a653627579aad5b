import type { IncomingMessage, ServerResponse } from 'node:http';
import { analyseGraphQLRequest, parseContentType, parseStrictJson } from '../../classify/graphql/index.js';
import { readMultipartFields } from '../../classify/graphql/multipart.js';
import { analyseRest, classifyRest } from '../../classify/rest/index.js';
import { requestDigest } from '../../core/digest.js';
import { requestIdOf } from '../../core/request-id.js';
import { operationFromParts, type OperationPart } from '../../core/operation.js';
import type { GateRequest, GateResult } from '../../gate/index.js';
import { authenticate } from '../../identity/authenticate.js';
import { openAwsDoor, type AwsDoor } from '../aws/door.js';
import type { AirlockConfig } from '../../config/load.js';
import { backupBeforeForward } from '../../holds/backup.js';
import { holdModeFor, waitForHoldDecision } from '../../holds/wait.js';
import type { RunningDoor } from '../../server/door-module.js';
import { redactorFor } from '../../redact/index.js';
import type { Runtime } from '../../server/runtime.js';
import { decodeBody, readBody } from './body.js';
import type { PartTargets } from './environments.js';
import { headerValue, METHOD_OVERRIDE_HEADERS, requestHeadersToForward, responseHeadersToReturn, type HeaderMap } from './headers.js';
import { doorRefusal, graphqlRefusal, problemRefusal, type Refused } from './refusal.js';
import { createUpstream, type HttpUpstream } from './upstream.js';
import { credentialsNotTheAgentsOwn, rawCredentialOperation } from './tripwire.js';
import { knownSecretsOf } from '../../scan/secrets.js';
import type { KnownSecret } from '../../classify/shell/index.js';
import { withoutTrailing } from '../../core/text.js';

/** The exact request as forwarded, token removed: kept with a hold so it can be replayed. */
export interface StoredHttpRequest {
  readonly door: 'http';
  readonly upstream: string;
  readonly method: string;
  /** The path on the upstream, with its query string, exactly as forwarded. */
  readonly path: string;
  /** The agent's headers as forwarded, without the credential (injected at send time). */
  readonly headers: HeaderMap;
  /** The body as forwarded (decoded), base64. */
  readonly body: string;
}

/** `rest` is the path after /u/<name>, or with Host routing the whole path, which starts with the upstream URL's path. */
type Route = { readonly upstream: HttpUpstream; readonly rest: string; readonly viaHost: boolean } | { readonly unknown: string };

interface Judged {
  readonly parts: readonly OperationPart[];
  readonly targets: readonly PartTargets[];
  /** The upstream path (and query) to forward to. */
  readonly path: string;
}

export interface HttpDoorOptions {
  /** Route by Host alone, never by /u/<name>: requests the egress door opened for one real host. */
  readonly byHostOnly?: boolean;
}

/**
 * The HTTP door: a reverse proxy for GraphQL and REST upstreams at `/u/<upstream>/…` (or by
 * Host). Each request is read, classified, placed in an environment, judged by the gate and
 * only then forwarded, with the agent's token swapped for the upstream's credential.
 */
export async function openHttpDoor(runtime: Runtime, options: HttpDoorOptions = {}): Promise<RunningDoor> {
  let routes = buildRoutes(runtime, runtime.config, options);
  // Schemas read by introspection are asked for now, so the first requests need not wait.
  await askSchemas(routes);
  // A reload builds the new upstreams beside the old and swaps them in at once; requests already
  // on their way finish on the old ones, whose connections close once they are done.
  const stopReloads = runtime.onConfigReload((next) => {
    const built = buildRoutes(runtime, next, options);
    return {
      commit() {
        const old = routes;
        routes = built;
        void askSchemas(built);
        void closeRoutes(old);
      },
      abort: () => void closeRoutes(built),
    };
  });
  // What the forward metric calls this door: the egress proxy opens one to forward by host.
  const door: ForwardingDoor = options.byHostOnly ? 'egress' : 'http';

  const route = (request: IncomingMessage): Route | undefined => {
    const { upstreams, byHost } = routes;
    const url = request.url ?? '/';
    if (!options.byHostOnly && url.startsWith('/u/')) {
      const end = url.slice(3).search(/[/?]/);
      const name = end < 0 ? url.slice(3) : url.slice(3, 3 + end);
      const rest = end < 0 ? '' : url.slice(3 + end);
      const upstream = upstreams.get(name);
      return upstream ? { upstream, rest, viaHost: false } : { unknown: name };
    }
    if (byHost.size > 0) {
      const host = (request.headers.host ?? '').toLowerCase();
      const upstream = byHost.get(host) ?? byHost.get(host.replace(/:\d+$/, ''));
      if (upstream) return { upstream, rest: url, viaHost: true };
    }
    return undefined;
  };

  return {
    handleHttp(request, response) {
      const current = routes;
      if (current.aws.handleHttp(request, response)) return true;
      const found = route(request);
      if (!found) return false;
      handle(runtime, door, current.names, current.secrets, found, request, response).catch((error: unknown) => {
        runtime.log.error({ requestId: requestIdOf(request), err: (error as Error).message }, 'HTTP door error');
        if (!response.headersSent) {
          send(response, problemRefusal(doorRefusal('unavailable', 'Airlock failed while handling this request; nothing was forwarded'), 500));
        } else response.destroy();
      });
      return true;
    },
    async close() {
      stopReloads();
      await closeRoutes(routes);
    },
  };
}

/** The upstreams of one config, by name and by host, with the AWS door's beside them. */
interface Routes {
  readonly upstreams: ReadonlyMap<string, HttpUpstream>;
  readonly byHost: ReadonlyMap<string, HttpUpstream>;
  readonly aws: AwsDoor;
  readonly names: readonly string[];
  readonly secrets: readonly KnownSecret[];
}

function buildRoutes(runtime: Runtime, config: AirlockConfig, options: HttpDoorOptions): Routes {
  const upstreams = new Map<string, HttpUpstream>();
  const byHost = new Map<string, HttpUpstream>();
  for (const upstreamConfig of config.upstreams) {
    if (upstreamConfig.kind !== 'graphql' && upstreamConfig.kind !== 'rest') continue;
    const upstream = createUpstream(upstreamConfig, {
      timeoutMs: config.limits.upstreamTimeout,
      clock: runtime.clock,
      redactor: redactorFor(config),
      onProblem: (name, problem) => runtime.log.warn({ upstream: name, problem }, 'upstream problem'),
    });
    upstreams.set(upstreamConfig.name, upstream);
    for (const host of upstreamConfig.hosts) byHost.set(host.toLowerCase(), upstream);
  }
  // Upstreams of kind aws have a door of their own, served on the same paths.
  const aws = openAwsDoor(runtime, options, config);
  return { upstreams, byHost, aws, names: [...upstreams.keys(), ...aws.names], secrets: knownSecretsOf(config).secrets };
}

async function askSchemas(routes: Routes): Promise<void> {
  await Promise.all([...routes.upstreams.values()].map((upstream) => upstream.ensureSchema()));
}

async function closeRoutes(routes: Routes): Promise<void> {
  await Promise.allSettled([...routes.upstreams.values()].map((upstream) => upstream.pool.close()));
  await routes.aws.close();
}

type ForwardingDoor = 'http' | 'egress';

async function handle(
  runtime: Runtime,
  door: ForwardingDoor,
  names: readonly string[],
  secrets: readonly KnownSecret[],
  route: Route,
  request: IncomingMessage,
  response: ServerResponse,
): Promise<void> {
  // Named by the listener (start.ts); none for a request the egress proxy opened.
  const requestId = requestIdOf(request);
  // The per-request log lines are built only when their level is on: most servers run at info.
  const debug = runtime.log.isLevelEnabled('debug');
  const started = debug ? performance.now() : 0;
  if ('unknown' in route) {
    request.resume();
    const known = names.length ? names.join(', ') : 'none are configured';
    return send(response, problemRefusal(doorRefusal('bad_request', `there is no upstream named "${route.unknown}" (upstreams: ${known})`), 404));
  }
  const { upstream } = route;
  const refuse = (verdict: Refused, status?: number) =>
    send(response, upstream.config.kind === 'graphql' ? graphqlRefusal(verdict, status) : problemRefusal(verdict, status));
  if (upstream.unavailable) await upstream.ensureSchema();
  if (upstream.unavailable) {
    request.resume();
    return refuse(doorRefusal('unavailable', upstream.unavailable));
  }

  const limit = runtime.config.limits.bodyBytes;
  const read = await readBody(request, limit);
  const body = read.ok ? decodeBody(read.body, headerValue(request.headers, 'content-encoding'), limit) : read;
  if (!body.ok) {
    if (!read.ok) response.setHeader('connection', 'close');
    return refuse(doorRefusal('bad_request', body.error), body.status);
  }

  const method = (request.method ?? 'GET').toUpperCase();
  const token = bearerToken(headerValue(request.headers, 'authorization'));
  // An agent holds an Airlock token and nothing else: a provider's credential beside it (found in
  // a file, sent in Project-Access-Token or X-Api-Key) is the incident's pattern, never forwarded.
  // Authorization is the token's own place (a raw token there is not an Airlock token: 401), and
  // the upstream's credential header is replaced on the way out, so neither is read here.
  const found = await credentialsNotTheAgentsOwn(
    headersBesides(request.headers, ['authorization', upstream.credential?.header]),
    secrets,
    undefined,
    route.rest || '/',
  );
  if (found.length > 0) {
    const operation = rawCredentialOperation('http', upstream.name, found, method, upstream.name, route.rest || '/');
    const result = await runtime.gate.decide({ operation, token, requestId });
    runtime.log.warn(
      { requestId, door: 'http', upstream: upstream.name, agent: result.agent, audit: result.record?.seq },
      "tripwire: a credential that is not the agent's own",
    );
    return refuse(
      {
        kind: 'deny',
        code: 'forbidden',
        reasons: [operation.parts[0]!.why!, 'only Airlock holds real credentials; use your Airlock token'],
        policies: ['airlock/raw-credential'],
      },
      403,
    );
  }
  const rest = route.viaHost ? underBasePath(upstream, route.rest) : route.rest;
  const judged =
    rest === undefined
      ? ({ ok: false, status: 404, error: `the upstream ${upstream.name} serves paths under ${upstream.basePath}` } as const)
      : upstream.config.kind === 'graphql'
        ? judgeGraphQL(upstream, method, rest, request, body.body)
        : judgeRest(upstream, method, rest, request, body.body);
  if (!judged.ok) {
    const verdict = await recordUnreadable(runtime, upstream, token, judged.error, `${method} ${route.rest || '/'}`, requestId);
    return refuse(verdict, judged.status);
  }

  const environment = await upstream.environments.environmentOf(judged.targets);
  const contentType = headerValue(request.headers, 'content-type') ?? '';
  const forwardHeaders = requestHeadersToForward(request.headers, upstream.credential ? [upstream.credential.header] : []);
  const operation = operationFromParts({
    door: 'http',
    upstream: upstream.name,
    environment,
    parts: judged.parts,
    digest: requestDigest(upstream.name, method, judged.path, contentType, body.body),
  });
  const stored: StoredHttpRequest = {
    door: 'http',
    upstream: upstream.name,
    method,
    path: judged.path,
    headers: forwardHeaders,
    body: body.body.toString('base64'),
  };
  const holdId = headerValue(request.headers, 'airlock-hold')?.trim();
  let result = await runtime.gate.decide({ operation, token, ...(holdId ? { holdId } : {}), request: stored, requestId });
  if (result.verdict.kind === 'hold') result = await waitIfAsked(runtime, upstream, request, result, { operation, token, request: stored, requestId });

  const verdict = result.verdict;
  // Every decision is in the audit log; the log line is for operators watching refusals live.
  if (verdict.kind !== 'allow' || debug) {
    runtime.log[verdict.kind === 'allow' ? 'debug' : 'info'](
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
  }
  if (verdict.kind !== 'allow') return refuse(verdict);
  const backup = await backupBeforeForward(runtime, { operation, agent: result.agent, tokenId: result.tokenId, holdId: verdict.holdId, requestId });
  if (!backup.ok) return refuse(backup.verdict);
  await forward(upstream, request, response, stored, body.body, () => runtime.metrics.forwarding(door, upstream.name));
  if (debug) runtime.log.debug({ requestId, upstream: upstream.name, status: response.statusCode, ms: Math.round(performance.now() - started) }, 'forwarded');
}

/** A Host-routed path with the upstream URL's path taken off, or undefined when it is not under it. */
function underBasePath(upstream: HttpUpstream, path: string): string | undefined {
  if (upstream.basePath === '') return path;
  if (path === upstream.basePath || path.startsWith(`${upstream.basePath}/`) || path.startsWith(`${upstream.basePath}?`))
    return path.slice(upstream.basePath.length);
  return undefined;
}

type Judgement = ({ ok: true } & Judged) | { ok: false; error: string; status?: number };

function judgeGraphQL(upstream: HttpUpstream, method: string, rest: string, request: IncomingMessage, body: Buffer): Judgement {
  const question = rest.indexOf('?');
  const path = question < 0 ? rest : rest.slice(0, question);
  const search = new URLSearchParams(question < 0 ? '' : rest.slice(question + 1));
  // The endpoint is the upstream's URL; an agent may also spell out its path.
  if (path !== '' && path !== '/' && withoutTrailing(path, '/') !== upstream.basePath) {
    return { ok: false, status: 404, error: `the upstream ${upstream.name} is a GraphQL endpoint: send requests to /u/${upstream.name}, not ${path}` };
  }
  for (const name of METHOD_OVERRIDE_HEADERS) {
    if (request.headers[name] !== undefined) return { ok: false, error: `the ${name} header is not accepted by a GraphQL upstream` };
  }
  const analysis = analyseGraphQLRequest({ method, contentType: headerValue(request.headers, 'content-type'), body, search }, upstream.graphql);
  if (!analysis.ok) return analysis;
  // The query string is forwarded as Airlock read it, so a server that splits it differently cannot see another request.
  const query = search.toString();
  return {
    ok: true,
    parts: analysis.calls.map((call) => call.part),
    targets: analysis.calls.map((call) => ({ field: call.field, class: call.part.class, targets: call.targets })),
    path: `${upstream.basePath || '/'}${query ? `?${query}` : ''}`,
  };
}

function judgeRest(upstream: HttpUpstream, method: string, rest: string, request: IncomingMessage, body: Buffer): Judgement {
  const target = rest === '' || rest.startsWith('?') ? `/${rest}` : rest;
  const json = jsonBodyOf(headerValue(request.headers, 'content-type'), body);
  if (!json.ok) return json;
  const analysis = analyseRest(method, target, upstream.rest, json.value);
  if (!analysis.ok) return analysis;
  const classified = classifyRest(method, target, upstream.rest, json.value);
  if (!classified.ok) return classified;
  const parts = [...classified.parts];
  const targets: PartTargets[] = [{ field: undefined, class: analysis.part.class, targets: analysis.targets }];
  // A method override in a header or a form field makes the upstream run another method.
  const overrides = METHOD_OVERRIDE_HEADERS.flatMap((name) => (request.headers[name] === undefined ? [] : [headerValue(request.headers, name)!]));
  const form = formMethodOverride(headerValue(request.headers, 'content-type'), body);
  if (!form.ok) return form;
  for (const override of [...overrides, ...form.methods]) {
    const other = analyseRest(override, target, upstream.rest);
    if (!other.ok) return { ok: false, error: `method override ${override}: ${other.error}` };
    parts.push({ ...other.part, why: `${other.part.why} (the request asks for ${other.method} by a method override)` });
    targets.push({ field: undefined, class: other.part.class, targets: other.targets });
  }
  return {
    ok: true,
    parts,
    targets,
    path: `${upstream.basePath}${analysis.path.path}${analysis.path.query ? `?${analysis.path.query}` : ''}`,
  };
}

/**
 * A JSON body, read as the argument rules read GraphQL arguments (a replica count set to zero, a
 * safeguard switched off). A body that says it is JSON but is not, or gives a key twice, has two
 * readings and is refused.
 */
function jsonBodyOf(contentType: string | undefined, body: Buffer): { ok: true; value: unknown } | { ok: false; error: string } {
  if (body.length === 0) return { ok: true, value: undefined };
  const type = parseContentType(contentType);
  if (!type.ok || !(type.mediaType === 'application/json' || type.mediaType.endsWith('+json'))) return { ok: true, value: undefined };
  const json = parseStrictJson(body.toString('utf8'));
  return json.ok ? json : { ok: false, error: `the body says it is JSON, but Airlock cannot read it as JSON: ${json.error}` };
}

/** `_method` in a form or JSON body (Rails, Laravel, Symfony). */
function formMethodOverride(contentType: string | undefined, body: Buffer): { ok: true; methods: string[] } | { ok: false; error: string } {
  const type = parseContentType(contentType);
  if (!type.ok) return { ok: true, methods: [] };
  if (type.mediaType === 'application/x-www-form-urlencoded') {
    const methods = body
      .toString('latin1')
      .split(/[&;]/)
      .map((pair) => pair.split('='))
      .filter(([key]) => safeDecode(key ?? '').toLowerCase() === '_method')
      .map(([, value]) => safeDecode(value ?? ''));
    return { ok: true, methods };
  }
  if (type.mediaType === 'application/json' || type.mediaType.endsWith('+json')) {
    // Laravel reads `_method` from JSON bodies too.
    if (!/_method/i.test(body.toString('latin1'))) return { ok: true, methods: [] };
    const json = parseStrictJson(body.toString('utf8'));
    if (!json.ok) return { ok: false, error: `the body names _method but is not JSON Airlock can read: ${json.error}` };
    const value = json.value;
    if (!value || typeof value !== 'object' || Array.isArray(value)) return { ok: true, methods: [] };
    const methods = Object.entries(value)
      .filter(([key, method]) => key.toLowerCase() === '_method' && typeof method === 'string')
      .map(([, method]) => method as string);
    return { ok: true, methods };
  }
  if (type.mediaType === 'multipart/form-data') {
    const boundary = type.params.get('boundary');
    if (!boundary) return { ok: false, error: 'the multipart request has no boundary' };
    const form = readMultipartFields(body, boundary, ['_method']);
    if (!form.ok) return form;
    const method = form.fields.get('_method');
    return { ok: true, methods: method ? [method] : [] };
  }
  return { ok: true, methods: [] };
}

function safeDecode(text: string): string {
  try {
    return decodeURIComponent(text.replace(/\+/g, ' '));
  } catch {
    return text;
  }
}

function headersBesides(headers: IncomingMessage['headers'], names: readonly (string | undefined)[]): IncomingMessage['headers'] {
  const left = { ...headers };
  for (const name of names) if (name) delete left[name.toLowerCase()];
  return left;
}

export function bearerToken(header: string | undefined): string | undefined {
  return /^Bearer\s+(\S+)\s*$/i.exec(header ?? '')?.[1];
}

/**
 * A request the door cannot read is refused, and the refusal is recorded like any other
 * decision, attributed to the agent when its token is good.
 */
async function recordUnreadable(
  runtime: Runtime,
  upstream: HttpUpstream,
  token: string | undefined,
  error: string,
  summary: string,
  requestId: string | undefined,
): Promise<Refused> {
  const auth = await authenticate(runtime.store, token, runtime.clock());
  const verdict: Refused = auth.ok
    ? doorRefusal('bad_request', error)
    : { kind: 'deny', code: 'unauthenticated', reasons: [auth.reason], policies: ['airlock/authentication'] };
  try {
    await runtime.audit.append({
      type: 'decision',
      ...(auth.ok ? { agent: auth.agent.name, token: auth.token.id } : auth.agent ? { agent: auth.agent, token: auth.tokenId } : {}),
      door: 'http',
      upstream: upstream.name,
      action: `${upstream.config.kind}:unreadable`,
      summary,
      verdict: 'deny',
      code: verdict.kind === 'deny' ? verdict.code : 'bad_request',
      reasons: [...verdict.reasons, ...(auth.ok ? [] : [error])],
      policies: verdict.policies,
      ...(requestId ? { requestId } : {}),
    });
  } catch (failure) {
    return doorRefusal('unavailable', `Airlock could not record the decision, so nothing was forwarded (${(failure as Error).message})`);
  }
  return verdict;
}

/**
 * In `wait` mode the agent's request stays open while operators decide: approved, it runs and
 * the agent gets the upstream's answer; otherwise the agent gets the refusal or, after the wait,
 * the hold.
 */
async function waitIfAsked(
  runtime: Runtime,
  upstream: HttpUpstream,
  request: IncomingMessage,
  held: GateResult,
  again: Omit<GateRequest, 'holdId'> & { readonly requestId: string | undefined },
): Promise<GateResult> {
  if (held.verdict.kind !== 'hold') return held;
  // The upstream's mode, or a policy's @wait.
  const mode = holdModeFor(runtime, held.verdict, upstream.name);
  if (mode.mode !== 'wait') return held;
  const holdId = held.verdict.holdId;
  const gone = new AbortController();
  const hangUp = () => gone.abort();
  request.socket.once('close', hangUp);
  try {
    const { outcome } = await waitForHoldDecision(runtime, holdId, mode.waitMs, { signal: gone.signal, requestId: again.requestId });
    if (outcome === 'timeout' || outcome === 'aborted' || outcome === 'missing') return held;
    // Approved, scheduled (with when it runs), denied, expired or cancelled: the gate gives the answer and records it.
    return runtime.gate.decide({ ...again, holdId });
  } finally {
    request.socket.off('close', hangUp);
  }
}

/** Small answers of known length are masked and written in one piece; others are streamed. */
const BUFFERED_ANSWER_BYTES = 64 * 1024;

async function forward(
  upstream: HttpUpstream,
  request: IncomingMessage,
  response: ServerResponse,
  stored: StoredHttpRequest,
  body: Buffer,
  forwarding: () => () => void,
): Promise<void> {
  let answer: Awaited<ReturnType<typeof sendUpstream>>;
  try {
    const answered = forwarding();
    answer = await sendUpstream(upstream, stored, body);
    answered();
  } catch (error) {
    const code = (error as { code?: string }).code ?? (error as Error).name;
    const timedOut = /TIMEOUT/i.test(code);
    const verdict = doorRefusal('unavailable', `the upstream ${upstream.name} did not answer (${timedOut ? 'timed out' : code}); nothing is known to have run`);
    return send(response, upstream.config.kind === 'graphql' ? graphqlRefusal(verdict, timedOut ? 504 : 502) : problemRefusal(verdict, timedOut ? 504 : 502));
  }
  const { redactor } = upstream;
  const headers = responseHeadersToReturn(answer.headers);
  // The listener's X-Request-Id is the one Airlock's logs and audit know this request by; the
  // upstream's own id travels beside it.
  const upstreamRequestId = headers['x-request-id'];
  if (upstreamRequestId !== undefined && response.hasHeader('x-request-id')) {
    delete headers['x-request-id'];
    headers['x-upstream-request-id'] = upstreamRequestId;
  }
  await relayAnswer(answer, response, headers, redactor, request.method === 'HEAD');
}

/**
 * An upstream's answer on its way to the agent, masked: small bodies buffered and masked whole,
 * larger ones streamed through the redactor. Shared by every door that forwards HTTP.
 */
export async function relayAnswer(
  answer: Awaited<ReturnType<HttpUpstream['pool']['request']>>,
  response: ServerResponse,
  headers: Record<string, string | string[]>,
  redactor: HttpUpstream['redactor'],
  head: boolean,
): Promise<void> {
  if (redactor.active) {
    for (const [name, value] of Object.entries(headers)) {
      headers[name] = Array.isArray(value) ? value.map((v) => redactor.maskString(v)) : redactor.maskString(value);
    }
  }
  if (head) {
    answer.body.resume();
    response.writeHead(answer.statusCode, headers);
    response.end();
    return;
  }
  const length = Number(answer.headers['content-length']);
  if (Number.isInteger(length) && length <= BUFFERED_ANSWER_BYTES) {
    let bytes: Buffer;
    try {
      bytes = Buffer.from(await answer.body.arrayBuffer());
    } catch {
      response.destroy();
      return;
    }
    redactor.maskBuffer(bytes);
    response.writeHead(answer.statusCode, headers);
    response.end(bytes);
    return;
  }
  response.writeHead(answer.statusCode, headers);
  // pipe() rather than stream.pipeline(): the latter builds an AbortController per call.
  const source = redactor.active ? answer.body.pipe(redactor.stream()) : answer.body;
  answer.body.once('error', () => response.destroy());
  response.once('close', () => {
    if (!response.writableFinished) answer.body.destroy();
  });
  source.pipe(response);
}

/** Methods whose requests usually have no body, and so no Content-Length when they have none. */
const BODILESS_METHODS = new Set(['GET', 'HEAD', 'OPTIONS', 'DELETE']);

/** Sends a stored request to its upstream with the credential injected. */
export function sendUpstream(upstream: HttpUpstream, stored: StoredHttpRequest, body: Buffer) {
  const headers: HeaderMap = { ...stored.headers, 'accept-encoding': 'identity' };
  if (body.length > 0 || !BODILESS_METHODS.has(stored.method)) headers['content-length'] = String(body.length);
  if (upstream.credential) headers[upstream.credential.header] = upstream.credential.value();
  return upstream.pool.request({
    method: stored.method as 'GET',
    path: stored.path,
    headers,
    body: body.length > 0 ? body : null,
  });
}

export function send(response: ServerResponse, refusal: { status: number; headers: Record<string, string>; body: string }): void {
  if (response.headersSent) {
    response.destroy();
    return;
  }
  const body = Buffer.from(refusal.body, 'utf8');
  response.writeHead(refusal.status, { ...refusal.headers, 'content-length': String(body.length) });
  response.end(body);
}
