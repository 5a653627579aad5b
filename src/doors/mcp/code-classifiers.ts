import { classifyGraphQLDocument } from '../../classify/graphql/index.js';
import { classifyShell, type KnownSecret, type ShellContext, type ShellUpstream } from '../../classify/shell/index.js';
import { classifySql, loadSqlClassifier } from '../../classify/sql/index.js';
import type { AirlockConfig } from '../../config/load.js';
import type { OperationClass } from '../../core/operation.js';
import { secretRefsOf } from '../../config/load.js';
import { resolveSecret } from '../../config/secret.js';
import type { McpUpstreamConfig } from '../../config/upstreams/mcp.js';
import type { CodeClassifiers } from './classify.js';

/**
 * Where a shell tool's commands run when its upstream names no `workspace`: nowhere Airlock
 * knows, and a working directory outside it, so that every path, relative or not, is outside
 * any workspace and `rm -r` of it is destructive.
 */
const NO_WORKSPACE = '/nonexistent/airlock-mcp-no-workspace';
const UNKNOWN_CWD = '/nonexistent/airlock-mcp-unknown-cwd';

/** Makes the classifiers for code in arguments, per upstream. */
export type CodeClassifiersFor = (upstream: McpUpstreamConfig) => CodeClassifiers;

/**
 * Airlock's own classifiers, shared with every other door, so that the SQL, GraphQL or shell
 * command an agent sends through an MCP tool gets the verdict it would get through the
 * PostgreSQL door, the HTTP door or the hook door.
 */
export async function loadCodeClassifiers(config: AirlockConfig): Promise<CodeClassifiersFor> {
  await loadSqlClassifier();
  const upstreams = shellUpstreamsOf(config);
  const secrets = knownSecretsOf(config);
  const cache = new Map<string, CodeClassifiers>();
  return (upstream) => {
    let classifiers = cache.get(upstream.name);
    if (!classifiers) {
      const context: ShellContext = {
        workspace: upstream.workspace ?? NO_WORKSPACE,
        cwd: upstream.workspace ?? UNKNOWN_CWD,
        protectedBranches: config.shell.protectedBranches,
        upstreams,
        secrets,
      };
      classifiers = {
        sql: (text) => classifySql(text),
        graphql: (query, variables, operationName) => classifyGraphQLDocument(query, variables, operationName),
        shell: async (command) => {
          const result = await classifyShell(command, context);
          return result.ok ? { ok: true, parts: result.parts } : { ok: false, error: result.error };
        },
      };
      cache.set(upstream.name, classifiers);
    }
    return classifiers;
  };
}

/** The upstreams Airlock guards, so that a `curl` in a shell tool's command is judged as the door would. */
function shellUpstreamsOf(config: AirlockConfig): ShellUpstream[] {
  // biome-ignore lint/suspicious/useIterableCallbackReturn: the switch covers every upstream kind, and TypeScript checks that it does
  return config.upstreams.map((u): ShellUpstream => {
    switch (u.kind) {
      case 'graphql':
        return {
          name: u.name,
          kind: 'graphql',
          url: u.url,
          hosts: u.hosts,
          graphql: { classify: u.classify as Record<string, OperationClass>, persistedQueries: u.persistedQueries },
        };
      case 'rest':
        return { name: u.name, kind: 'rest', url: u.url, hosts: u.hosts };
      case 'postgres':
        return { name: u.name, kind: 'postgres', host: u.host, port: u.port, database: u.database };
      case 'mcp':
        return { name: u.name, kind: 'mcp', ...(u.transport.type === 'http' ? { url: u.transport.url } : {}) };
      case 'aws':
        return { name: u.name, kind: 'aws' };
    }
  });
}

/** The real credentials Airlock holds: a command carrying one is refused, never forwarded. */
export function knownSecretsOf(config: AirlockConfig): KnownSecret[] {
  const out: KnownSecret[] = [];
  for (const { key, ref } of secretRefsOf(config)) {
    try {
      out.push({ label: key, value: resolveSecret(ref).reveal() });
    } catch {
      // A secret that cannot be read now cannot be carried in a command either.
    }
  }
  return out;
}
