import { StreamableHTTPError, type StreamableHTTPClientTransport } from '@modelcontextprotocol/sdk/client/streamableHttp.js';
import { CallToolResultSchema, ErrorCode, JSONRPCMessageSchema, McpError, type CallToolResult } from '@modelcontextprotocol/sdk/types.js';
import { Call, post, type Reply } from './post.js';
import { readEvents } from './sse.js';

/**
 * A `tools/call` POSTed to a Streamable HTTP upstream by the door itself, on the session the
 * SDK client opened, instead of through the client's request machinery (its per-request
 * Headers, WHATWG Response and stream, a validation of the envelope against every JSON-RPC
 * message shape): about 0.15 ms of CPU a call. What the server answers is read as the SDK
 * reads it: one JSON body or an event stream; the result validated as a tool result, the
 * server's JSON-RPC error passed on as an McpError, 404 and every other refusal as the SDK's
 * StreamableHTTPError, a timeout as the SDK's (and the server told to cancel). Anything else
 * the server sends on the way (a notification, a request of its own) is handed to the SDK
 * client as its transport would hand it.
 *
 * Left to the SDK: every other request, the initialize and session, the standalone event
 * stream. A 307 or 308 within the server's origin is followed, as the SDK's fetch follows it.
 * Not done as the SDK does: an event stream that ends before the answer is not resumed from its
 * last event (the call fails as one that may have run).
 */

export interface UpstreamTarget {
  readonly url: URL;
  /** The config's headers (with their secrets), as the SDK transport sends them. */
  readonly headers: Readonly<Record<string, string>>;
  readonly transport: StreamableHTTPClientTransport;
  /** Calls in flight, aborted when the client is closed, as the SDK aborts its requests then (a Set: cheaper than a listener per call). */
  readonly inFlight: Set<Call>;
  readonly closed: () => boolean;
  /** Sends a notification on the client (the cancellation of a call that timed out). */
  readonly notify: (message: { method: 'notifications/cancelled'; params: { requestId: string; reason: string } }) => Promise<void>;
}

let nextId = 0;
const MAX_REDIRECTS = 5;

export async function postToolCall(target: UpstreamTarget, name: string, args: Record<string, unknown>, timeoutMs: number): Promise<CallToolResult> {
  // A string id: the SDK numbers its own requests on the same session, so the two never meet.
  const id = `airlock-${++nextId}`;
  const { transport } = target;
  const headers: Record<string, string> = {};
  if (transport.sessionId) headers['mcp-session-id'] = transport.sessionId;
  if (transport.protocolVersion) headers['mcp-protocol-version'] = transport.protocolVersion;
  for (const key in target.headers) headers[key.toLowerCase()] = target.headers[key]!;
  headers['content-type'] = 'application/json';
  headers.accept = 'application/json, text/event-stream';

  const call = new Call();
  let timedOut = false;
  const timer = setTimeout(() => {
    timedOut = true;
    call.abort();
  }, timeoutMs);
  if (target.closed()) call.abort();
  target.inFlight.add(call);
  try {
    const body = JSON.stringify({ jsonrpc: '2.0', id, method: 'tools/call', params: { name, arguments: args } });
    let url = target.url;
    let answer = await post(url, headers, body, call);
    // As the SDK's fetch does: a 307 or 308 within the server's origin is followed, the body sent again.
    for (let hop = 0; hop < MAX_REDIRECTS; hop++) {
      const next = redirectWithinOrigin(url, answer);
      if (!next) break;
      answer.stream?.destroy();
      url = next;
      answer = await post(url, headers, body, call);
    }
    const response = await readAnswer(answer, id, transport, call);
    if ('error' in response) throw new McpError(response.error.code, response.error.message, response.error.data);
    return CallToolResultSchema.parse(response.result);
  } catch (error) {
    if (!timedOut) throw error;
    // As the SDK does on a timeout: the server is told, and the caller gets RequestTimeout.
    void target.notify({ method: 'notifications/cancelled', params: { requestId: id, reason: `Request timed out` } }).catch(() => undefined);
    throw new McpError(ErrorCode.RequestTimeout, 'Request timed out', { timeout: timeoutMs });
  } finally {
    clearTimeout(timer);
    target.inFlight.delete(call);
  }
}

function redirectWithinOrigin(from: URL, answer: Reply): URL | undefined {
  if (answer.status !== 307 && answer.status !== 308) return undefined;
  const location = answer.headers.location;
  if (typeof location !== 'string') return undefined;
  let to: URL;
  try {
    to = new URL(location, from);
  } catch {
    return undefined;
  }
  if ((to.username || to.password) && (to.username !== from.username || to.password !== from.password)) return undefined;
  const sameOrigin = from.protocol === to.protocol && from.hostname === to.hostname && from.port === to.port;
  const upgraded = from.hostname === to.hostname && from.protocol === 'http:' && from.port === '' && to.protocol === 'https:' && to.port === '';
  return sameOrigin || upgraded ? to : undefined;
}

type Answer = { result: unknown } | { error: { code: number; message: string; data?: unknown } };

async function readAnswer(answer: Reply, id: string, transport: StreamableHTTPClientTransport, call: Call): Promise<Answer> {
  const { status, type } = answer;
  if (status < 200 || status > 299) {
    answer.stream?.destroy();
    const text = answer.text ? await answer.text.catch(() => null) : null;
    throw new StreamableHTTPError(status, `Error POSTing to endpoint: ${text}`);
  }
  if (type === 'application/json' && answer.text) {
    const data = JSON.parse(await answer.text) as unknown;
    const found = ours(Array.isArray(data) ? data : [data], id, transport);
    if (found) return found;
    throw new Error('the upstream answered without the answer to this call');
  }
  if (answer.stream) {
    for await (const data of readEvents(answer.stream)) {
      const found = ours([JSON.parse(data)], id, transport);
      if (!found) continue;
      // The server ends the stream after the answer; what it might still send is not waited for.
      answer.stream.destroy();
      call.abort();
      return found;
    }
    throw new Error("the upstream's event stream ended before the answer to this call");
  }
  throw new StreamableHTTPError(-1, `Unexpected content type: ${answer.headers['content-type']}`);
}

/** The answer to this call among the messages; the others go to the SDK client, as its transport would pass them. */
function ours(messages: readonly unknown[], id: string, transport: StreamableHTTPClientTransport): Answer | undefined {
  let found: Answer | undefined;
  for (const message of messages) {
    const m = message as { jsonrpc?: unknown; id?: unknown; result?: unknown; error?: { code?: unknown; message?: unknown }; method?: unknown };
    if (found === undefined && m?.jsonrpc === '2.0' && m.id === id && m.method === undefined) {
      // The envelope as the SDK's schema has it; the result itself is validated as a tool result.
      if (isObject(m.result) && m.error === undefined) {
        found = { result: m.result };
        continue;
      }
      if (isObject(m.error) && Number.isInteger(m.error.code) && typeof m.error.message === 'string' && m.result === undefined) {
        found = message as Answer;
        continue;
      }
      JSONRPCMessageSchema.parse(message);
      throw new Error('the upstream answered this call with a message that is not an answer');
    }
    transport.onmessage?.(JSONRPCMessageSchema.parse(message));
  }
  return found;
}

function isObject(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}
