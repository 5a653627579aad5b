import { randomUUID } from 'node:crypto';
import type { IncomingMessage, ServerResponse } from 'node:http';
import type { Server } from '@modelcontextprotocol/sdk/server/index.js';
import { StreamableHTTPServerTransport } from '@modelcontextprotocol/sdk/server/streamableHttp.js';
import type { AuthInfo } from '@modelcontextprotocol/sdk/server/auth/types.js';
import { refusalFor } from '../../core/refusal.js';
import type { Verdict } from '../../core/verdict.js';
import { authenticate } from '../../identity/authenticate.js';
import { bearerToken } from '../../server/decide-api.js';
import { createAgentServer } from './agent-server.js';
import { AIRLOCK_REFUSED, type Caller, type DoorContext } from './call.js';

interface Session {
  id: string | undefined;
  readonly transport: StreamableHTTPServerTransport;
  readonly server: Server;
  readonly tokenId: string;
  readonly agent: string;
  lastSeen: number;
}

export interface SessionOptions {
  /** A session nobody has used for this long is closed (the agent's client opens a new one). */
  readonly idleMs?: number;
  /** Sessions one token may keep open; the least recently used is closed beyond it. */
  readonly maxPerToken?: number;
  /** How often sessions are checked for idleness and for tokens revoked meanwhile. */
  readonly sweepMs?: number;
}

/**
 * The agents' MCP sessions over Streamable HTTP at /mcp. Every HTTP request is authenticated
 * (the session id alone is never enough): a session belongs to the token that opened it, and a
 * token revoked or expired mid-session is refused at its next request and its sessions closed.
 */
export class AgentSessions {
  private readonly sessions = new Map<string, Session>();
  private readonly sweeper: NodeJS.Timeout;
  private readonly idleMs: number;
  private readonly maxPerToken: number;

  constructor(
    private readonly context: DoorContext,
    options: SessionOptions = {},
  ) {
    this.idleMs = options.idleMs ?? 3_600_000;
    this.maxPerToken = options.maxPerToken ?? 32;
    this.sweeper = setInterval(() => void this.sweep(), options.sweepMs ?? 60_000);
    this.sweeper.unref();
  }

  get size(): number {
    return this.sessions.size;
  }

  async handle(request: IncomingMessage, response: ServerResponse): Promise<void> {
    const { runtime } = this.context;
    const presented = bearerToken(request.headers.authorization);
    const authentication = await authenticate(runtime.store, presented, runtime.clock());
    if (!authentication.ok) {
      return refuse(response, 401, {
        kind: 'deny',
        code: 'unauthenticated',
        reasons: [authentication.reason],
        policies: ['airlock/authentication'],
      });
    }
    const caller: Caller = { token: presented!, authentication };
    const authInfo: AuthInfo = {
      token: presented!,
      clientId: authentication.agent.name,
      scopes: [...authentication.token.scopes],
      expiresAt: Math.floor(Date.parse(authentication.token.expiresAt) / 1000),
      extra: { caller },
    };
    (request as IncomingMessage & { auth?: AuthInfo }).auth = authInfo;

    const sessionId = request.headers['mcp-session-id'];
    if (typeof sessionId === 'string') {
      const session = this.sessions.get(sessionId);
      // Another token's session is answered as unknown, so that session ids reveal nothing.
      if (!session || session.tokenId !== authentication.token.id) return jsonRpcError(response, 404, -32001, 'Session not found');
      session.lastSeen = Date.now();
      return session.transport.handleRequest(request, response);
    }

    if (request.method !== 'POST') return jsonRpcError(response, 400, -32000, 'Bad Request: no Mcp-Session-Id; send initialize first');
    const { agent } = authentication;
    if (agent.state !== 'active') {
      return refuse(response, 403, {
        kind: 'deny',
        code: 'stopped',
        reasons: [`the agent ${agent.name} is ${agent.state}${agent.stateReason ? ` (${agent.stateReason})` : ''}`],
        policies: ['airlock/agent-not-active'],
      });
    }
    await this.open(request, response, authentication.token.id, agent.name);
  }

  private async open(request: IncomingMessage, response: ServerResponse, tokenId: string, agent: string): Promise<void> {
    const server = createAgentServer(this.context);
    const session: Session = {
      id: undefined,
      server,
      tokenId,
      agent,
      lastSeen: Date.now(),
      transport: new StreamableHTTPServerTransport({
        sessionIdGenerator: () => randomUUID(),
        // One JSON answer per request: no stream to keep open for a call that returns once.
        enableJsonResponse: true,
        maxRequestBodySize: this.context.runtime.config.limits.bodyBytes,
        onsessioninitialized: (id) => {
          session.id = id;
          this.sessions.set(id, session);
          this.limitSessionsOf(tokenId);
        },
        onsessionclosed: (id) => void this.closeSession(id),
      }),
    };
    await server.connect(session.transport);
    await session.transport.handleRequest(request, response);
    // Anything but an initialize leaves no session behind.
    if (session.id === undefined) await server.close().catch(() => undefined);
  }

  /** Tells every session that the upstreams' tools, resources or prompts changed. */
  notifyChanged(): void {
    for (const session of this.sessions.values()) {
      void session.server.sendToolListChanged().catch(() => undefined);
      void session.server.sendResourceListChanged().catch(() => undefined);
      void session.server.sendPromptListChanged().catch(() => undefined);
    }
  }

  async close(): Promise<void> {
    clearInterval(this.sweeper);
    await Promise.all([...this.sessions.keys()].map((id) => this.closeSession(id)));
  }

  private async closeSession(id: string): Promise<void> {
    const session = this.sessions.get(id);
    if (!session) return;
    this.sessions.delete(id);
    await session.server.close().catch(() => undefined);
  }

  private limitSessionsOf(tokenId: string): void {
    const mine = [...this.sessions.values()].filter((s) => s.tokenId === tokenId).sort((a, b) => a.lastSeen - b.lastSeen);
    for (const session of mine.slice(0, Math.max(0, mine.length - this.maxPerToken))) void this.closeSession(session.id!);
  }

  /** Closes idle sessions and those whose token is no longer valid. */
  async sweep(): Promise<void> {
    const { store, clock } = this.context.runtime;
    const now = clock();
    for (const session of [...this.sessions.values()]) {
      let close = Date.now() - session.lastSeen > this.idleMs;
      if (!close) {
        const token = await store.tokens.get(session.tokenId).catch(() => undefined);
        close = !token || token.revokedAt !== undefined || Date.parse(token.expiresAt) <= now.getTime();
      }
      if (close && session.id) await this.closeSession(session.id);
    }
  }
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
