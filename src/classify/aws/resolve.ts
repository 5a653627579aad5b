import { parseStrictJson } from '../graphql/index.js';
import type { AwsProtocol, AwsService } from './services.js';

/**
 * Which operation an AWS request asks for, read as the service reads it: the JSON protocol by
 * `X-Amz-Target`, the query protocols by `Action=`, REST services (S3, Lambda) by method and
 * path matched against the model's URI templates. A request that names no known operation, or
 * could be read as two different ones, is not resolved (and so never forwarded).
 */

export interface AwsRequest {
  readonly service: AwsService;
  readonly method: string;
  /** The path on the service, percent-encoded as sent. */
  readonly path: string;
  /** The query string's pairs, decoded, without SigV4's own parameters. */
  readonly query: readonly (readonly [string, string])[];
  /** A request header by lower-case name. */
  readonly header: (name: string) => string | undefined;
  readonly body: Buffer;
}

export interface ResolvedCall {
  readonly operation: string;
  readonly protocol: AwsProtocol;
  /** The request's parameters by member name: URI labels, form fields or top-level JSON members. */
  readonly params: ReadonlyMap<string, readonly string[]>;
  /** The JSON body or the S3 XML body, for rules that look inside it. */
  readonly body: Buffer;
}

export type Resolution = { readonly ok: true; readonly call: ResolvedCall } | { readonly ok: false; readonly error: string };

const fail = (error: string): Resolution => ({ ok: false, error });

export function resolveAwsOperation(request: AwsRequest): Resolution {
  const { service } = request;
  const protocols = service.protocols;
  const target = request.header('x-amz-target');
  if (protocols.includes('json')) {
    if (target !== undefined || !service.queryCompatible) return resolveJson(request, target);
    return resolveQuery(request, 'query');
  }
  if (target !== undefined) return fail(`${service.name} does not read X-Amz-Target; Airlock will not guess which operation this is`);
  if (protocols.includes('query') || protocols.includes('ec2')) return resolveQuery(request, protocols.includes('ec2') ? 'ec2' : 'query');
  return resolveRest(request, protocols.includes('rest-xml') ? 'rest-xml' : 'rest-json');
}

function resolveJson(request: AwsRequest, target: string | undefined): Resolution {
  const { service } = request;
  if (request.method !== 'POST') return fail(`${service.name} takes POST requests; this one is ${request.method}`);
  const prefix = `${service.targetPrefix}.`;
  if (!target?.startsWith(prefix)) return fail(`the X-Amz-Target header must name a ${service.name} operation (${prefix}<Operation>)`);
  const operation = target.slice(prefix.length);
  if (!Object.hasOwn(service.operations, operation)) return fail(`${service.name} has no operation ${operation}`);
  const params = new Map<string, string[]>();
  if (request.body.length > 0) {
    const json = parseStrictJson(request.body.toString('utf8'));
    if (!json.ok) return fail(`the body is not JSON Airlock can read: ${json.error}`);
    if (!json.value || typeof json.value !== 'object' || Array.isArray(json.value)) return fail('the body must be a JSON object');
    for (const [key, value] of Object.entries(json.value)) {
      const strings = (Array.isArray(value) ? value : [value]).filter((item): item is string => typeof item === 'string');
      if (strings.length) params.set(key, strings);
    }
  }
  return { ok: true, call: { operation, protocol: 'json', params, body: request.body } };
}

function resolveQuery(request: AwsRequest, protocol: 'query' | 'ec2'): Resolution {
  const { service } = request;
  const fields: (readonly [string, string])[] = [...request.query];
  const contentType = (request.header('content-type') ?? '').split(';')[0]!.trim().toLowerCase();
  if (request.body.length > 0) {
    if (request.method !== 'POST' || contentType !== 'application/x-www-form-urlencoded')
      return fail(`${service.name} reads a form (application/x-www-form-urlencoded); Airlock will not guess what this body asks`);
    for (const [key, value] of new URLSearchParams(request.body.toString('utf8'))) fields.push([key, value]);
  }
  const actions = new Set(fields.filter(([key]) => key === 'Action').map(([, value]) => value));
  if (actions.size === 0) return fail(`the request names no ${service.name} operation (Action=)`);
  // The query string and the form each may name one; two different names are two readings.
  if (actions.size > 1) return fail(`the request names more than one operation (${[...actions].join(', ')})`);
  const operation = [...actions][0]!;
  if (!Object.hasOwn(service.operations, operation)) return fail(`${service.name} has no operation ${operation}`);
  const params = new Map<string, string[]>();
  for (const [key, value] of fields) {
    if (key === 'Action' || key === 'Version') continue;
    // `InstanceId.1`, `Filter.1.Value.2`: the member is the first name.
    const member = key.split('.')[0]!;
    params.set(member, [...(params.get(member) ?? []), value]);
  }
  return { ok: true, call: { operation, protocol, params, body: request.body } };
}

interface Template {
  readonly operation: string;
  readonly method: string;
  /** Path segments: literal text, `{Label}`, or `{Label+}` (the rest of the path). */
  readonly segments: readonly string[];
  /** Query keys that must be present, with the value they must have when the template gives one. */
  readonly query: readonly (readonly [string, string | undefined])[];
  readonly headers: readonly string[];
}

const templates = new WeakMap<AwsService, readonly Template[]>();

function templatesOf(service: AwsService): readonly Template[] {
  let list = templates.get(service);
  if (list) return list;
  list = Object.entries(service.operations).map(([operation, text]) => {
    const [method, uri, ...headers] = text.split(' ');
    const [path, query] = uri!.split('?');
    return {
      operation,
      method: method!,
      segments: path!
        .split('/')
        .slice(1)
        .filter((segment, i, all) => segment !== '' || i < all.length - 1),
      query: (query ?? '')
        .split('&')
        .filter(Boolean)
        .map((pair) => {
          const [key, value] = pair.split('=');
          return [key!, value] as const;
        }),
      headers: headers.map((header) => header.slice(1)),
    };
  });
  templates.set(service, list);
  return list;
}

function decodeSegment(segment: string): string | undefined {
  try {
    return decodeURIComponent(segment);
  } catch {
    return undefined;
  }
}

/** The labels a template's path gives this path, or undefined when it does not match. */
function matchPath(template: Template, segments: readonly string[]): Map<string, string> | undefined {
  const labels = new Map<string, string>();
  for (let i = 0; i < template.segments.length; i++) {
    const part = template.segments[i]!;
    if (part.endsWith('+}')) {
      const rest = segments.slice(i).join('/');
      if (rest === '') return undefined;
      labels.set(part.slice(1, -2), rest);
      return labels;
    }
    const segment = segments[i];
    if (segment === undefined) return undefined;
    if (part.startsWith('{')) {
      if (segment === '') return undefined;
      labels.set(part.slice(1, -1), segment);
    } else if (part !== segment) return undefined;
  }
  return segments.length === template.segments.length ? labels : undefined;
}

function resolveRest(request: AwsRequest, protocol: 'rest-xml' | 'rest-json'): Resolution {
  const { service } = request;
  const question = request.path.indexOf('?');
  const rawPath = question < 0 ? request.path : request.path.slice(0, question);
  const decoded = rawPath.split('/').slice(1).map(decodeSegment);
  if (decoded.some((segment) => segment === undefined)) return fail('the path has a malformed percent-encoding');
  let segments = decoded as string[];
  // `/bucket/` is the bucket itself.
  if (segments.length > 1 && segments.at(-1) === '') segments = segments.slice(0, -1);
  if (segments.length === 1 && segments[0] === '') segments = [];
  const query = new Map<string, string[]>();
  for (const [key, value] of request.query) query.set(key, [...(query.get(key) ?? []), value]);
  const named = query.get('x-id');

  const matches: { template: Template; labels: Map<string, string>; score: number }[] = [];
  for (const template of templatesOf(service)) {
    if (template.method !== request.method) continue;
    const labels = matchPath(template, segments);
    if (!labels) continue;
    if (!template.query.every(([key, value]) => query.has(key) && (value === undefined || query.get(key)!.includes(value)))) continue;
    if (!template.headers.every((header) => request.header(header) !== undefined)) continue;
    const literals = template.segments.filter((part) => !part.startsWith('{')).length;
    matches.push({ template, labels, score: template.query.length * 100 + template.headers.length * 100 + literals });
  }
  if (named) {
    const chosen = matches.filter((match) => named.includes(match.template.operation));
    if (named.length !== 1 || chosen.length !== 1) return fail(`x-id=${named.join(',')} does not name the ${service.name} operation this method and path are`);
    return restCall(chosen[0]!, protocol, request.body);
  }
  if (matches.length === 0) return fail(`no ${service.name} operation is ${request.method} ${rawPath || '/'}`);
  const best = Math.max(...matches.map((match) => match.score));
  const top = matches.filter((match) => match.score === best);
  if (top.length > 1 && !sameKind(top.map((match) => match.template.operation))) {
    return fail(`${request.method} ${rawPath} could be any of ${top.map((match) => match.template.operation).join(', ')}; Airlock will not guess`);
  }
  return restCall(top[0]!, protocol, request.body);
}

/** Operations that share a reading and differ only in name (`ListBuckets`, `ListDirectoryBuckets`) may be taken as one. */
function sameKind(operations: readonly string[]): boolean {
  const verb = (name: string) => /^[A-Z][a-z]*/.exec(name)?.[0];
  return new Set(operations.map(verb)).size === 1 && ['Get', 'List', 'Head', 'Describe'].includes(verb(operations[0]!) ?? '');
}

function restCall(match: { template: Template; labels: Map<string, string> }, protocol: 'rest-xml' | 'rest-json', body: Buffer): Resolution {
  const params = new Map<string, string[]>([...match.labels].map(([key, value]) => [key, [value]]));
  return { ok: true, call: { operation: match.template.operation, protocol, params, body } };
}
