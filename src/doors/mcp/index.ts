/**
 * The MCP door: one MCP server for the agent (Streamable HTTP at `/mcp`, or stdio through
 * `airlock mcp`), with every configured upstream MCP server behind it. Each `tools/call` is
 * classified, judged by the gate, recorded, and only then forwarded; a hold or a refusal is a
 * tool result with `isError: true` that tells the agent to stop and ask.
 *
 * @example
 * // airlock.yaml
 * // upstreams:
 * //   - name: fs
 * //     kind: mcp
 * //     environment: staging
 * //     transport: { type: stdio, command: npx, args: [-y, "@modelcontextprotocol/server-filesystem", /srv/app] }
 * //
 * // The agent's MCP client: { "url": "http://127.0.0.1:4100/mcp", "headers": { "Authorization": "Bearer alk_…" } }
 * // and it sees fs__read_text_file, fs__write_file, …
 */
import type { IncomingMessage, ServerResponse } from 'node:http';
import type { McpUpstreamConfig } from '../../config/upstreams/mcp.js';
import type { DoorModule, RunningDoor } from '../../server/door-module.js';
import type { Runtime } from '../../server/runtime.js';
import { requestIdOf } from '../../core/request-id.js';
import { redactorFor } from '../../redact/index.js';
import { loadCodeClassifiers, type CodeClassifiersFor } from './code-classifiers.js';
import type { DoorContext } from './call.js';
import { UpstreamPool } from './pool.js';
import { mcpHoldReplayer } from './replay.js';
import { MCP_PATH } from './constants.js';
import { AgentSessions, type SessionOptions } from './sessions.js';

export { argumentResources, classifyToolCall, codeArguments, toolClass, type CodeClassifiers, type McpToolDescription, type McpToolRules } from './classify.js';
export { mcpCallDigest, type StoredMcpCall } from './call.js';
export { exposedName, NAME_SEPARATOR } from './catalog.js';
export { AIRLOCK_REFUSED, MCP_PATH } from './constants.js';
export { replayMcpCall, type McpReplayOutcome } from './replay.js';
export { reviewTools, toolsFrom, type ToolReview } from './review.js';
export { toolVisible } from './visibility.js';

export interface McpDoorOptions extends SessionOptions {
  /** Longest Airlock waits at start for upstreams to connect before serving without them. */
  readonly startWaitMs?: number;
  /** Back-off between reconnection attempts to a failed upstream. */
  readonly retry?: { readonly firstMs: number; readonly maxMs: number };
  readonly healthMs?: number;
  /** Classifiers for code in arguments, per upstream; Airlock's own unless a caller passes others. */
  readonly classifiers?: CodeClassifiersFor;
  /** `false` sends tool calls to HTTP upstreams through the SDK client (to compare with the door's own POST). */
  readonly postToolCalls?: boolean;
}

function isMcpPath(url: string | undefined): boolean {
  if (!url) return false;
  const path = url.split('?', 1)[0];
  return path === MCP_PATH || path === `${MCP_PATH}/`;
}

/** Builds the door; `mcpDoor` is the one Airlock starts. */
export function createMcpDoor(options: McpDoorOptions = {}): DoorModule {
  return {
    name: 'mcp',
    async start(runtime: Runtime): Promise<RunningDoor> {
      const mcpUpstreams = (config: Runtime['config']) => config.upstreams.filter((u): u is McpUpstreamConfig => u.kind === 'mcp');
      const classifiers = options.classifiers ?? (await loadCodeClassifiers(runtime.config));
      const redactor = redactorFor(runtime.config);
      const poolFor = (upstreams: readonly McpUpstreamConfig[]) =>
        new UpstreamPool(upstreams, {
          log: runtime.log,
          redactor,
          timeoutMs: runtime.config.limits.upstreamTimeout,
          forwarding: (upstream) => runtime.metrics.forwarding('mcp', upstream),
          ...(options.retry ? { retry: options.retry } : {}),
          ...(options.healthMs ? { healthMs: options.healthMs } : {}),
          ...(options.postToolCalls === false ? { postToolCalls: false } : {}),
        });
      // Serve as soon as every upstream has been tried once, or after startWaitMs: one slow
      // server must not keep Airlock (and its other doors) from starting.
      const started = async (pool: UpstreamPool) => {
        let timer: NodeJS.Timeout | undefined;
        await Promise.race([pool.start(), new Promise<void>((resolve) => (timer = setTimeout(resolve, options.startWaitMs ?? 10_000)))]);
        clearTimeout(timer);
        return pool;
      };
      const context: DoorContext = { runtime, pool: poolFor(mcpUpstreams(runtime.config)), classifiers, redactor };
      const sessions = new AgentSessions(context, options);
      context.pool.onChange(() => sessions.notifyChanged());
      await started(context.pool);
      // A reload that changes the MCP upstreams connects a new pool beside the old one and swaps
      // it in; calls already on their way finish on the old one, closed once the upstream timeout has passed.
      const stopReloads = runtime.onConfigReload(async (next) => {
        const upstreams = mcpUpstreams(next);
        if (JSON.stringify(upstreams) === JSON.stringify(mcpUpstreams(runtime.config))) return { commit: () => undefined };
        const pool = await started(poolFor(upstreams));
        return {
          commit() {
            const old = context.pool;
            context.pool = pool;
            pool.onChange(() => sessions.notifyChanged());
            sessions.notifyChanged();
            setTimeout(() => void old.close(), runtime.config.limits.upstreamTimeout).unref();
          },
          abort: () => void pool.close(),
        };
      });

      return {
        handleHttp(request: IncomingMessage, response: ServerResponse): boolean {
          if (!isMcpPath(request.url)) return false;
          sessions.handle(request, response).catch((error: unknown) => {
            runtime.log.error({ requestId: requestIdOf(request), err: (error as Error).message }, 'MCP request failed');
            if (!response.headersSent) {
              response.writeHead(500, { 'content-type': 'application/json' });
              response.end(
                JSON.stringify({ jsonrpc: '2.0', id: null, error: { code: -32603, message: 'Airlock could not handle this request; nothing was forwarded' } }),
              );
            } else response.end();
          });
          return true;
        },
        replay: (hold) => mcpHoldReplayer(runtime, hold, context.pool),
        async close() {
          stopReloads();
          await sessions.close();
          await context.pool.close();
        },
      };
    },
  };
}

export const mcpDoor: DoorModule = createMcpDoor();
