import type { Command } from 'commander';
import { StreamableHTTPClientTransport, StreamableHTTPError } from '@modelcontextprotocol/sdk/client/streamableHttp.js';
import { StdioServerTransport } from '@modelcontextprotocol/sdk/server/stdio.js';
import {
  isInitializedNotification,
  isInitializeRequest,
  isJSONRPCErrorResponse,
  isJSONRPCRequest,
  isJSONRPCResultResponse,
  type JSONRPCMessage,
  type JSONRPCRequest,
  type RequestId,
} from '@modelcontextprotocol/sdk/types.js';
import { AIRLOCK_REFUSED, MCP_PATH } from '../../doors/mcp/constants.js';
import { upstreamFetch } from '../../doors/mcp/fetch.js';
import { CliError } from '../output.js';
import { agentUrlOf } from '../../doors/hook/command.js';
import { withoutTrailing } from '../../core/text.js';

const DEFAULT_URL = 'http://127.0.0.1:4100';

/**
 * `airlock mcp`: for MCP clients that only start servers as local commands. It relays every
 * message between the client on stdin/stdout and a running Airlock's /mcp, adding the agent's
 * token. It judges nothing itself; if Airlock cannot be reached it refuses, it never goes around.
 *
 * @example
 * // .mcp.json of a coding agent
 * // { "mcpServers": { "airlock": { "command": "airlock", "args": ["mcp"],
 * //     "env": { "AIRLOCK_TOKEN": "alk_…", "AIRLOCK_AGENT_URL": "http://127.0.0.1:4100" } } } }
 */
export function registerMcp(program: Command): void {
  program
    .command('mcp')
    .description("serve MCP on stdin/stdout for a local agent, relaying to a running Airlock's /mcp (token from AIRLOCK_TOKEN)")
    .option('--url <url>', `Airlock's address (default: AIRLOCK_AGENT_URL, else ${DEFAULT_URL})`)
    .action(async (options: { url?: string }) => {
      const token = process.env.AIRLOCK_TOKEN?.trim();
      if (!token) throw new CliError("set AIRLOCK_TOKEN to the agent's Airlock token (alk_…); airlock mcp forwards nothing without it", 2);
      const base = options.url ?? agentUrlOf(process.env) ?? DEFAULT_URL;
      let endpoint: URL;
      try {
        endpoint = new URL(withoutTrailing(base, '/').endsWith(MCP_PATH) ? base : `${withoutTrailing(base, '/')}${MCP_PATH}`);
      } catch {
        throw new CliError(`AIRLOCK_AGENT_URL "${base}" is not a URL; use e.g. ${DEFAULT_URL}`, 2);
      }
      await ensureReachable(endpoint);
      await bridge(endpoint, token);
    });
}

/** Fails closed before the client's first message: better no server than one that cannot answer. */
async function ensureReachable(endpoint: URL): Promise<void> {
  const health = new URL('/healthz', endpoint);
  try {
    const response = await fetch(health, { signal: AbortSignal.timeout(5_000) });
    await response.body?.cancel();
    if (!response.ok) throw new Error(`it answered ${response.status}`);
  } catch (error) {
    const why = (error as { cause?: { code?: string } }).cause?.code ?? (error as Error).message;
    throw new CliError(
      `cannot reach Airlock at ${endpoint.origin} (${why}); nothing will be forwarded. Start Airlock (airlock start) or set AIRLOCK_AGENT_URL to its address.`,
    );
  }
}

async function bridge(endpoint: URL, token: string): Promise<void> {
  const local = new StdioServerTransport();
  const relay = new AirlockRelay(endpoint, token, (message) => void local.send(message));
  let closing = false;
  const shutdown = async (code: number) => {
    if (closing) return;
    closing = true;
    await relay.close();
    await local.close().catch(() => undefined);
    process.exit(code);
  };

  local.onmessage = (message: JSONRPCMessage) => {
    relay.send(message).catch((error: unknown) => {
      const text = refusalText(error, endpoint);
      process.stderr.write(`airlock mcp: ${redactToken(text, token)}\n`);
      if (isJSONRPCRequest(message)) {
        void local.send({ jsonrpc: '2.0', id: message.id, error: { code: AIRLOCK_REFUSED, message: text } });
      }
    });
  };
  local.onclose = () => void shutdown(0);
  process.stdin.on('end', () => void shutdown(0));
  process.on('SIGTERM', () => void shutdown(0));
  process.on('SIGINT', () => void shutdown(0));

  await relay.start();
  await local.start();
}

/**
 * The Airlock side of the bridge: one Streamable HTTP session, opened by the local client's own
 * `initialize`. When Airlock restarts it forgets its sessions and answers 404 before doing
 * anything; the relay then opens a new session with the client's `initialize` and sends the
 * message again, so the agent's harness need not restart its MCP server.
 */
class AirlockRelay {
  private transport: StreamableHTTPClientTransport;
  private clientInitialize: JSONRPCRequest | undefined;
  private clientInitialized = false;
  private readonly initializeIds = new Set<RequestId>();
  private reopening: Promise<void> | undefined;
  private readonly ownRequests = new Map<RequestId, (message: JSONRPCMessage) => void>();
  private reopened = 0;

  constructor(
    private readonly endpoint: URL,
    private readonly token: string,
    private readonly deliver: (message: JSONRPCMessage) => void,
  ) {
    this.transport = this.open();
  }

  start(): Promise<void> {
    return this.transport.start();
  }

  async close(): Promise<void> {
    await this.transport.terminateSession().catch(() => undefined);
    await this.transport.close().catch(() => undefined);
  }

  async send(message: JSONRPCMessage): Promise<void> {
    if (isInitializeRequest(message) && isJSONRPCRequest(message)) {
      this.clientInitialize = message;
      this.initializeIds.add(message.id);
    }
    if (isInitializedNotification(message)) this.clientInitialized = true;
    await this.reopening;
    try {
      await this.transport.send(message);
    } catch (error) {
      if (!(error instanceof StreamableHTTPError && error.code === 404) || !this.clientInitialize || isInitializeRequest(message)) throw error;
      await this.reopen();
      await this.transport.send(message);
    }
  }

  private open(): StreamableHTTPClientTransport {
    const transport = new StreamableHTTPClientTransport(this.endpoint, {
      requestInit: { headers: { authorization: `Bearer ${this.token}` } },
      fetch: upstreamFetch,
    });
    transport.onmessage = (message) => this.received(transport, message);
    transport.onerror = (error) => process.stderr.write(`airlock mcp: ${redactToken(error.message, this.token)}\n`);
    return transport;
  }

  private received(transport: StreamableHTTPClientTransport, message: JSONRPCMessage): void {
    const answerTo = isJSONRPCResultResponse(message) || isJSONRPCErrorResponse(message) ? message.id : undefined;
    const own = answerTo === undefined ? undefined : this.ownRequests.get(answerTo);
    if (own) {
      own(message);
      return;
    }
    if (isJSONRPCResultResponse(message) && this.initializeIds.delete(message.id)) {
      const version = (message.result as { protocolVersion?: unknown }).protocolVersion;
      // Later requests carry the negotiated version in MCP-Protocol-Version, as the spec asks.
      if (typeof version === 'string') transport.setProtocolVersion(version);
    }
    this.deliver(message);
  }

  private reopen(): Promise<void> {
    this.reopening ??= (async () => {
      process.stderr.write('airlock mcp: Airlock no longer knows this session (it restarted?); opening a new one\n');
      await this.transport.close().catch(() => undefined);
      this.transport = this.open();
      await this.transport.start();
      const id = `airlock-mcp-reopen-${++this.reopened}`;
      const answered = new Promise<JSONRPCMessage>((resolve) => this.ownRequests.set(id, resolve));
      await this.transport.send({ ...this.clientInitialize!, id });
      const answer = await answered;
      this.ownRequests.delete(id);
      if (!isJSONRPCResultResponse(answer)) throw new Error('Airlock refused to open a new session');
      const version = (answer.result as { protocolVersion?: unknown }).protocolVersion;
      if (typeof version === 'string') this.transport.setProtocolVersion(version);
      if (this.clientInitialized) await this.transport.send({ jsonrpc: '2.0', method: 'notifications/initialized' });
    })().finally(() => {
      this.reopening = undefined;
    });
    return this.reopening;
  }
}

/** What the local client is told when Airlock did not take a message: Airlock's own words when it sent some. */
function refusalText(error: unknown, endpoint: URL): string {
  const message = (error as Error).message ?? String(error);
  const json = message.indexOf('{');
  if (json >= 0) {
    try {
      const body = JSON.parse(message.slice(json)) as { error?: { message?: unknown } };
      if (typeof body.error?.message === 'string') return body.error.message;
    } catch {
      // Not Airlock's JSON answer: fall through to the transport's message.
    }
  }
  return (
    `Airlock at ${endpoint.origin} could not be reached (${message}), so nothing was forwarded. ` +
    'Stop. Do not retry this operation and do not look for other credentials; ask your operator to check Airlock.'
  );
}

function redactToken(text: string, token: string): string {
  return text.split(token).join('[redacted]');
}
