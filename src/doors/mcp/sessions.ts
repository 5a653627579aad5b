import { createHash, randomUUID } from 'node:crypto';
import type { IncomingMessage, ServerResponse } from 'node:http';
import { getRequestListener } from '@hono/node-server';
import type { Server } from '@modelcontextprotocol/sdk/server/index.js';
import { WebStandardStreamableHTTPServerTransport } from '@modelcontextprotocol/sdk/server/webStandardStreamableHttp.js';
import type { AuthInfo } from '@modelcontextprotocol/sdk/server/auth/types.js';
import { requestBodyTooLargeMessage } from '@modelcontextprotocol/sdk/server/requestBody.js';
import { ErrorCode, isInitializeRequest, type JSONRPCMessage, type JSONRPCRequest, type RequestId } from '@modelcontextprotocol/sdk/types.js';
import { refusalFor } from '../../core/refusal.js';
import { requestIdOf } from '../../core/request-id.js';
import type { Verdict } from '../../core/verdict.js';
import type { Authentication } from '../../identity/authenticate.js';
import { bearerToken } from '../../server/decide-api.js';
import type { McpInitializeParams } from '../../store/records.js';
import { createAgentServer } from './agent-server.js';
import { AIRLOCK_REFUSED, type Caller, type DoorContext } from './call.js';
import { answerToolCall, cancelDirectCall, directPost, endWait, plainToolCall, readBody, type DirectCall } from './direct.js';

interface Session {
  id: string | undefined;
  readonly transport: WebStandardStreamableHTTPServerTransport;
  readonly server: Server;
  readonly tokenId: string;
  readonly agent: string;
  lastSeen: number;
  /** When this replica last wrote the session's use to the store. */
  recordedSeen: number;
  /** Tool calls the door is answering itself (direct.ts), by JSON-RPC id. */
  readonly direct: Map<RequestId, DirectCall>;
}

export interface SessionOptions {
  /** A session nobody has used for this long is closed (the agent's client opens a new one). */
  readonly idleMs?: number;
  /** Sessions one token may keep open; the least recently used is closed beyond it. */
  readonly maxPerToken?: number;
  /** How often sessions are checked for idleness and for tokens revoked meanwhile. */
  readonly sweepMs?: number;
  /** `false` sends every request through the SDK's transport, tool calls too (to compare the two paths). */
  readonly directToolCalls?: boolean;
}

/** A session's use is written to the store at most this often: enough for an idle timeout counted in minutes. */
const TOUCH_EVERY_MS = 60_000;

/** The caller as the SDK's server hands it to its handlers; only built for a request the SDK serves. */
function authInfoOf(caller: Caller): AuthInfo {
  const { token, authentication } = caller;
  return {
    token,
    clientId: authentication.agent.name,
    scopes: [...authentication.token.scopes],
    expiresAt: Math.floor(Date.parse(authentication.token.expiresAt) / 1000),
    extra: { caller },
  };
}

/** The key a session is stored under: a store reader learns no id a client could present. */
export function mcpSessionKey(sessionId: string): string {
  return createHash('sha256').update(sessionId).digest('hex');
}

/**
 * The agents' MCP sessions over Streamable HTTP at /mcp. Every HTTP request is authenticated
 * (the session id alone is never enough): a session belongs to the token that opened it, and a
 * token revoked or expired mid-session is refused at its next request and its sessions closed.
 *
 * Sessions are recorded in the store, so that replicas behind a load balancer need no sticky
 * routing: a replica that does not hold a session in memory takes it up from its record (the
 * token that opened it, the client's initialize parameters) by replaying that initialize on a
 * fresh server, and serves the request; the client does not notice. Upstream MCP connections
 * are each replica's own (pool.ts), so nothing upstream is carried over.
 */
export class AgentSessions {
  private readonly sessions = new Map<string, Session>();
  /** Sessions being taken up from the store, so that two requests at once build one. */
  private readonly resuming = new Map<string, Promise<Session | undefined>>();
  private readonly sweeper: NodeJS.Timeout;
  private readonly idleMs: number;
  private readonly maxPerToken: number;
  private readonly directToolCalls: boolean;

  constructor(
    private readonly context: DoorContext,
    options: SessionOptions = {},
  ) {
    this.idleMs = options.idleMs ?? 3_600_000;
    this.maxPerToken = options.maxPerToken ?? 32;
    this.directToolCalls = options.directToolCalls ?? true;
    this.sweeper = setInterval(() => void this.sweep(), options.sweepMs ?? 60_000);
    this.sweeper.unref();
  }

  get size(): number {
    return this.sessions.size;
  }

  async handle(request: IncomingMessage, response: ServerResponse): Promise<void> {
    const { runtime } = this.context;
    const presented = bearerToken(request.headers.authorization);
    // The gate's own authentication: the tool call this request carries is then decided without a second one.
    const authentication = await runtime.gate.authenticate(presented);
    if (!authentication.ok) {
      return refuse(response, 401, {
        kind: 'deny',
        code: 'unauthenticated',
        reasons: [authentication.reason],
        policies: ['airlock/authentication'],
      });
    }
    const requestId = requestIdOf(request);
    const caller: Caller = { token: presented!, authentication, requestId };

    const sessionId = request.headers['mcp-session-id'];
    if (typeof sessionId === 'string') {
      let session = this.sessions.get(sessionId);
      if (!session) {
        // Taken up here only for an agent that could open one: a stopped agent's session does not come back.
        if (authentication.agent.state !== 'active') return refuse(response, 403, notActive(authentication));
        session = await this.resume(sessionId, authentication, requestId);
      }
      // Another token's session is answered as unknown, so that session ids reveal nothing.
      if (!session || session.tokenId !== authentication.token.id) return jsonRpcError(response, 404, -32001, 'Session not found');
      this.used(session);
      if (this.directToolCalls && session.id !== undefined && directPost(request, this.maxBodyBytes))
        return this.post(session, session.id, request, response, caller);
      return serve(this.context, session, request, response, authInfoOf(caller));
    }

    if (request.method !== 'POST') return jsonRpcError(response, 400, -32000, 'Bad Request: no Mcp-Session-Id; send initialize first');
    if (authentication.agent.state !== 'active') return refuse(response, 403, notActive(authentication));
    await this.open(request, response, authInfoOf(caller), authentication, requestId);
  }

  private get maxBodyBytes(): number {
    return this.context.runtime.config.limits.bodyBytes;
  }

  /**
   * A POST on a session this replica holds, whose headers the SDK would accept: a single plain
   * tools/call is answered by the door itself (direct.ts); anything else goes on to the SDK's
   * transport with the body already read.
   */
  private async post(session: Session, sessionId: string, request: IncomingMessage, response: ServerResponse, caller: Caller): Promise<void> {
    const text = await readBody(request, this.maxBodyBytes);
    let message: unknown;
    try {
      message = text === undefined ? undefined : JSON.parse(text);
    } catch {
      message = undefined;
    }
    const call = message === undefined ? undefined : plainToolCall(message);
    if (message !== undefined && !call) return serve(this.context, session, request, response, authInfoOf(caller), message);
    // What is answered here from now on is the door's own answer, in the SDK's words where it has them.
    this.context.runtime.metrics.mcpRequest('direct');
    if (text === undefined) return jsonRpcError(response, 413, -32000, requestBodyTooLargeMessage(this.maxBodyBytes));
    if (!call) return jsonRpcError(response, 400, ErrorCode.ParseError, 'Parse error: Invalid JSON');
    await answerToolCall(this.context, caller, call, session.direct, response, sessionId);
  }

  /** The session's server on its transport, with the client's cancellations also reaching the door's own calls. */
  private async connect(session: Session): Promise<void> {
    await session.server.connect(session.transport);
    const dispatch = session.transport.onmessage;
    session.transport.onmessage = (message, extra) => {
      if ('method' in message && message.method === 'notifications/cancelled' && !('id' in message)) {
        cancelDirectCall(session.direct, (message.params as { requestId?: RequestId } | undefined)?.requestId);
      }
      dispatch?.(message, extra);
    };
  }

  private create(tokenId: string, agent: string, id: string | undefined): Session {
    const session: Session = {
      id: undefined,
      server: createAgentServer(this.context),
      tokenId,
      agent,
      lastSeen: Date.now(),
      recordedSeen: Date.now(),
      direct: new Map(),
      transport: new WebStandardStreamableHTTPServerTransport({
        sessionIdGenerator: () => id ?? randomUUID(),
        // One JSON answer per request: no stream to keep open for a call that returns once.
        enableJsonResponse: true,
        maxRequestBodySize: this.context.runtime.config.limits.bodyBytes,
        onsessioninitialized: (sessionId) => {
          session.id = sessionId;
          this.sessions.set(sessionId, session);
          this.limitSessionsOf(tokenId);
        },
        // The client ended it (HTTP DELETE): on every replica, not only this one.
        onsessionclosed: (sessionId) => void this.closeSession(sessionId, { forget: true }),
      }),
    };
    return session;
  }

  private async open(
    request: IncomingMessage,
    response: ServerResponse,
    authInfo: AuthInfo,
    authentication: Authenticated,
    requestId: string | undefined,
  ): Promise<void> {
    const session = this.create(authentication.token.id, authentication.agent.name, undefined);
    await this.connect(session);
    // The initialize is recorded before it is answered, so that the client's next request finds
    // the session on whichever replica it reaches.
    const dispatch = session.transport.onmessage;
    session.transport.onmessage = (message, extra) => {
      if (!isInitializeRequest(message) || session.id === undefined) return dispatch?.(message, extra);
      const { protocolVersion, capabilities, clientInfo } = message.params;
      this.record(session.id, authentication, { protocolVersion, capabilities, clientInfo } as McpInitializeParams).then(
        () => dispatch?.(message, extra),
        async (error: unknown) => {
          this.context.runtime.log.error({ requestId, err: (error as Error).message }, 'MCP session could not be recorded; refused');
          this.context.runtime.metrics.storeError('mcp-session');
          const refusal: JSONRPCMessage = {
            jsonrpc: '2.0',
            id: (message as JSONRPCRequest).id,
            error: { code: -32603, message: 'Airlock could not record this session, so it was not opened; try again' },
          };
          await session.transport.send(refusal).catch(() => undefined);
          if (session.id) await this.closeSession(session.id);
        },
      );
    };
    await serve(this.context, session, request, response, authInfo);
    // Anything but an initialize leaves no session behind.
    if (session.id === undefined) await session.server.close().catch(() => undefined);
  }

  private async record(sessionId: string, authentication: Authenticated, initialize: McpInitializeParams): Promise<void> {
    const at = this.context.runtime.clock().toISOString();
    await this.context.runtime.store.mcpSessions.insert({
      id: mcpSessionKey(sessionId),
      tokenId: authentication.token.id,
      agent: authentication.agent.name,
      initialize,
      createdAt: at,
      seenAt: at,
    });
  }

  /** Takes up a session another replica (or this one, before a restart) opened; undefined when there is none for this token. */
  private resume(sessionId: string, authentication: Authenticated, requestId: string | undefined): Promise<Session | undefined> {
    const pending = this.resuming.get(sessionId);
    if (pending) return pending;
    const work = (async () => {
      const record = await this.context.runtime.store.mcpSessions.get(mcpSessionKey(sessionId));
      if (!record || record.tokenId !== authentication.token.id) return undefined;
      const session = this.create(record.tokenId, record.agent, sessionId);
      await this.connect(session);
      try {
        // The client's own initialize, replayed: the server learns its capabilities and version as it did the first time.
        const initialized = await session.transport.handleRequest(
          jsonRpcPost({ jsonrpc: '2.0', id: 'airlock-resume', method: 'initialize', params: { ...record.initialize } }),
        );
        const answer = (await initialized.json().catch(() => undefined)) as { result?: { protocolVersion?: string } } | undefined;
        const protocolVersion = answer?.result?.protocolVersion;
        if (session.id !== sessionId || !protocolVersion) throw new Error(`the stored initialize was not accepted (HTTP ${initialized.status})`);
        const notified = await session.transport.handleRequest(
          jsonRpcPost({ jsonrpc: '2.0', method: 'notifications/initialized' }, { 'mcp-session-id': sessionId, 'mcp-protocol-version': protocolVersion }),
        );
        await notified.body?.cancel();
      } catch (error) {
        await this.closeSession(sessionId);
        await session.server.close().catch(() => undefined);
        throw error;
      }
      this.context.runtime.log.info({ requestId, agent: record.agent }, 'MCP session taken up from the store');
      return session;
    })().finally(() => this.resuming.delete(sessionId));
    this.resuming.set(sessionId, work);
    return work;
  }

  /** Keeps the session's record alive while it is used, whichever replica serves it. */
  private used(session: Session): void {
    session.lastSeen = Date.now();
    if (session.id === undefined || session.lastSeen - session.recordedSeen < TOUCH_EVERY_MS) return;
    session.recordedSeen = session.lastSeen;
    this.context.runtime.store.mcpSessions
      .touch(mcpSessionKey(session.id), this.context.runtime.clock().toISOString())
      .catch(() => this.context.runtime.metrics.storeError('mcp-session'));
  }

  /** Tells every session that the upstreams' tools, resources or prompts changed. */
  notifyChanged(): void {
    for (const session of this.sessions.values()) {
      void session.server.sendToolListChanged().catch(() => undefined);
      void session.server.sendResourceListChanged().catch(() => undefined);
      void session.server.sendPromptListChanged().catch(() => undefined);
    }
  }

  /** Closes this replica's sessions; their records stay, so that clients carry on at another replica. */
  async close(): Promise<void> {
    clearInterval(this.sweeper);
    await Promise.all([...this.sessions.keys()].map((id) => this.closeSession(id)));
  }

  /** Closes a session here; `forget` also deletes its record, which ends it on every replica. */
  private async closeSession(id: string, options: { forget?: boolean } = {}): Promise<void> {
    const session = this.sessions.get(id);
    if (options.forget)
      await this.context.runtime.store.mcpSessions.remove(mcpSessionKey(id)).catch(() => this.context.runtime.metrics.storeError('mcp-session'));
    if (!session) return;
    this.sessions.delete(id);
    for (const call of session.direct.values()) endWait(call);
    await session.server.close().catch(() => undefined);
  }

  private limitSessionsOf(tokenId: string): void {
    const mine = [...this.sessions.values()].filter((s) => s.tokenId === tokenId).sort((a, b) => a.lastSeen - b.lastSeen);
    for (const session of mine.slice(0, Math.max(0, mine.length - this.maxPerToken))) void this.closeSession(session.id!, { forget: true });
  }

  /**
   * Closes idle sessions, those whose token is no longer valid and those ended on another
   * replica; deletes the records of idle sessions and of tokens found invalid.
   */
  async sweep(): Promise<void> {
    const { store, clock } = this.context.runtime;
    const now = clock();
    const invalidTokens = new Set<string>();
    for (const session of [...this.sessions.values()]) {
      if (!session.id) continue;
      let close = Date.now() - session.lastSeen > this.idleMs;
      if (!close) {
        const token = await store.tokens.get(session.tokenId).catch(() => undefined);
        close = !token || token.revokedAt !== undefined || Date.parse(token.expiresAt) <= now.getTime();
        if (close) invalidTokens.add(session.tokenId);
      }
      if (!close) close = (await store.mcpSessions.get(mcpSessionKey(session.id)).catch(() => 'unknown' as const)) === undefined;
      if (close) await this.closeSession(session.id);
    }
    await store.mcpSessions.prune(new Date(now.getTime() - this.idleMs).toISOString(), [...invalidTokens]).catch(() => undefined);
  }
}

type Authenticated = Extract<Authentication, { ok: true }>;

function notActive(authentication: Authenticated): Extract<Verdict, { kind: 'deny' }> {
  const { agent } = authentication;
  return {
    kind: 'deny',
    code: 'stopped',
    reasons: [`the agent ${agent.name} is ${agent.state}${agent.stateReason ? ` (${agent.stateReason})` : ''}`],
    policies: ['airlock/agent-not-active'],
  };
}

/**
 * One HTTP request through the session's transport, with the caller Airlock authenticated for
 * it; `parsedBody` when the door has read the body already.
 */
async function serve(
  context: DoorContext,
  session: Session,
  request: IncomingMessage,
  response: ServerResponse,
  authInfo: AuthInfo,
  parsedBody?: unknown,
): Promise<void> {
  context.runtime.metrics.mcpRequest('sdk');
  const options = parsedBody === undefined ? { authInfo } : { authInfo, parsedBody };
  const listener = getRequestListener((webRequest) => session.transport.handleRequest(webRequest, options), { overrideGlobalObjects: false });
  await listener(request, response);
}

/** A request Airlock sends its own server, as a client would (the replayed initialize). */
function jsonRpcPost(message: JSONRPCMessage, headers: Record<string, string> = {}): Request {
  return new Request('http://airlock.invalid/mcp', {
    method: 'POST',
    headers: { 'content-type': 'application/json', accept: 'application/json, text/event-stream', ...headers },
    body: JSON.stringify(message),
  });
}

function refuse(response: ServerResponse, status: number, verdict: Extract<Verdict, { kind: 'deny' }>): void {
  const refusal = refusalFor(verdict);
  if (status === 401) response.setHeader('www-authenticate', 'Bearer realm="airlock"');
  jsonRpcError(response, status, AIRLOCK_REFUSED, `${refusal.message} ${refusal.instruction}`, { verdict: 'deny', code: verdict.code });
}

function jsonRpcError(response: ServerResponse, status: number, code: number, message: string, data?: unknown): void {
  const body = JSON.stringify({ jsonrpc: '2.0', id: null, error: { code, message, ...(data ? { data } : {}) } });
  response.writeHead(status, { 'content-type': 'application/json', 'content-length': Buffer.byteLength(body) });
  response.end(body);
}
