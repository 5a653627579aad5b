import type { IncomingHttpHeaders } from 'node:http';

/**
 * Header handling for a proxy, as RFC 9110 §7.6.1 says: hop-by-hop fields, and every field the
 * Connection header names, belong to one connection and are not forwarded.
 */
const HOP_BY_HOP = new Set([
  'connection',
  'keep-alive',
  'proxy-connection',
  'te',
  'trailer',
  'transfer-encoding',
  'upgrade',
  'proxy-authorization',
  'proxy-authenticate',
]);

/** Headers Airlock sets itself, or that carry Airlock's own signals, never passed through from the agent. */
const REPLACED_ON_REQUEST = new Set([
  'host',
  'authorization', // the agent's Airlock token; the upstream's credential is injected instead
  'content-length', // recomputed for the body as judged
  'content-encoding', // the body is forwarded decoded, exactly as judged
  'accept-encoding', // identity, so that responses can be checked for the credential
  'expect',
]);

/** Method-override headers that turn a POST into a DELETE on many frameworks. */
export const METHOD_OVERRIDE_HEADERS = ['x-http-method-override', 'x-http-method', 'x-method-override'] as const;

export type HeaderMap = Record<string, string | string[]>;

const NONE: ReadonlySet<string> = new Set();

function connectionListed(headers: IncomingHttpHeaders | Record<string, unknown>): ReadonlySet<string> {
  const value = headers.connection;
  if (value === undefined) return NONE;
  const text = Array.isArray(value) ? value.join(',') : typeof value === 'string' ? value : '';
  return new Set(
    text
      .split(',')
      .map((token) => token.trim().toLowerCase())
      .filter(Boolean),
  );
}

/**
 * The agent's headers as they may reach the upstream: no hop-by-hop fields, no token, no
 * `airlock-*` fields, and none named `drop` (the header the upstream's credential travels in,
 * so that an agent cannot supply its own).
 */
export function requestHeadersToForward(headers: IncomingHttpHeaders, drop: readonly string[] = []): HeaderMap {
  const listed = connectionListed(headers);
  const dropped = drop.map((name) => name.toLowerCase());
  const out: HeaderMap = {};
  // Node gives request header names in lower case.
  for (const name of Object.keys(headers)) {
    const value = headers[name];
    if (value === undefined) continue;
    if (HOP_BY_HOP.has(name) || listed.has(name) || REPLACED_ON_REQUEST.has(name) || dropped.includes(name) || name.startsWith('airlock-')) continue;
    out[name] = value;
  }
  return out;
}

/** The upstream's response headers as they may reach the agent. */
export function responseHeadersToReturn(headers: Record<string, string | string[] | undefined>): HeaderMap {
  const listed = connectionListed(headers);
  const out: HeaderMap = {};
  for (const name of Object.keys(headers)) {
    const value = headers[name];
    if (value === undefined) continue;
    const lower = name.toLowerCase();
    if (HOP_BY_HOP.has(lower) || listed.has(lower)) continue;
    out[lower] = value;
  }
  return out;
}

export function headerValue(headers: IncomingHttpHeaders, name: string): string | undefined {
  const value = headers[name];
  return Array.isArray(value) ? value.join(', ') : value;
}
