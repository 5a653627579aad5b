import { ErrorCode, McpError, type CallToolResult, type GetPromptResult, type ReadResourceResult } from '@modelcontextprotocol/sdk/types.js';
import { canonicalJson } from '../../audit/canonical.js';
import type { McpUpstreamConfig } from '../../config/upstreams/mcp.js';
import { requestDigest } from '../../core/digest.js';
import { resolveEnvironment } from '../../core/environment.js';
import { operationFromParts, type Operation, type OperationPart } from '../../core/operation.js';
import { refusalFor } from '../../core/refusal.js';
import type { Verdict } from '../../core/verdict.js';
import { decideAndWait } from '../../holds/wait.js';
import { moveHold } from '../../holds/lifecycle.js';
import type { Authentication } from '../../identity/authenticate.js';
import type { Runtime } from '../../server/runtime.js';
import { classifyToolCall, prepareTool, renderCall, renderToolCall, type McpToolRules, type PreparedTool } from './classify.js';
import type { CodeClassifiersFor } from './code-classifiers.js';
import { AIRLOCK_REFUSED } from './constants.js';
import type { Redactor } from '../../redact/index.js';
import type { ToolEntry, UpstreamPool } from './pool.js';
import { UpstreamUnavailableError, type UpstreamConnection } from './upstream.js';

export { AIRLOCK_REFUSED };

/** What the door holds while judging: the runtime, the upstreams and the classifiers. */
export interface DoorContext {
  readonly runtime: Runtime;
  /** Replaced whole when a config reload changes the MCP upstreams. */
  pool: UpstreamPool;
  readonly classifiers: CodeClassifiersFor;
  /** Masks the credentials Airlock holds (one redaction for every door). */
  readonly redactor: Redactor;
}

/**
 * Who is asking: the token as presented (for the gate) and what authenticating it found, with the
 * id of the HTTP request that carries the call (core/request-id.ts), which its records name.
 */
export interface Caller {
  readonly token: string;
  readonly authentication: Extract<Authentication, { ok: true }>;
  readonly requestId: string | undefined;
}

/**
 * The exact call as kept with a hold, without the agent's token: enough for an operator to
 * read and for Airlock to run it later (see replayMcpCall).
 */
export interface StoredMcpCall {
  readonly protocol: 'mcp';
  readonly method: 'tools/call';
  readonly upstream: string;
  /** The tool's name at the upstream. */
  readonly tool: string;
  /** The name the agent called (`<upstream>__<tool>`). */
  readonly name: string;
  readonly arguments: Record<string, unknown>;
}

/** The digest an approval binds to: the tool as the agent named it and its exact arguments. */
export function mcpCallDigest(name: string, args: Readonly<Record<string, unknown>>, argumentsJson = canonicalJson(args)): string {
  return requestDigest('mcp', 'tools/call', name, argumentsJson);
}

/**
 * A catalog entry's tool as classification reads it, kept per entry: the pool builds new
 * entries when an upstream's tools change, and a new pool when the config does.
 */
const preparedTools = new WeakMap<ToolEntry, PreparedTool>();

function preparedTool(entry: ToolEntry): PreparedTool {
  let prepared = preparedTools.get(entry);
  if (!prepared) {
    prepared = prepareTool(entry.item, rulesOf(entry.upstream.config));
    preparedTools.set(entry, prepared);
  }
  return prepared;
}

export function rulesOf(config: McpUpstreamConfig): McpToolRules {
  return { tools: config.tools, arguments: config.arguments, trustAnnotations: config.trustAnnotations };
}

const RETRY_HINT = 'call the same tool again with exactly the same arguments; the approval covers that one call, once.';

/** A hold or a refusal as MCP's own answer to a tool call: a result with `isError: true`. */
export function refusalResult(verdict: Exclude<Verdict, { kind: 'allow' }>): CallToolResult {
  const refusal = refusalFor(verdict, RETRY_HINT);
  return {
    isError: true,
    content: [{ type: 'text', text: `${refusal.message}\n\n${refusal.instruction}` }],
    _meta: {
      'airlock/verdict': verdict.kind,
      ...(verdict.kind === 'deny' ? { 'airlock/code': verdict.code } : {}),
      ...(refusal.holdId ? { 'airlock/holdId': refusal.holdId } : {}),
    },
  };
}

/** A request that is not a tool call (a resource read, a prompt) is refused as a JSON-RPC error. */
export function refusalError(verdict: Exclude<Verdict, { kind: 'allow' }>): McpError {
  const refusal = refusalFor(verdict);
  return new McpError(AIRLOCK_REFUSED, `${refusal.message} ${refusal.instruction}`, {
    verdict: verdict.kind,
    ...(verdict.kind === 'deny' ? { code: verdict.code } : {}),
    ...(refusal.holdId ? { holdId: refusal.holdId } : {}),
  });
}

function unavailable(reason: string): Extract<Verdict, { kind: 'deny' }> {
  return { kind: 'deny', code: 'unavailable', reasons: [reason], policies: ['airlock/mcp-upstream'] };
}

function unjudgeable(reason: string): Extract<Verdict, { kind: 'deny' }> {
  return { kind: 'deny', code: 'bad_request', reasons: [reason], policies: ['airlock/classify'] };
}

/**
 * One `tools/call`: find the tool, classify the call, ask the gate, then forward it, or answer
 * with the hold or refusal. Nothing reaches the upstream without an `allow` from the gate.
 */
export async function callTool(
  context: DoorContext,
  caller: Caller,
  name: string,
  rawArguments: unknown,
  /** Ends a wait on a hold; a function is called only when there is a wait. */
  signal?: AbortSignal | (() => AbortSignal),
): Promise<CallToolResult> {
  const { pool, runtime } = context;
  const entry = pool.tool(name);
  if (!entry) {
    const meant = pool.upstreamFor(name);
    if (meant && !meant.ready)
      return refusalResult(unavailable(`the upstream MCP server "${meant.name}" is not available (${meant.problem}), so nothing was run`));
    throw new McpError(ErrorCode.InvalidParams, `Unknown tool: ${name}`);
  }
  if (rawArguments !== undefined && (rawArguments === null || typeof rawArguments !== 'object' || Array.isArray(rawArguments))) {
    throw new McpError(ErrorCode.InvalidParams, 'tool arguments must be an object');
  }
  const args = (rawArguments ?? {}) as Record<string, unknown>;
  const upstream = entry.upstream;
  // One canonical encoding of the arguments, for the digest and for the text an operator reads.
  const json = canonicalJson(args);
  const digest = mcpCallDigest(name, args, json);
  const rendered = renderCall(name, json);
  const summary = context.redactor.maskString(rendered);

  const classification = await classifyToolCall(
    { tool: entry.item, arguments: args, exposedName: name, rendered, prepared: preparedTool(entry) },
    rulesOf(upstream.config),
    context.classifiers(upstream.config),
  );
  if (!classification.ok) {
    const verdict = unjudgeable(classification.error);
    // What could not be judged may carry anything (a credential the agent found): its values stay off the record.
    const withheld = `${name}(${Object.keys(args).sort().join(', ')}) [argument values withheld]`;
    await recordUnjudged(runtime, caller, { upstream: upstream.name, action: `mcp:${entry.item.name}`, digest, summary: withheld }, verdict);
    return refusalResult(verdict);
  }

  const parts = classification.parts.map((part) => (part.text ? { ...part, text: context.redactor.maskString(part.text) } : part));
  const operation = mcpOperation(upstream.config, parts, digest, summary);
  const request: StoredMcpCall = { protocol: 'mcp', method: 'tools/call', upstream: upstream.name, tool: entry.item.name, name, arguments: args };
  // In `wait` mode a hold keeps the call open until operators decide (or the agent gives up).
  const { verdict } = await decideAndWait(
    runtime,
    { operation, token: caller.token, authenticated: caller.authentication, request, requestId: caller.requestId },
    signal ? { signal } : {},
  );
  if (verdict.kind !== 'allow') return refusalResult(verdict);

  const sent = await sendToolCall(upstream, entry.item.name, args);
  if (verdict.holdId) {
    // An approval is for one run: if the call certainly did not reach the server, it is given
    // back, so that the identical call can still run once when the server is back.
    if ('notSent' in sent && sent.notSent) await giveBack(runtime, verdict.holdId, caller.requestId);
    else await recordOutcome(runtime, verdict.holdId, 'result' in sent ? sent.result.isError !== true : false, caller.requestId);
  }
  if ('error' in sent) throw sent.error;
  return sent.result;
}

/** Builds the operation for parts of a call to an upstream, placed in its environment by Airlock. */
export function mcpOperation(config: McpUpstreamConfig, parts: readonly OperationPart[], digest: string, summary: string): Operation {
  const resources = [...new Set(parts.flatMap((p) => p.resources))];
  return operationFromParts({
    door: 'mcp',
    upstream: config.name,
    environment: resolveEnvironment(config, resources),
    parts,
    digest,
    summary,
  });
}

/** What became of a call sent upstream. */
type Sent =
  /** The server's result, or a tool error Airlock made because the call failed on the way. */
  | { readonly result: CallToolResult; readonly notSent: boolean }
  /** The server answered with a JSON-RPC error: passed on as it is. */
  | { readonly error: McpError };

/**
 * Sends the call and returns the upstream's result as it is. Failures become tool errors that
 * say whether the call may have run; an error the upstream itself answered stays a JSON-RPC
 * error, as it would have been without Airlock.
 */
export async function forwardToolCall(upstream: UpstreamConnection, tool: string, args: Record<string, unknown>): Promise<CallToolResult> {
  const sent = await sendToolCall(upstream, tool, args);
  if ('error' in sent) throw sent.error;
  return sent.result;
}

async function sendToolCall(upstream: UpstreamConnection, tool: string, args: Record<string, unknown>): Promise<Sent> {
  try {
    return { result: await upstream.callTool(tool, args), notSent: false };
  } catch (error) {
    if (error instanceof UpstreamUnavailableError) return { result: refusalResult(unavailable(error.message)), notSent: error.notSent };
    if (error instanceof McpError && error.code === ErrorCode.RequestTimeout) {
      const text =
        `The upstream MCP server "${upstream.name}" did not answer in time; the call may or may not have run. ` +
        'Do not call it again: ask your operator to check what happened.';
      return { result: { isError: true, content: [{ type: 'text', text }] }, notSent: false };
    }
    // The server's own JSON-RPC error, already masked by the connection.
    if (error instanceof McpError) return { error };
    const why = `the call to the upstream MCP server "${upstream.name}" failed (${upstream.redact((error as Error).message)}); it may or may not have run`;
    return { result: refusalResult(unavailable(why)), notSent: false };
  }
}

async function giveBack(runtime: Runtime, holdId: string, requestId: string | undefined): Promise<void> {
  try {
    await moveHold(runtime.store, holdId, 'giveBack', { executedAt: undefined });
  } catch (error) {
    runtime.log.warn({ requestId, holdId, err: (error as Error).message }, 'could not give back the approval of an MCP call that was not sent');
  }
}

/** `resources/read`: a read, judged and recorded like any other, then passed through. */
export async function readResource(context: DoorContext, caller: Caller, uri: string): Promise<ReadResourceResult> {
  const owners = context.pool.resourceOwners(uri);
  if (owners.length === 0) throw new McpError(ErrorCode.InvalidParams, `Resource not found: ${uri}`);
  if (owners.length > 1) {
    throw refusalError(
      unjudgeable(`the resource ${uri} is offered by more than one upstream (${owners.map((o) => o.name).join(', ')}), so Airlock cannot tell which is meant`),
    );
  }
  const upstream = owners[0]!;
  const part: OperationPart = { action: 'mcp:resources/read', class: 'read', resources: [uri], why: 'reading an MCP resource', text: `read ${uri}` };
  const operation = mcpOperation(upstream.config, [part], requestDigest('mcp', 'resources/read', upstream.name, uri), `${upstream.name}: read ${uri}`);
  const { verdict } = await context.runtime.gate.decide({ operation, token: caller.token, authenticated: caller.authentication, requestId: caller.requestId });
  if (verdict.kind !== 'allow') throw refusalError(verdict);
  try {
    return await upstream.readResource(uri);
  } catch (error) {
    throw passThrough(upstream, error);
  }
}

/** `prompts/get`: a read of the upstream's prompt template with the agent's arguments. */
export async function getPrompt(context: DoorContext, caller: Caller, name: string, args: Record<string, string> | undefined): Promise<GetPromptResult> {
  const entry = context.pool.prompt(name);
  if (!entry) throw new McpError(ErrorCode.InvalidParams, `Unknown prompt: ${name}`);
  const upstream = entry.upstream;
  const part: OperationPart = {
    action: `mcp:prompt:${entry.item.name}`,
    class: 'read',
    resources: [],
    why: 'getting an MCP prompt',
    text: renderToolCall(name, args ?? {}),
  };
  const operation = mcpOperation(upstream.config, [part], requestDigest('mcp', 'prompts/get', name, canonicalJson(args ?? {})), part.text!);
  const { verdict } = await context.runtime.gate.decide({ operation, token: caller.token, authenticated: caller.authentication, requestId: caller.requestId });
  if (verdict.kind !== 'allow') throw refusalError(verdict);
  try {
    return await upstream.getPrompt(entry.item.name, args);
  } catch (error) {
    throw passThrough(upstream, error);
  }
}

function passThrough(upstream: UpstreamConnection, error: unknown): McpError {
  if (error instanceof UpstreamUnavailableError) return refusalError(unavailable(error.message));
  if (error instanceof McpError) return error;
  return refusalError(unavailable(`the upstream MCP server "${upstream.name}" failed (${upstream.redact((error as Error).message)})`));
}

/**
 * A call Airlock could not classify never reaches the gate (there is no operation to judge),
 * but it is on the record all the same: who asked, what, and why it was refused.
 */
async function recordUnjudged(
  runtime: Runtime,
  caller: Caller,
  what: { upstream: string; action: string; digest: string; summary: string },
  verdict: Extract<Verdict, { kind: 'deny' }>,
): Promise<void> {
  try {
    await runtime.audit.append({
      type: 'decision',
      agent: caller.authentication.agent.name,
      token: caller.authentication.token.id,
      door: 'mcp',
      upstream: what.upstream,
      action: what.action,
      digest: what.digest,
      summary: what.summary,
      verdict: 'deny',
      code: verdict.code,
      reasons: verdict.reasons,
      policies: verdict.policies,
      ...(caller.requestId ? { requestId: caller.requestId } : {}),
    });
  } catch (error) {
    runtime.log.error({ requestId: caller.requestId, err: (error as Error).message }, 'could not record a refused MCP call');
  }
}

/** What happened when an approved call ran, kept with its hold for operators. */
async function recordOutcome(runtime: Runtime, holdId: string, ok: boolean, requestId: string | undefined): Promise<void> {
  const outcome = { door: 'mcp', ok, at: runtime.clock().toISOString() };
  try {
    await moveHold(runtime.store, holdId, 'finish', { outcome });
  } catch (error) {
    runtime.log.warn({ requestId, holdId, err: (error as Error).message }, 'could not record the outcome of an approved MCP call');
  }
}
