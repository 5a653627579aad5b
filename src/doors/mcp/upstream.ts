import { readFileSync } from 'node:fs';
import { Client } from '@modelcontextprotocol/sdk/client/index.js';
import { getDefaultEnvironment, StdioClientTransport } from '@modelcontextprotocol/sdk/client/stdio.js';
import { StreamableHTTPClientTransport, StreamableHTTPError } from '@modelcontextprotocol/sdk/client/streamableHttp.js';
import type { Transport } from '@modelcontextprotocol/sdk/shared/transport.js';
import {
  CallToolResultSchema,
  ErrorCode,
  McpError,
  PromptListChangedNotificationSchema,
  ResourceListChangedNotificationSchema,
  ToolListChangedNotificationSchema,
  type CallToolResult,
  type GetPromptResult,
  type Prompt,
  type ReadResourceResult,
  type Resource,
  type ResourceTemplate,
  type Tool,
} from '@modelcontextprotocol/sdk/types.js';
import { resolveSecret, type Secret, type SecretRef } from '../../config/secret.js';
import type { McpUpstreamConfig } from '../../config/upstreams/mcp.js';
import { credentialParts, type Redactor } from '../../redact/index.js';
import { upstreamFetch } from './fetch.js';
import type { Call } from './post.js';
import { postToolCall, type UpstreamTarget } from './upstream-post.js';
import { maskFromUpstream } from './mask.js';
import type { Logger } from '../../server/log.js';

const { version: AIRLOCK_VERSION } = JSON.parse(readFileSync(new URL('../../../package.json', import.meta.url), 'utf8')) as { version: string };
export { AIRLOCK_VERSION };

/** What one upstream offers, as it listed it. */
export interface UpstreamCatalog {
  readonly tools: readonly Tool[];
  readonly resources: readonly Resource[];
  readonly resourceTemplates: readonly ResourceTemplate[];
  readonly prompts: readonly Prompt[];
}

/** A connection that lived this long before failing is restarted without delay. */
const STABLE_MS = 10_000;

const EMPTY: UpstreamCatalog = Object.freeze({ tools: [], resources: [], resourceTemplates: [], prompts: [] });

export interface ConnectionOptions {
  readonly log: Logger;
  /** How long a call, or a connection attempt, may take. */
  readonly timeoutMs: number;
  /** Called whenever what the upstream offers changes (connected, lost, a list changed). */
  readonly onChange: () => void;
  /** Back-off between reconnection attempts: first delay and ceiling. */
  readonly retry?: { readonly firstMs: number; readonly maxMs: number };
  /** How often a connected upstream is pinged, to notice an HTTP server that went away. */
  readonly healthMs?: number;
  readonly env?: NodeJS.ProcessEnv;
  /** The redactor every door shares: everything this server sends passes it before anyone sees it. */
  readonly redactor: Redactor;
  /** Starts timing one request to this server; the function it returns is called when the server answers (metrics.ts). */
  readonly forwarding?: (upstream: string) => () => void;
  /** `false` sends tool calls to an HTTP server through the SDK client too (to compare the two paths). */
  readonly postToolCalls?: boolean;
}

/** The upstream cannot take calls now; the message is safe to show the agent. */
export class UpstreamUnavailableError extends Error {
  override readonly name = 'UpstreamUnavailableError';
  /** True when the request certainly never reached the server, so it did not run. */
  constructor(
    message: string,
    readonly notSent: boolean,
  ) {
    super(message);
  }
}

type State =
  | { readonly kind: 'idle' }
  | { readonly kind: 'connecting' }
  | { readonly kind: 'ready'; readonly client: Client; readonly catalog: UpstreamCatalog; readonly post: UpstreamTarget | undefined }
  | { readonly kind: 'down'; readonly problem: string }
  | { readonly kind: 'closed' };

/**
 * One upstream MCP server, kept connected: a child process over stdio (its environment built
 * from the config, with secrets injected and nothing else of Airlock's inherited beyond the
 * SDK's short safe list) or a Streamable HTTP endpoint (secrets in headers). When it fails or
 * exits, its tools disappear and Airlock reconnects with exponential back-off; a failure is
 * never thrown out of this class except to the one call that met it.
 */
export class UpstreamConnection {
  private state: State = { kind: 'idle' };
  private generation = 0;
  private attempt = 0;
  private retryTimer: NodeJS.Timeout | undefined;
  private healthTimer: NodeJS.Timeout | undefined;
  private connecting: Promise<void> | undefined;
  private readySince = 0;

  constructor(
    readonly config: McpUpstreamConfig,
    private readonly options: ConnectionOptions,
  ) {}

  get name(): string {
    return this.config.name;
  }

  get ready(): boolean {
    return this.state.kind === 'ready';
  }

  /** Why the upstream cannot take calls, in words safe for the agent; undefined when ready. */
  get problem(): string | undefined {
    switch (this.state.kind) {
      case 'ready':
        return undefined;
      case 'down':
        return this.state.problem;
      case 'closed':
        return 'Airlock is shutting down';
      default:
        return 'Airlock is still connecting to it';
    }
  }

  get catalog(): UpstreamCatalog {
    return this.state.kind === 'ready' ? this.state.catalog : EMPTY;
  }

  /** Connects; resolves once the first attempt has succeeded or failed (it never rejects). */
  start(): Promise<void> {
    if (this.state.kind === 'idle') this.connect();
    return this.connecting ?? Promise.resolve();
  }

  async close(): Promise<void> {
    const previous = this.state;
    this.state = { kind: 'closed' };
    this.generation++;
    clearTimeout(this.retryTimer);
    clearInterval(this.healthTimer);
    if (previous.kind === 'ready') await previous.client.close().catch(() => undefined);
    await this.connecting?.catch(() => undefined);
  }

  /** The server's result, with every credential Airlock holds masked (as are its errors). */
  async callTool(name: string, args: Record<string, unknown>): Promise<CallToolResult> {
    return this.masked((client, post) =>
      post
        ? postToolCall(post, name, args, this.options.timeoutMs)
        : client.request({ method: 'tools/call', params: { name, arguments: args } }, CallToolResultSchema, { timeout: this.options.timeoutMs }),
    ) as Promise<CallToolResult>;
  }

  async readResource(uri: string): Promise<ReadResourceResult> {
    return this.masked((client) => client.readResource({ uri }, { timeout: this.options.timeoutMs }));
  }

  async getPrompt(name: string, args: Record<string, string> | undefined): Promise<GetPromptResult> {
    return this.masked((client) => client.getPrompt({ name, ...(args ? { arguments: args } : {}) }, { timeout: this.options.timeoutMs }));
  }

  /**
   * One request whose answer, or JSON-RPC error, comes from the server: both are masked here,
   * the one place every answer of this server passes, before the door reads them.
   */
  private async masked<T>(run: (client: Client, post: UpstreamTarget | undefined) => Promise<T>): Promise<T> {
    const answered = this.options.forwarding?.(this.name);
    try {
      const answer = await this.withClient(run);
      answered?.();
      return maskFromUpstream(this.options.redactor, answer);
    } catch (error) {
      // The server's own JSON-RPC error is an answer too; a timeout or a lost connection is not.
      if (error instanceof McpError && error.code !== ErrorCode.RequestTimeout && error.code !== ErrorCode.ConnectionClosed) answered?.();
      if (error instanceof McpError) throw new McpError(error.code, this.redact(stripCode(error.message)), maskFromUpstream(this.options.redactor, error.data));
      throw error;
    }
  }

  /**
   * Runs one request on the connected client. An HTTP server that lost our session answers
   * 404 before doing anything, so that request alone is sent again on a fresh session; any
   * other failure is the caller's, and a connection failure also starts a reconnect.
   */
  private async withClient<T>(run: (client: Client, post: UpstreamTarget | undefined) => Promise<T>): Promise<T> {
    const state = this.state;
    if (state.kind !== 'ready') throw new UpstreamUnavailableError(`the upstream MCP server "${this.name}" is not available (${this.problem})`, true);
    try {
      return await run(state.client, state.post);
    } catch (error) {
      if (error instanceof StreamableHTTPError && error.code === 404) {
        // The server is up but restarted: open a new session now.
        this.lost(this.generation, 'it no longer knows our session', true);
        await this.connecting;
        const again = this.state;
        if (again.kind !== 'ready') throw new UpstreamUnavailableError(`the upstream MCP server "${this.name}" restarted and is not available yet`, true);
        return run(again.client, again.post);
      }
      if (isConnectionFailure(error)) {
        this.lost(this.generation, 'a request could not reach it');
        const refused = networkErrorCode(error) === 'ECONNREFUSED';
        throw new UpstreamUnavailableError(
          refused
            ? `the upstream MCP server "${this.name}" could not be reached; nothing was run`
            : `the connection to the upstream MCP server "${this.name}" failed; the call may or may not have run`,
          refused,
        );
      }
      throw error;
    }
  }

  private connect(): void {
    const generation = ++this.generation;
    this.state = { kind: 'connecting' };
    this.connecting = this.attemptConnection(generation);
  }

  private async attemptConnection(generation: number): Promise<void> {
    let transport: Transport;
    let headers: Record<string, string> | undefined;
    try {
      ({ transport, headers } = this.createTransport());
    } catch (error) {
      // A missing secret: the upstream stays down (its calls refused) and is retried, since
      // a mounted secret file may appear later.
      this.failed(generation, 'its credential is not available to Airlock', (error as Error).message);
      return;
    }
    const client = new Client({ name: 'airlock', version: AIRLOCK_VERSION }, { capabilities: {} });
    const inFlight = new Set<Call>();
    let closed = false;
    client.onclose = () => {
      closed = true;
      for (const call of inFlight) call.abort();
      inFlight.clear();
      this.lost(generation, 'the connection closed');
    };
    client.onerror = (error) => this.options.log.debug({ upstream: this.name, err: this.redact(error.message) }, 'MCP upstream transport error');
    try {
      await client.connect(transport, { timeout: this.options.timeoutMs });
      const catalog = await this.listMasked(client);
      if (generation !== this.generation) {
        await client.close().catch(() => undefined);
        return;
      }
      const refresh = () => void this.refresh(generation, client);
      client.setNotificationHandler(ToolListChangedNotificationSchema, refresh);
      client.setNotificationHandler(ResourceListChangedNotificationSchema, refresh);
      client.setNotificationHandler(PromptListChangedNotificationSchema, refresh);
      // Tool calls to an HTTP server are POSTed by the door on the client's session (upstream-post.ts).
      const post =
        this.options.postToolCalls !== false && transport instanceof StreamableHTTPClientTransport && headers && this.config.transport.type === 'http'
          ? {
              url: new URL(this.config.transport.url),
              headers,
              transport,
              inFlight,
              closed: () => closed,
              notify: (message: Parameters<UpstreamTarget['notify']>[0]) => client.notification(message),
            }
          : undefined;
      this.state = { kind: 'ready', client, catalog, post };
      this.readySince = Date.now();
      this.startHealthChecks(generation, client);
      this.options.log.info({ upstream: this.name, tools: catalog.tools.length }, 'MCP upstream connected');
      this.warnAboutUnknownNames(catalog);
      this.options.onChange();
    } catch (error) {
      await client.close().catch(() => undefined);
      this.failed(generation, 'it could not be started or reached', this.redact((error as Error).message));
    }
  }

  /** A rule for a tool the server does not offer is most likely a misspelt name: say so. */
  private warnAboutUnknownNames(catalog: UpstreamCatalog): void {
    const offered = new Set(catalog.tools.map((t) => t.name));
    const named = [...Object.keys(this.config.tools), ...Object.keys(this.config.arguments)].filter((n) => n !== '*' && !offered.has(n));
    if (named.length > 0) {
      this.options.log.warn(
        { upstream: this.name, tools: [...new Set(named)] },
        'the config has rules for tools this MCP server does not offer; check their names',
      );
    }
  }

  /** What the server offers, as the agent will see it: names, descriptions and schemas masked. */
  private async listMasked(client: Client): Promise<UpstreamCatalog> {
    return Object.freeze(maskFromUpstream(this.options.redactor, await listCatalog(client, this.options.timeoutMs)));
  }

  private createTransport(): { transport: Transport; headers?: Record<string, string> } {
    const { transport } = this.config;
    const secrets: Secret[] = [];
    const plainValueOf = (value: string | SecretRef): string => {
      if (typeof value === 'string') return value;
      const secret = resolveSecret(value, this.options.env);
      secrets.push(secret);
      return secret.reveal();
    };
    if (transport.type === 'stdio') {
      const env = { ...getDefaultEnvironment(), ...Object.fromEntries(Object.entries(transport.env).map(([key, value]) => [key, plainValueOf(value)])) };
      this.learn(secrets);
      const stdio = new StdioClientTransport({
        command: transport.command,
        args: transport.args,
        env,
        stderr: 'pipe',
        ...(transport.cwd ? { cwd: transport.cwd } : {}),
      });
      stdio.stderr?.on('data', (chunk: Buffer) => {
        this.options.log.debug({ upstream: this.name, stderr: this.redact(chunk.toString('utf8').slice(0, 2_000)) }, 'MCP upstream stderr');
      });
      return { transport: stdio };
    }
    const headers = Object.fromEntries(Object.entries(transport.headers).map(([key, value]) => [key, plainValueOf(value)]));
    this.learn(secrets);
    const http = new StreamableHTTPClientTransport(new URL(transport.url), {
      requestInit: { headers },
      fetch: upstreamFetch,
      // Reconnection is ours: one policy for stdio and HTTP, with the tools withdrawn meanwhile.
      reconnectionOptions: { maxReconnectionDelay: 30_000, initialReconnectionDelay: 1_000, reconnectionDelayGrowFactor: 1.5, maxRetries: 0 },
    });
    return { transport: http, headers };
  }

  private async refresh(generation: number, client: Client): Promise<void> {
    try {
      const catalog = await this.listMasked(client);
      if (generation !== this.generation || this.state.kind !== 'ready') return;
      this.state = { kind: 'ready', client, catalog, post: this.state.post };
      this.options.onChange();
    } catch (error) {
      this.options.log.warn({ upstream: this.name, err: this.redact((error as Error).message) }, 'MCP upstream lists could not be read');
      this.lost(generation, 'its lists could not be read');
    }
  }

  private startHealthChecks(generation: number, client: Client): void {
    clearInterval(this.healthTimer);
    const every = this.options.healthMs ?? 15_000;
    this.healthTimer = setInterval(() => {
      if (generation !== this.generation) return;
      client.ping({ timeout: Math.min(this.options.timeoutMs, 10_000) }).catch(() => this.lost(generation, 'it stopped answering pings'));
    }, every);
    this.healthTimer.unref();
  }

  /** A connection that was up (or coming up) is gone: withdraw its tools and reconnect. */
  private lost(generation: number, why: string, immediate = false): void {
    if (generation !== this.generation || (this.state.kind !== 'ready' && this.state.kind !== 'connecting')) return;
    const previous = this.state;
    this.options.log.warn({ upstream: this.name, why }, 'MCP upstream lost; reconnecting');
    clearInterval(this.healthTimer);
    this.generation++;
    if (previous.kind === 'ready') void previous.client.close().catch(() => undefined);
    // A server that ran for a while and then went away is restarted at once; one that dies
    // right after starting is retried with growing delays, so a crash loop costs little.
    if (previous.kind === 'ready' && (immediate || Date.now() - this.readySince > STABLE_MS)) {
      this.attempt = 0;
      this.state = { kind: 'down', problem: why };
      this.options.onChange();
      this.connect();
    } else {
      if (previous.kind === 'ready') {
        this.state = { kind: 'down', problem: why };
        this.options.onChange();
      }
      this.failed(this.generation, why);
    }
  }

  /** `problem` is what the agent is told; `detail` only goes to the operators' log. */
  private failed(generation: number, problem: string, detail?: string): void {
    if (generation !== this.generation) return;
    this.state = { kind: 'down', problem };
    clearInterval(this.healthTimer);
    const { firstMs, maxMs } = this.options.retry ?? { firstMs: 250, maxMs: 30_000 };
    const delay = Math.min(maxMs, firstMs * 2 ** this.attempt) * (0.8 + Math.random() * 0.4);
    this.attempt++;
    this.options.log.warn({ upstream: this.name, problem, ...(detail ? { detail } : {}), retryInMs: Math.round(delay) }, 'MCP upstream unavailable');
    clearTimeout(this.retryTimer);
    this.retryTimer = setTimeout(() => {
      if (generation === this.generation && this.state.kind === 'down') this.connect();
    }, delay);
    this.retryTimer.unref();
  }

  /** The secrets about to be injected are masked before the server can send anything back. */
  private learn(secrets: readonly Secret[]): void {
    this.options.redactor.learn(secrets.flatMap((secret) => credentialParts(secret.reveal())));
  }

  /** Masks every credential Airlock holds in text that came from the server. */
  redact(text: string): string {
    return this.options.redactor.maskString(text);
  }
}

/** A network failure on the way to the server (not an answer from it). */
function isConnectionFailure(error: unknown): boolean {
  if (error instanceof McpError) return error.code === ErrorCode.ConnectionClosed;
  if (error instanceof StreamableHTTPError) return false;
  const code = networkErrorCode(error);
  return code !== undefined && /^(E(CONNREFUSED|CONNRESET|HOSTUNREACH|NETUNREACH|NOTFOUND|PIPE|TIMEDOUT)|UND_ERR)/.test(code);
}

/** The system or undici error code, whether thrown as is (undici's request) or as a fetch error's cause. */
export function networkErrorCode(error: unknown): string | undefined {
  const own = (error as { code?: unknown })?.code;
  if (typeof own === 'string') return own;
  const cause = (error as { cause?: { code?: unknown } })?.cause?.code;
  return typeof cause === 'string' ? cause : undefined;
}

async function listCatalog(client: Client, timeoutMs: number): Promise<UpstreamCatalog> {
  const capabilities = client.getServerCapabilities() ?? {};
  const options = { timeout: timeoutMs };
  const tools = capabilities.tools
    ? await paginate(
        (cursor) => client.listTools(cursor ? { cursor } : {}, options),
        (r) => r.tools,
      )
    : [];
  const optional = async <R, T>(list: (cursor?: string) => Promise<R & { nextCursor?: string | undefined }>, items: (r: R) => T[]): Promise<T[]> => {
    try {
      return await paginate(list, items);
    } catch (error) {
      if (error instanceof McpError && error.code === ErrorCode.MethodNotFound) return [];
      throw error;
    }
  };
  const resources = capabilities.resources
    ? await optional(
        (cursor) => client.listResources(cursor ? { cursor } : {}, options),
        (r) => r.resources,
      )
    : [];
  const resourceTemplates = capabilities.resources
    ? await optional(
        (cursor) => client.listResourceTemplates(cursor ? { cursor } : {}, options),
        (r) => r.resourceTemplates,
      )
    : [];
  const prompts = capabilities.prompts
    ? await optional(
        (cursor) => client.listPrompts(cursor ? { cursor } : {}, options),
        (r) => r.prompts,
      )
    : [];
  return Object.freeze({ tools, resources, resourceTemplates, prompts });
}

const MAX_PAGES = 100;

async function paginate<R, T>(list: (cursor?: string) => Promise<R & { nextCursor?: string | undefined }>, items: (r: R) => T[]): Promise<T[]> {
  const out: T[] = [];
  let cursor: string | undefined;
  for (let page = 0; page < MAX_PAGES; page++) {
    const result = await list(cursor);
    out.push(...items(result));
    cursor = result.nextCursor;
    if (!cursor) break;
  }
  return out;
}

/** McpError prefixes its message with "MCP error <code>: "; a new McpError adds it again. */
export function stripCode(message: string): string {
  return message.replace(/^MCP error -?\d+: /, '');
}
