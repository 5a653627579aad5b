import type { GraphQLSchema } from 'graphql';
import { loadGraphQLSchema } from '../../classify/graphql/index.js';
import type { RestClassifyOptions } from '../../classify/rest/index.js';
import type { KnownSecret, ShellContext, ShellUpstream } from '../../classify/shell/index.js';
import type { AirlockConfig } from '../../config/load.js';
import type { OperationClass } from '../../core/operation.js';

const schemas = new Map<string, GraphQLSchema | undefined>();

function schemaOf(file: string | undefined): GraphQLSchema | undefined {
  if (!file) return undefined;
  if (!schemas.has(file)) {
    try {
      schemas.set(file, loadGraphQLSchema(file));
    } catch {
      // The HTTP door reports an unreadable schema; here the naming rules still apply.
      schemas.set(file, undefined);
    }
  }
  return schemas.get(file);
}

/** The upstreams as the shell classifier sees them, with the same classification rules as their doors. */
export function shellUpstreamsOf(config: AirlockConfig): ShellUpstream[] {
  // biome-ignore lint/suspicious/useIterableCallbackReturn: the switch covers every upstream kind, and TypeScript checks that it does
  return config.upstreams.map((u): ShellUpstream => {
    switch (u.kind) {
      case 'graphql': {
        const schema = schemaOf(u.schema);
        return {
          name: u.name,
          kind: 'graphql',
          url: u.url,
          hosts: u.hosts,
          graphql: { classify: u.classify as Record<string, OperationClass>, persistedQueries: u.persistedQueries, ...(schema ? { schema } : {}) },
        };
      }
      case 'rest': {
        const rest: RestClassifyOptions = {
          rules: u.rules.map((r) => ({ ...r, class: r.class as OperationClass })),
          caseInsensitivePaths: u.caseInsensitivePaths,
        };
        return { name: u.name, kind: 'rest', url: u.url, hosts: u.hosts, rest };
      }
      case 'postgres':
        return { name: u.name, kind: 'postgres', host: u.host, port: u.port, database: u.database };
      case 'mcp':
        return { name: u.name, kind: 'mcp', ...(u.transport.type === 'http' ? { url: u.transport.url } : {}) };
      case 'aws':
        return { name: u.name, kind: 'aws' };
    }
  });
}

/** Where Airlock itself listens: a command that goes through one of its doors is judged there. */
export function airlockHostsOf(config: AirlockConfig, actual: readonly string[] = []): string[] {
  const hosts = new Set<string>(actual);
  const { http, postgres } = config.listen;
  hosts.add(`${http.host}:${http.port}`);
  if (postgres) hosts.add(`${postgres.host}:${postgres.port}`);
  for (const listen of [http, ...(postgres ? [postgres] : [])]) {
    if (listen.host === '127.0.0.1' || listen.host === '0.0.0.0' || listen.host === '::') hosts.add(`localhost:${listen.port}`);
  }
  if (config.publicUrl) hosts.add(new URL(config.publicUrl).host);
  return [...hosts];
}

export interface HookPlace {
  readonly workspace: string;
  readonly cwd?: string;
  readonly branch?: string;
}

export function shellContextFor(config: AirlockConfig, place: HookPlace, secrets: readonly KnownSecret[], airlockHosts: readonly string[]): ShellContext {
  return {
    workspace: place.workspace,
    ...(place.cwd ? { cwd: place.cwd } : {}),
    ...(place.branch ? { branch: place.branch } : {}),
    protectedBranches: config.shell.protectedBranches,
    upstreams: shellUpstreamsOf(config),
    secrets,
    airlockHosts,
  };
}
