import { isIP } from 'node:net';

/** A host and port as a proxy request names them (`CONNECT host:443`, `GET http://host/…`). */
export interface Authority {
  /** Lower case, without brackets for IPv6. */
  readonly host: string;
  readonly port: number;
}

/** What the egress door does with a destination. */
export type Destination =
  | { readonly kind: 'open'; readonly upstream: string }
  | { readonly kind: 'tunnel'; readonly rule: string }
  | { readonly kind: 'deny'; readonly reason: string };

export interface EgressRules {
  /** Real host name (or host:port) → the upstream that answers for it (`hosts:`). */
  readonly upstreamHosts: ReadonlyMap<string, string>;
  /** `egress.allow` entries. */
  readonly allow: readonly string[];
}

const HOST_NAME = /^[a-z0-9]([a-z0-9-]*[a-z0-9])?(\.[a-z0-9]([a-z0-9-]*[a-z0-9])?)*$/;

/**
 * `host:port` of a CONNECT request. Only plain names and IP literals with an explicit port are
 * read; anything else (userinfo, a path, a percent sign) has more than one reading and is refused.
 */
export function parseConnectAuthority(text: string | undefined): Authority | undefined {
  const match = /^(\[[0-9a-fA-F:.]+\]|[^:[\]]+):(\d{1,5})$/.exec(text ?? '');
  if (!match) return undefined;
  return authorityOf(match[1]!, match[2]!);
}

/** The authority of an absolute-form request target (`http://host:port/path`), and its path. */
export function parseAbsoluteTarget(target: string | undefined): { authority: Authority; path: string } | undefined {
  const match = /^http:\/\/(\[[0-9a-fA-F:.]+\]|[^/?#:@[\]]+)(?::(\d{1,5}))?([/?][^#]*)?$/i.exec(target ?? '');
  if (!match) return undefined;
  const authority = authorityOf(match[1]!, match[2] ?? '80');
  if (!authority) return undefined;
  const rest = match[3] ?? '/';
  return { authority, path: rest.startsWith('?') ? `/${rest}` : rest };
}

function authorityOf(hostText: string, portText: string): Authority | undefined {
  const port = Number(portText);
  if (!Number.isInteger(port) || port < 1 || port > 65_535) return undefined;
  const host = hostText
    .replace(/^\[|\]$/g, '')
    .toLowerCase()
    .replace(/\.$/, '');
  if (!(HOST_NAME.test(host) || isIP(host) !== 0)) return undefined;
  return { host, port };
}

/** `host:port`, with brackets around an IPv6 address. */
export function authorityText({ host, port }: Authority): string {
  const name = host.includes(':') ? `[${host}]` : host;
  return `${name}:${port}`;
}

/**
 * Where a destination goes: a configured upstream's host is opened and judged; an allowed host
 * is tunnelled; every other host is refused, so nothing reaches it.
 */
export function destinationOf(authority: Authority, rules: EgressRules): Destination {
  const withPort = authorityText(authority);
  const upstream = upstreamHostFor(rules.upstreamHosts, authority.host, authority.port);
  if (upstream) return { kind: 'open', upstream: upstream.value };
  const rule = rules.allow.find((entry) => allows(entry, authority));
  if (rule) return { kind: 'tunnel', rule };
  return {
    kind: 'deny',
    reason: `${withPort} is neither an upstream Airlock guards nor a host its operators allow (egress.allow)`,
  };
}

/** An `egress.allow` entry: `host`, `*.domain` (subdomains only), each with an optional `:port`. */
export function allows(entry: string, { host, port }: Authority): boolean {
  const match = /^(.*?)(?::(\d+))?$/.exec(entry)!;
  const pattern = match[1]!.replace(/^\[|\]$/g, '');
  const ports = match[2] ? [Number(match[2])] : [443, 80];
  if (!ports.includes(port)) return false;
  if (pattern.startsWith('*.')) return host.endsWith(pattern.slice(1)) && host.length > pattern.length - 1;
  return host === pattern;
}

/** How a host matched an upstream's `hosts:`: the entry, and for `*.suffix` the part the `*` stood for. */
export interface HostMatch<T> {
  readonly value: T;
  readonly entry: string;
  /** `orders` when `orders.s3.amazonaws.com` matched `*.s3.amazonaws.com`. */
  readonly subdomain?: string;
}

/**
 * The `hosts:` entry a host answers to: `host:port`, then `host`, then the longest `*.suffix` it
 * is a subdomain of (at any depth, as bucket names have dots). Entries are lower case.
 */
export function upstreamHostFor<T>(entries: ReadonlyMap<string, T>, host: string, port?: number): HostMatch<T> | undefined {
  const name = host.toLowerCase().replace(/\.$/, '');
  for (const entry of port === undefined ? [name] : [authorityText({ host: name, port }), name]) {
    const value = entries.get(entry);
    if (value !== undefined) return { value, entry };
  }
  let best: HostMatch<T> | undefined;
  for (const [entry, value] of entries) {
    if (!entry.startsWith('*.')) continue;
    const suffix = entry.slice(1);
    if (!name.endsWith(suffix) || name.length === suffix.length) continue;
    if (!best || entry.length > best.entry.length) best = { value, entry, subdomain: name.slice(0, -suffix.length) };
  }
  return best;
}

/** The upstreams' real host names, as the egress door matches them. */
export function upstreamHostsOf(
  upstreams: readonly { readonly name: string; readonly kind: string; readonly hosts?: readonly string[] }[],
): Map<string, string> {
  const hosts = new Map<string, string>();
  for (const upstream of upstreams) {
    if (upstream.kind !== 'graphql' && upstream.kind !== 'rest' && upstream.kind !== 'aws') continue;
    for (const host of upstream.hosts ?? []) hosts.set(host.toLowerCase(), upstream.name);
  }
  return hosts;
}
