import { posix } from 'node:path';
import type { GraphQLClassifyOptions } from '../graphql/index.js';

/** What the shell classifier knows about the place a command runs in and what Airlock guards. */
export interface ShellContext {
  /** Absolute path of the agent's workspace (the project). `rm -r` inside it is a write. */
  readonly workspace: string;
  /** Where the command starts; the workspace when not given. */
  readonly cwd?: string;
  /** The home directory, to resolve `~`; without it `~` is outside the workspace. */
  readonly home?: string;
  /** The git branch checked out in the workspace, when the harness could tell. */
  readonly branch?: string;
  /** Branches on which a force push or a hard reset is destructive. */
  readonly protectedBranches: readonly string[];
  /** The upstreams Airlock guards, so that a `curl` to one is classified like the door would. */
  readonly upstreams: readonly ShellUpstream[];
  /**
   * The real credentials Airlock holds. A command that carries one is refused: the agent has
   * found a credential that is not its own. Never printed; secrets shorter than 8 characters
   * are ignored, since they would match ordinary text.
   */
  readonly secrets: readonly KnownSecret[];
  /** Host names (or host:port) of Airlock itself: requests to it are judged by its doors. */
  readonly airlockHosts?: readonly string[];
}

export type ShellUpstream =
  | { readonly name: string; readonly kind: 'graphql'; readonly url: string; readonly hosts: readonly string[]; readonly graphql?: GraphQLClassifyOptions }
  | { readonly name: string; readonly kind: 'rest'; readonly url: string; readonly hosts: readonly string[]; readonly rest?: unknown }
  | { readonly name: string; readonly kind: 'postgres'; readonly host: string; readonly port: number; readonly database: string }
  | { readonly name: string; readonly kind: 'mcp'; readonly url?: string }
  | { readonly name: string; readonly kind: 'aws' };

export interface KnownSecret {
  /** Where Airlock uses it, for the audit record: `upstream railway`. */
  readonly label: string;
  readonly value: string;
}

export const DEFAULT_PROTECTED_BRANCHES: readonly string[] = ['main', 'master', 'production', 'prod', 'release', 'release/*'];

/** A path as the shell would resolve it, or undefined when it cannot be known. */
export function resolvePath(path: string, cwd: string | undefined, home: string | undefined, tilde: boolean): string | undefined {
  let p = path;
  if (tilde) {
    if (!home) return undefined;
    if (p === '~' || p.startsWith('~/')) p = home + p.slice(1);
    else return undefined; // ~user
  }
  if (p.startsWith('/')) return posix.normalize(p);
  if (cwd === undefined) return undefined;
  return posix.normalize(posix.join(cwd, p));
}

export function isInside(path: string, root: string): boolean {
  const r = root.endsWith('/') && root.length > 1 ? root.slice(0, -1) : root;
  return path === r || path.startsWith(`${r}/`);
}

export function branchIsProtected(branch: string, patterns: readonly string[]): boolean {
  return patterns.some((pattern) => (pattern.endsWith('/*') ? branch.startsWith(pattern.slice(0, -1)) : branch === pattern));
}

/** The upstream a URL points at, by host (and port when one is configured). */
export function upstreamForUrl(url: URL, upstreams: readonly ShellUpstream[]): Extract<ShellUpstream, { kind: 'graphql' | 'rest' }> | undefined {
  for (const upstream of upstreams) {
    if (upstream.kind !== 'graphql' && upstream.kind !== 'rest') continue;
    const configured = safeUrl(upstream.url);
    const names = [...upstream.hosts, ...(configured ? [configured.host] : [])];
    if (names.some((name) => hostMatches(url, name))) return upstream;
  }
  return undefined;
}

export function hostMatches(url: URL, name: string): boolean {
  const wanted = name.toLowerCase();
  return url.host.toLowerCase() === wanted || (url.hostname.toLowerCase() === wanted.replace(/:\d+$/, '') && !wanted.includes(':'));
}

export function safeUrl(text: string): URL | undefined {
  try {
    return new URL(text);
  } catch {
    return undefined;
  }
}

const LOCAL_HOSTS = new Set(['localhost', '127.0.0.1', '[::1]', '::1', '0.0.0.0']);

export function isLocalHost(hostname: string): boolean {
  return LOCAL_HOSTS.has(hostname.toLowerCase()) || hostname.toLowerCase().endsWith('.localhost');
}
