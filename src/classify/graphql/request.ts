import { createHash } from 'node:crypto';
import { readMultipartFields } from './multipart.js';
import { parseStrictJson } from './strict-json.js';

/** An HTTP request as the GraphQL classifier reads it; the door has already decompressed the body. */
export interface GraphQLHttpRequest {
  readonly method: string;
  readonly contentType?: string | undefined;
  readonly body?: Uint8Array | string | undefined;
  readonly search?: URLSearchParams | undefined;
}

/** One GraphQL request (a batch holds several). */
export interface GraphQLParams {
  readonly query: string | undefined;
  readonly operationName: string | undefined;
  readonly variables: Readonly<Record<string, unknown>> | undefined;
  /** An automatic-persisted-query hash sent without its document. */
  readonly persistedHash: string | undefined;
  /** Whether the request came by GET, where only queries may run. */
  readonly viaGet: boolean;
}

export type GraphQLRequestRead = { readonly ok: true; readonly requests: readonly GraphQLParams[] } | { readonly ok: false; readonly error: string };

const PARAM_KEYS = ['query', 'operationName', 'variables', 'extensions'] as const;
const MAX_BATCH = 100;

/**
 * Finds the GraphQL request(s) in an HTTP request: a JSON body (one object or a batched array),
 * an `application/graphql` body, a multipart upload, or the query string of a GET. What a server
 * could read in more than one way — GraphQL parameters both in the URL and in the body, a key in
 * a different case, an unknown content type — is refused, not guessed at.
 */
export function readGraphQLRequest(request: GraphQLHttpRequest): GraphQLRequestRead {
  const method = request.method.toUpperCase();
  const search = request.search ?? new URLSearchParams();
  for (const key of new Set(search.keys())) {
    if (search.getAll(key).length > 1) return { ok: false, error: `the URL gives the parameter ${key} twice` };
    if (isParamKeyInOtherCase(key)) return { ok: false, error: `the URL parameter ${key} differs only in case from a GraphQL parameter` };
  }
  const body = toBytes(request.body);

  if (method === 'GET' || method === 'HEAD') {
    if (body.length > 0) return { ok: false, error: `a ${method} request with a body is not a GraphQL request Airlock can read` };
    const read = paramsFromObject(Object.fromEntries(search), true, 'URL');
    return read.ok ? { ok: true, requests: [read.params] } : read;
  }
  if (method !== 'POST') return { ok: false, error: `GraphQL requests are sent by GET or POST, not ${method}` };

  const type = parseContentType(request.contentType);
  if (!type.ok) return type;
  const urlHasParams = PARAM_KEYS.some((key) => search.has(key));
  if (body.length === 0) return { ok: false, error: 'the POST request has no body' };

  switch (type.mediaType) {
    case 'application/json': {
      if (urlHasParams) return { ok: false, error: 'the request carries GraphQL parameters both in the URL and in the body' };
      const text = decodeUtf8(body);
      if (text === undefined) return { ok: false, error: 'the body is not UTF-8' };
      const json = parseStrictJson(text);
      if (!json.ok) return json;
      return paramsFromJson(json.value);
    }
    case 'application/graphql': {
      if (search.has('query')) return { ok: false, error: 'the request carries a GraphQL document both in the URL and in the body' };
      const text = decodeUtf8(body);
      if (text === undefined) return { ok: false, error: 'the body is not UTF-8' };
      const read = paramsFromObject({ ...Object.fromEntries(search), query: text }, false, 'URL');
      return read.ok ? { ok: true, requests: [read.params] } : read;
    }
    case 'multipart/form-data': {
      if (urlHasParams) return { ok: false, error: 'the request carries GraphQL parameters both in the URL and in the body' };
      const boundary = type.params.get('boundary');
      if (!boundary) return { ok: false, error: 'the multipart request has no boundary' };
      const form = readMultipartFields(body, boundary, ['operations', 'map']);
      if (!form.ok) return form;
      const operations = form.fields.get('operations');
      if (operations === undefined) return { ok: false, error: 'the multipart request has no operations field' };
      const json = parseStrictJson(operations);
      if (!json.ok) return { ok: false, error: `operations: ${json.error}` };
      const map = form.fields.get('map');
      if (map !== undefined) {
        const mapJson = parseStrictJson(map);
        if (!mapJson.ok) return { ok: false, error: `map: ${mapJson.error}` };
        const problem = checkUploadMap(mapJson.value, json.value);
        if (problem) return { ok: false, error: problem };
      } else if (form.files.length > 0) return { ok: false, error: 'the multipart request has files but no map' };
      return paramsFromJson(json.value);
    }
    default:
      return {
        ok: false,
        error: `Airlock reads GraphQL requests sent as application/json, application/graphql or multipart/form-data, not ${type.mediaType || 'a body with no Content-Type'}`,
      };
  }
}

function toBytes(body: Uint8Array | string | undefined): Uint8Array {
  if (body === undefined) return new Uint8Array();
  return typeof body === 'string' ? Buffer.from(body, 'utf8') : body;
}

const decoder = new TextDecoder('utf-8', { fatal: true, ignoreBOM: true });
function decodeUtf8(bytes: Uint8Array): string | undefined {
  try {
    return decoder.decode(bytes);
  } catch {
    return undefined;
  }
}

type ContentType = { ok: true; mediaType: string; params: Map<string, string> } | { ok: false; error: string };

/** `type/subtype; key=value; key="quoted"` (RFC 9110 §8.3.1); a charset other than UTF-8 is refused. */
export function parseContentType(header: string | undefined): ContentType {
  if (header === undefined || header.trim() === '') return { ok: true, mediaType: '', params: new Map() };
  const [head, ...rest] = splitParams(header);
  const mediaType = head!.trim().toLowerCase();
  if (!/^[a-z0-9!#$&^_.+-]+\/[a-z0-9!#$&^_.+-]+$/.test(mediaType)) return { ok: false, error: `the Content-Type "${header}" is malformed` };
  const params = new Map<string, string>();
  for (const param of rest) {
    const eq = param.indexOf('=');
    if (eq <= 0) return { ok: false, error: `the Content-Type "${header}" is malformed` };
    const key = param.slice(0, eq).trim().toLowerCase();
    let value = param.slice(eq + 1).trim();
    if (value.startsWith('"')) {
      if (!value.endsWith('"') || value.length < 2) return { ok: false, error: `the Content-Type "${header}" is malformed` };
      value = value.slice(1, -1).replace(/\\(.)/g, '$1');
    }
    if (params.has(key)) return { ok: false, error: `the Content-Type gives ${key} twice` };
    params.set(key, value);
  }
  const charset = params.get('charset')?.toLowerCase();
  if (charset !== undefined && charset !== 'utf-8' && charset !== 'utf8') {
    return { ok: false, error: `the body's charset is ${charset}; Airlock reads GraphQL requests in UTF-8 only` };
  }
  return { ok: true, mediaType, params };
}

function splitParams(header: string): string[] {
  const out: string[] = [];
  let current = '';
  let quoted = false;
  for (let i = 0; i < header.length; i++) {
    const c = header[i]!;
    if (quoted && c === '\\') {
      current += c + (header[i + 1] ?? '');
      i++;
      continue;
    }
    if (c === '"') quoted = !quoted;
    if (c === ';' && !quoted) {
      out.push(current);
      current = '';
    } else current += c;
  }
  out.push(current);
  return out;
}

function isParamKeyInOtherCase(key: string): boolean {
  return PARAM_KEYS.some((known) => known !== key && known.toLowerCase() === key.toLowerCase());
}

function paramsFromJson(value: unknown): GraphQLRequestRead {
  if (Array.isArray(value)) {
    if (value.length === 0) return { ok: false, error: 'the batch is empty' };
    if (value.length > MAX_BATCH) return { ok: false, error: `the batch has ${value.length} requests; Airlock reads at most ${MAX_BATCH}` };
    const requests: GraphQLParams[] = [];
    for (const [index, item] of value.entries()) {
      if (!isPlainObject(item)) return { ok: false, error: `batch item ${index} is not a JSON object` };
      const read = paramsFromObject(item, false, 'body');
      if (!read.ok) return { ok: false, error: `batch item ${index}: ${read.error}` };
      requests.push(read.params);
    }
    return { ok: true, requests };
  }
  if (!isPlainObject(value)) return { ok: false, error: 'the body is not a GraphQL request (a JSON object, or an array of them)' };
  const read = paramsFromObject(value, false, 'body');
  return read.ok ? { ok: true, requests: [read.params] } : read;
}

function isPlainObject(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

type ParamsRead = { ok: true; params: GraphQLParams } | { ok: false; error: string };

/**
 * The four GraphQL-over-HTTP parameters. In the URL every value is a string, so `variables`
 * and `extensions` are JSON text there; some servers accept JSON text in a body too.
 */
function paramsFromObject(source: Record<string, unknown>, viaGet: boolean, where: 'URL' | 'body'): ParamsRead {
  for (const key of Object.keys(source)) {
    if (isParamKeyInOtherCase(key)) return { ok: false, error: `the ${where} key ${key} differs only in case from a GraphQL parameter` };
    if (where === 'body' && !(PARAM_KEYS as readonly string[]).includes(key)) {
      return { ok: false, error: `the request has the key "${key}", which is not a GraphQL parameter Airlock can judge` };
    }
  }
  const { query, operationName } = source;
  if (query !== undefined && query !== null && typeof query !== 'string') return { ok: false, error: 'query is not a string' };
  if (operationName !== undefined && operationName !== null && typeof operationName !== 'string') return { ok: false, error: 'operationName is not a string' };
  const variables = jsonParam(source.variables, 'variables');
  if (!variables.ok) return variables;
  const extensions = jsonParam(source.extensions, 'extensions');
  if (!extensions.ok) return extensions;

  let persistedHash: string | undefined;
  const persisted = extensions.value?.persistedQuery;
  if (persisted !== undefined) {
    if (!isPlainObject(persisted) || typeof persisted.sha256Hash !== 'string') return { ok: false, error: 'extensions.persistedQuery has no sha256Hash' };
    const hash = persisted.sha256Hash.toLowerCase();
    if (typeof query === 'string') {
      // A server that trusts the hash could run another document than the one sent.
      if (createHash('sha256').update(query).digest('hex') !== hash) {
        return { ok: false, error: 'extensions.persistedQuery.sha256Hash is not the hash of the query sent with it' };
      }
    } else persistedHash = hash;
  }
  if ((query === undefined || query === null || query === '') && persistedHash === undefined) {
    return { ok: false, error: 'the request has no GraphQL query' };
  }
  return {
    ok: true,
    params: {
      query: typeof query === 'string' && query !== '' ? query : undefined,
      operationName: typeof operationName === 'string' && operationName !== '' ? operationName : undefined,
      variables: variables.value,
      persistedHash,
      viaGet,
    },
  };
}

type JsonParam = { ok: true; value: Record<string, unknown> | undefined } | { ok: false; error: string };

function jsonParam(value: unknown, name: string): JsonParam {
  if (value === undefined || value === null || value === '') return { ok: true, value: undefined };
  if (typeof value === 'string') {
    const json = parseStrictJson(value);
    if (!json.ok) return { ok: false, error: `${name}: ${json.error}` };
    return jsonParam(json.value === null ? undefined : json.value, name);
  }
  if (!isPlainObject(value)) return { ok: false, error: `${name} is not a JSON object` };
  return { ok: true, value };
}

/**
 * The multipart request spec's `map`: each file replaces a `null` placeholder in the operations'
 * variables. A file mapped anywhere else would change what the server runs after Airlock read it.
 */
function checkUploadMap(map: unknown, operations: unknown): string | undefined {
  if (!isPlainObject(map)) return 'map is not a JSON object';
  for (const [file, paths] of Object.entries(map)) {
    if (!Array.isArray(paths) || paths.length === 0) return `map.${file} is not a list of paths`;
    for (const path of paths) {
      if (typeof path !== 'string') return `map.${file} has a path that is not a string`;
      const keys = path.split('.');
      const variablesAt = Array.isArray(operations) ? 1 : 0;
      if (keys[variablesAt] !== 'variables') return `map.${file} places a file at ${path}, outside the variables`;
      let node: unknown = operations;
      for (const key of keys) {
        if (!isPlainObject(node) && !Array.isArray(node)) return `map.${file} places a file at ${path}, which does not exist`;
        if (!Object.hasOwn(node, key)) return `map.${file} places a file at ${path}, which does not exist`;
        node = (node as Record<string, unknown>)[key];
      }
      if (node !== null) return `map.${file} places a file at ${path}, which is not a null placeholder`;
    }
  }
  return undefined;
}
