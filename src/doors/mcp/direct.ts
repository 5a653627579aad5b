import type { IncomingMessage, ServerResponse } from 'node:http';
import { isJsonContentType } from '@modelcontextprotocol/sdk/shared/mediaType.js';
import { ErrorCode, RELATED_TASK_META_KEY, SUPPORTED_PROTOCOL_VERSIONS, type JSONRPCMessage, type RequestId } from '@modelcontextprotocol/sdk/types.js';
import { callTool, type Caller, type DoorContext } from './call.js';

/**
 * The door's own answer to the one request an agent sends most: a single `tools/call` POSTed on
 * a session this replica holds. It runs the same `callTool` as the SDK server's handler
 * (agent-server.ts) and answers with one JSON body, as the Streamable HTTP transport lets a
 * server answer a POST; it skips only the SDK's conversion of the request to a web `Request`,
 * its three validations of the message and its response plumbing, which cost more than the
 * call's own work. Anything the SDK would answer differently (another method, a batch, a
 * header it refuses, progress or task metadata) is left to the SDK: `directPost` and
 * `plainToolCall` say no, and the request goes on through the session's transport unchanged.
 */

/** A `tools/call` the door answers itself. */
export interface PlainToolCall {
  readonly id: RequestId;
  readonly name: string;
  readonly arguments: Record<string, unknown> | undefined;
}

/** A tools/call in flight on the direct path, so that the client's `notifications/cancelled` reaches it. */
export interface DirectCall {
  /** The client cancelled it: it gets no JSON-RPC answer. */
  cancelled: boolean;
  /** A wait on a hold ends at once (cancelled, or its session closed). */
  waitEnded: boolean;
  controller: AbortController | undefined;
}

const REQUEST_KEYS = new Set(['jsonrpc', 'id', 'method', 'params']);
const PARAM_KEYS = new Set(['name', 'arguments', '_meta']);
const decoder = new TextDecoder();

/**
 * Whether a request's headers are ones the SDK transport would accept for a POST on an
 * initialized session (its Accept, Content-Type and protocol version checks), with a body small
 * enough to read; any other request is the SDK's to refuse in its own words.
 */
export function directPost(request: IncomingMessage, maxBodyBytes: number): boolean {
  if (request.method !== 'POST') return false;
  const accept = request.headers.accept;
  // The SDK's own test: both types named somewhere in the header.
  if (!accept?.includes('application/json') || !accept.includes('text/event-stream')) return false;
  if (!isJsonContentType(request.headers['content-type'])) return false;
  const version = request.headers['mcp-protocol-version'];
  if (version !== undefined && (typeof version !== 'string' || !SUPPORTED_PROTOCOL_VERSIONS.includes(version))) return false;
  return !(Number(request.headers['content-length']) > maxBodyBytes);
}

/** The body as text (decoded as the SDK does, a leading byte-order mark dropped); undefined past the limit. */
export function readBody(request: IncomingMessage, maxBytes: number): Promise<string | undefined> {
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    let size = 0;
    const onData = (chunk: Buffer) => {
      size += chunk.length;
      if (size > maxBytes) {
        request.off('data', onData);
        request.off('end', onEnd);
        request.resume();
        resolve(undefined);
      } else chunks.push(chunk);
    };
    const onEnd = () => resolve(decoder.decode(chunks.length === 1 ? chunks[0] : Buffer.concat(chunks)));
    request.on('data', onData);
    request.once('end', onEnd);
    request.once('error', reject);
  });
}

function isPlainObject(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

function onlyKeys(value: Record<string, unknown>, allowed: ReadonlySet<string>): boolean {
  for (const key in value) if (!allowed.has(key)) return false;
  return true;
}

/**
 * The message as a tools/call the SDK would hand its handler unchanged: a valid JSON-RPC request
 * (its strict shape, an integer or string id), a string name, arguments that are an object, and
 * no progress token, task or related task (whose plumbing is the SDK's). Undefined otherwise.
 */
export function plainToolCall(message: unknown): PlainToolCall | undefined {
  if (!isPlainObject(message) || message.jsonrpc !== '2.0' || message.method !== 'tools/call' || !onlyKeys(message, REQUEST_KEYS)) return undefined;
  const { id, params } = message;
  if (!(typeof id === 'string' || (typeof id === 'number' && Number.isSafeInteger(id)))) return undefined;
  if (!isPlainObject(params) || typeof params.name !== 'string' || !onlyKeys(params, PARAM_KEYS)) return undefined;
  const args = params.arguments;
  // The SDK copies arguments key by key, so a `__proto__` key would reach the handler differently.
  if (args !== undefined && (!isPlainObject(args) || Object.hasOwn(args, '__proto__'))) return undefined;
  const meta = params._meta;
  if (meta !== undefined && (!isPlainObject(meta) || 'progressToken' in meta || RELATED_TASK_META_KEY in meta)) return undefined;
  return { id, name: params.name, arguments: args };
}

/**
 * Runs the call through `callTool` and answers it as the SDK server does: the result, or the
 * error the handler threw as a JSON-RPC error (the SDK's conversion, code and message as they
 * are). A call the client cancelled meanwhile gets no JSON-RPC answer, as with the SDK; its
 * HTTP request is ended with 202 rather than left open.
 */
export async function answerToolCall(
  context: DoorContext,
  caller: Caller,
  call: PlainToolCall,
  inFlight: Map<RequestId, DirectCall>,
  response: ServerResponse,
  sessionId: string,
): Promise<void> {
  const entry: DirectCall = { cancelled: false, waitEnded: false, controller: undefined };
  inFlight.set(call.id, entry);
  // Built only for a call that waits on a hold: the agent hanging up, or cancelling, ends the wait.
  const signal = () => {
    entry.controller ??= new AbortController();
    const controller = entry.controller;
    if (entry.waitEnded) controller.abort();
    response.once('close', () => controller.abort());
    return controller.signal;
  };
  let answer: JSONRPCMessage;
  try {
    answer = { result: await callTool(context, caller, call.name, call.arguments, signal), jsonrpc: '2.0', id: call.id };
  } catch (error) {
    answer = { jsonrpc: '2.0', id: call.id, error: jsonRpcErrorOf(error) };
  } finally {
    if (inFlight.get(call.id) === entry) inFlight.delete(call.id);
  }
  if (entry.cancelled) {
    response.writeHead(202).end();
    return;
  }
  const body = JSON.stringify(answer);
  response.writeHead(200, { 'content-type': 'application/json', 'mcp-session-id': sessionId, 'content-length': Buffer.byteLength(body) });
  response.end(body);
}

/** A thrown error as the SDK's Protocol answers it (shared/protocol.js). */
function jsonRpcErrorOf(error: unknown): { code: number; message: string; data?: unknown } {
  const { code, message, data } = (error ?? {}) as { code?: unknown; message?: unknown; data?: unknown };
  return {
    code: Number.isSafeInteger(code) ? (code as number) : ErrorCode.InternalError,
    message: (message as string | undefined) ?? 'Internal error',
    ...(data !== undefined ? { data } : {}),
  };
}

/** The client cancelled a request: a direct call with that id stops waiting and is not answered. */
export function cancelDirectCall(inFlight: Map<RequestId, DirectCall>, requestId: RequestId | undefined): void {
  const entry = requestId === undefined ? undefined : inFlight.get(requestId);
  if (!entry) return;
  entry.cancelled = true;
  endWait(entry);
}

/** The call's session is closing: a wait on a hold ends (the call is answered with its hold). */
export function endWait(entry: DirectCall): void {
  entry.waitEnded = true;
  entry.controller?.abort();
}
