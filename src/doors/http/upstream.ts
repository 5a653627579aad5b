import { buildClientSchema, getIntrospectionQuery, type GraphQLSchema, type IntrospectionQuery } from 'graphql';
import { Pool } from 'undici';
import type { GraphQLClassifyOptions } from '../../classify/graphql/index.js';
import { loadGraphQLSchema } from '../../classify/graphql/index.js';
import { loadOpenApi, type RestClassifyOptions } from '../../classify/rest/index.js';
import { resolveSecret, type Secret } from '../../config/secret.js';
import type { GraphqlUpstreamConfig, HttpCredentialConfig, RestUpstreamConfig } from '../../config/upstreams/index.js';
import { EnvironmentResolver, type Resolver } from './environments.js';
import { Redactor } from '../../redact/index.js';
import { withoutTrailing } from '../../core/text.js';

export type HttpUpstreamConfig = GraphqlUpstreamConfig | RestUpstreamConfig;

/** The credential Airlock injects: one header, its value revealed only when a request is sent. */
export interface InjectedCredential {
  readonly header: string;
  value(): string;
}

/** One upstream behind the HTTP door, ready to judge and forward to. */
export interface HttpUpstream {
  readonly name: string;
  readonly config: HttpUpstreamConfig;
  readonly origin: string;
  /** The upstream URL's path without a trailing slash ('' for the root). */
  readonly basePath: string;
  /** Set when requests to this upstream cannot be judged or sent; they are refused with this reason. */
  unavailable: string | undefined;
  /** Set when the credential cannot be read: nothing can be sent to this upstream. */
  readonly credentialProblem: string | undefined;
  readonly credential: InjectedCredential | undefined;
  readonly redactor: Redactor;
  graphql: GraphQLClassifyOptions;
  rest: RestClassifyOptions;
  readonly environments: EnvironmentResolver;
  readonly pool: Pool;
  /**
   * Reads what requests are judged with before the first one: the schema by introspection (for
   * `introspect: true`, retried at most every 30 s) or the OpenAPI description (`openapi:`).
   */
  ensureSchema: () => Promise<void>;
}

export interface UpstreamSetup {
  readonly timeoutMs: number;
  readonly clock?: () => Date;
  readonly env?: NodeJS.ProcessEnv;
  /** The one redactor every door shares (redactorFor); this upstream's credential is added to it. */
  readonly redactor?: Redactor;
  readonly onProblem?: (upstream: string, problem: string) => void;
}

export function credentialOf(
  config: HttpCredentialConfig | undefined,
  env?: NodeJS.ProcessEnv,
): { credential: InjectedCredential; secrets: string[] } | undefined {
  if (!config) return undefined;
  if ('bearer' in config) {
    const secret = resolveSecret(config.bearer, env);
    return { credential: { header: 'authorization', value: () => `Bearer ${secret.reveal()}` }, secrets: [secret.reveal()] };
  }
  if ('header' in config) {
    const secret = resolveSecret(config.value, env);
    return { credential: { header: config.header.toLowerCase(), value: () => secret.reveal() }, secrets: [secret.reveal()] };
  }
  const password: Secret = resolveSecret(config.basic.password, env);
  const encoded = () => Buffer.from(`${config.basic.username}:${password.reveal()}`).toString('base64');
  return { credential: { header: 'authorization', value: () => `Basic ${encoded()}` }, secrets: [password.reveal(), encoded()] };
}

/**
 * Sets up an upstream: its credential, schema, classification options, environment resolvers
 * and connection pool. A credential or schema that cannot be read does not stop Airlock: that
 * upstream's requests are refused, the others work.
 */
export function createUpstream(config: HttpUpstreamConfig, setup: UpstreamSetup): HttpUpstream {
  const url = new URL(config.url);
  const problems: string[] = [];
  let credential: InjectedCredential | undefined;
  let secrets: string[] = [];
  let credentialProblem: string | undefined;
  try {
    const resolved = credentialOf(config.credential, setup.env);
    credential = resolved?.credential;
    secrets = resolved?.secrets ?? [];
  } catch (error) {
    setup.onProblem?.(config.name, (error as Error).message);
    credentialProblem = `Airlock has no credential for the upstream ${config.name}; an operator must configure it`;
    problems.push(credentialProblem);
  }
  let schema: GraphQLSchema | undefined;
  if (config.kind === 'graphql' && config.schema) {
    try {
      schema = loadGraphQLSchema(config.schema);
    } catch (error) {
      setup.onProblem?.(config.name, (error as Error).message);
      problems.push(`Airlock cannot read the schema of the upstream ${config.name}, so it cannot judge requests to it`);
    }
  }
  const pool = new Pool(url.origin, {
    connections: 256,
    // HTTP/2 where the upstream offers it in TLS (ALPN), HTTP/1.1 otherwise.
    allowH2: true,
    keepAliveTimeout: 30_000,
    headersTimeout: setup.timeoutMs,
    bodyTimeout: setup.timeoutMs,
    connect: { timeout: Math.min(setup.timeoutMs, 10_000) },
  });
  const introspecting = config.kind === 'graphql' && config.introspect && !config.schema;
  if (introspecting && !problems.length) problems.push(`Airlock has not yet read the schema of the upstream ${config.name}, so it cannot judge requests to it`);
  const basePath = withoutTrailing(url.pathname, '/');
  const target: ResolverTarget = { pool, basePath, credential, timeoutMs: Math.min(setup.timeoutMs, 5_000) };
  const resolvers = (config.resolve?.resources ?? []).map(
    (entry): Resolver => ({
      name: entry.name,
      keys: entry.keys,
      environment: entry.environment,
      narrows: entry.narrows,
      fetch: (id) => ('query' in entry ? resolveByGraphQL(target, entry.query, id) : resolveByGet(target, entry.get, id)),
    }),
  );
  const upstream: HttpUpstream = {
    name: config.name,
    config,
    origin: url.origin,
    basePath,
    unavailable: problems[0],
    credentialProblem,
    credential,
    redactor: withCredential(setup.redactor, secrets),
    graphql:
      config.kind === 'graphql'
        ? { classify: config.classify as GraphQLClassifyOptions['classify'], persistedQueries: config.persistedQueries, ...(schema ? { schema } : {}) }
        : {},
    rest: config.kind === 'rest' ? { rules: config.rules as RestClassifyOptions['rules'], caseInsensitivePaths: config.caseInsensitivePaths } : {},
    environments: new EnvironmentResolver(
      { environment: config.environment, environments: config.environments },
      resolvers,
      config.resolve?.ttl ?? 300_000,
      setup.clock,
      (resolver, id, error) => setup.onProblem?.(config.name, `resolving the environment of ${resolver.name} ${id} failed: ${error.message}`),
    ),
    pool,
    ensureSchema: async () => {},
  };
  if (introspecting && !credentialProblem) upstream.ensureSchema = introspector(upstream, target, setup);
  if (config.kind === 'rest' && config.openapi) upstream.ensureSchema = openApiReader(upstream, config.openapi, setup, upstream.unavailable);
  return upstream;
}

/** Reads an upstream's OpenAPI description once; a file that cannot be read keeps the upstream refused, with why. */
function openApiReader(upstream: HttpUpstream, file: string, setup: UpstreamSetup, earlier: string | undefined): () => Promise<void> {
  upstream.unavailable ??= `Airlock has not yet read the OpenAPI description of the upstream ${upstream.name}, so it cannot judge requests to it`;
  let reading: Promise<void> | undefined;
  return () => {
    reading ??= loadOpenApi(file).then(
      (openapi) => {
        upstream.rest = { ...upstream.rest, openapi };
        upstream.unavailable = earlier;
      },
      (error: Error) => {
        setup.onProblem?.(upstream.name, error.message);
        upstream.unavailable = `Airlock cannot read the OpenAPI description of the upstream ${upstream.name}, so it cannot judge requests to it`;
      },
    );
    return reading;
  };
}

const INTROSPECTION_RETRY_MS = 30_000;

/** Reads the upstream's schema by introspection once, retrying at most every 30 s while it fails. */
function introspector(upstream: HttpUpstream, target: ResolverTarget, setup: UpstreamSetup): () => Promise<void> {
  let pending: Promise<void> | undefined;
  let nextTry = 0;
  let done = false;
  return () => {
    if (done || pending || Date.now() < nextTry) return pending ?? Promise.resolve();
    pending = (async () => {
      try {
        const response = await target.pool.request({
          method: 'POST',
          path: target.basePath || '/',
          headers: { ...baseHeaders(target), 'content-type': 'application/json' },
          body: JSON.stringify({ query: getIntrospectionQuery() }),
          headersTimeout: 10_000,
          bodyTimeout: 10_000,
        });
        const text = await response.body.text();
        if (response.statusCode !== 200) throw new Error(`the upstream answered ${response.statusCode}`);
        const json = JSON.parse(text) as { data?: IntrospectionQuery };
        if (!json.data?.__schema) throw new Error('the answer has no schema (is introspection turned off?)');
        upstream.graphql = { ...upstream.graphql, schema: buildClientSchema(json.data, { assumeValid: true }) };
        upstream.unavailable = undefined;
        done = true;
      } catch (error) {
        nextTry = Date.now() + INTROSPECTION_RETRY_MS;
        setup.onProblem?.(upstream.name, `introspecting the schema failed: ${upstream.redactor.maskString((error as Error).message)}`);
      } finally {
        pending = undefined;
      }
    })();
    return pending;
  };
}

/** What a resolver request needs: the pool, the path and the credential, as for any forwarded request. */
interface ResolverTarget {
  readonly pool: Pool;
  readonly basePath: string;
  readonly credential: InjectedCredential | undefined;
  readonly timeoutMs: number;
}

function baseHeaders(target: ResolverTarget): Record<string, string> {
  const headers: Record<string, string> = { accept: 'application/json', 'accept-encoding': 'identity' };
  if (target.credential) headers[target.credential.header] = target.credential.value();
  return headers;
}

async function resolveByGraphQL(target: ResolverTarget, query: string, id: string): Promise<unknown> {
  const response = await target.pool.request({
    method: 'POST',
    path: target.basePath || '/',
    headers: { ...baseHeaders(target), 'content-type': 'application/json' },
    body: JSON.stringify({ query, variables: { id } }),
    headersTimeout: target.timeoutMs,
    bodyTimeout: target.timeoutMs,
  });
  const text = await response.body.text();
  if (response.statusCode !== 200) throw new Error(`the upstream answered ${response.statusCode}`);
  const json = JSON.parse(text) as { data?: unknown };
  return json.data;
}

async function resolveByGet(target: ResolverTarget, template: string, id: string): Promise<unknown> {
  const response = await target.pool.request({
    method: 'GET',
    path: `${target.basePath}${template.replace('{id}', encodeURIComponent(id))}`,
    headers: baseHeaders(target),
    headersTimeout: target.timeoutMs,
    bodyTimeout: target.timeoutMs,
  });
  const text = await response.body.text();
  if (response.statusCode === 404) return undefined;
  if (response.statusCode !== 200) throw new Error(`the upstream answered ${response.statusCode}`);
  return JSON.parse(text) as unknown;
}

function withCredential(shared: Redactor | undefined, secrets: readonly string[]): Redactor {
  if (!shared) return new Redactor(secrets);
  shared.learn(secrets);
  return shared;
}
