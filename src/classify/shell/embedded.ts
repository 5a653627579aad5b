import type { OperationClass } from '../../core/operation.js';
import { classifyGraphQLRequest } from '../graphql/index.js';
import { classifyRest, type RestClassifyOptions } from '../rest/index.js';
import { classifySql, loadSqlClassifier } from '../sql/index.js';
import { unclassifiable, type ClassifyResult } from '../result.js';
import type { ShellUpstream } from './context.js';
import { withoutTrailing } from '../../core/text.js';

/**
 * The other classifiers a shell command can carry: a `curl` body is GraphQL or REST, a
 * `psql -c` argument is SQL. The shell classifier never judges those itself, so one call gets
 * one verdict whichever way it arrives.
 */

export interface HttpRequestShape {
  readonly method: string;
  readonly url: URL;
  readonly contentType: string | undefined;
  readonly body: string | undefined;
}

export function classifyHttpForUpstream(upstream: Extract<ShellUpstream, { kind: 'graphql' | 'rest' }>, request: HttpRequestShape): ClassifyResult {
  if (upstream.kind === 'graphql') return classifyGraphQLAt(request, upstream.graphql ?? {});
  const base = new URL(upstream.url);
  const basePath = withoutTrailing(base.pathname, '/');
  const path = request.url.pathname.startsWith(basePath) ? request.url.pathname.slice(basePath.length) || '/' : request.url.pathname;
  return classifyRest(request.method, path + request.url.search, (upstream.rest ?? {}) as RestClassifyOptions);
}

export function classifyGraphQLAt(request: HttpRequestShape, options: Parameters<typeof classifyGraphQLRequest>[1]): ClassifyResult {
  return classifyGraphQLRequest(
    {
      method: request.method,
      contentType: request.contentType,
      body: request.body,
      search: request.url.searchParams,
    },
    options,
  );
}

/** Whether a body is shaped like a GraphQL request, sent to a host Airlock does not guard. */
export function looksLikeGraphQL(body: string | undefined, url: URL): boolean {
  if (/graphql/i.test(url.pathname)) return true;
  if (!body) return false;
  try {
    const parsed = JSON.parse(body) as unknown;
    const first = Array.isArray(parsed) ? parsed[0] : parsed;
    return typeof first === 'object' && first !== null && typeof (first as { query?: unknown }).query === 'string';
  } catch {
    return /^\s*(query|mutation|subscription)\b/.test(body);
  }
}

/** The SQL classifier (its parser loads once, asynchronously). */
export async function classifySqlText(text: string): Promise<ClassifyResult> {
  try {
    await loadSqlClassifier();
  } catch (error) {
    return unclassifiable(`the SQL classifier could not be loaded (${(error as Error).message})`);
  }
  return classifySql(text);
}

export function classOf(result: ClassifyResult): OperationClass | undefined {
  if (!result.ok) return undefined;
  const order: OperationClass[] = ['read', 'write', 'privilege', 'destructive'];
  return result.parts.reduce<OperationClass>((worst, p) => (order.indexOf(p.class) > order.indexOf(worst) ? p.class : worst), 'read');
}
