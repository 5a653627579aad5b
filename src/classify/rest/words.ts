import type { OperationClass } from '../../core/operation.js';
import { judgeChange, privilegeWordIn, securityControlIn, unglue, type WordRuling } from '../graphql/vocabulary.js';
import { singular, splitWords } from '../vocabulary/index.js';

/**
 * A REST call judged by the words of its path, with the vocabulary GraphQL names are judged by
 * (graphql/vocabulary.ts): the method is the verb, the path's fixed segments are the nouns.
 *
 * @example
 * judgePath('PUT', ['repos', 'octo', 'hello', 'collaborators', 'mona'], [3]).class; // 'privilege'
 * judgePath('GET', ['api', 'v1', 'namespaces', 'prod', 'pods', 'web-1', 'exec']).class; // 'privilege'
 * judgePath('DELETE', ['user', 'starred', 'octo', 'hello']).class;                 // 'write'
 */

export interface PathRuling {
  readonly class: OperationClass;
  readonly why: string;
  /** What decided, so an OpenAPI operation's own words can be weighed against it. */
  readonly basis: WordRuling['basis'] | 'method';
}

/**
 * Path segments that open a session inside a workload (Kubernetes' `pods/{name}/exec`,
 * `attach`, `portforward`, the API server's `proxy`, a debug container): whatever the method,
 * the caller acts as the workload, with its credentials.
 */
const INTO_A_WORKLOAD = new Set(['exec', 'attach', 'portforward', 'proxy', 'ephemeralcontainers']);

/** The verb a method stands for. */
const METHOD_VERBS: Record<string, string> = { DELETE: 'delete', PURGE: 'purge', POST: 'create', PUT: 'set', PATCH: 'update' };

const VERSION = /^v\d+((alpha|beta)\d*)?(\.\d+)*$/i;

/**
 * The words of the resource a path acts on: the run of fixed segments at its end, or before the
 * ids it ends with (`/orgs/{org}/members/{user}/codespaces/{name}` acts on a codespace, not a
 * member). Ids are the segments a template names or, without one, those with a digit in them;
 * an API's group and version are left out (`/apis/policy/v1/…`: `policy` names the API).
 */
export function pathWords(segments: readonly string[], variable: ReadonlySet<number> = new Set()): string[] {
  const isId = (i: number) => variable.has(i) || (variable.size === 0 && /\d/.test(segments[i]!) && !VERSION.test(segments[i]!));
  let end = segments.length - 1;
  while (end >= 0 && isId(end)) end--;
  // The root, or a path of ids only: no word to read.
  if (end < 0) return [];
  let start = end;
  while (start > 0 && !isId(start - 1)) start--;
  const words: string[] = [];
  for (let i = start; i <= end; i++) {
    const segment = segments[i]!;
    if (VERSION.test(segment)) continue;
    if (i + 1 < segments.length && VERSION.test(segments[i + 1]!) && !isId(i + 1)) continue;
    for (const word of splitWords(segment)) words.push(...unglue(singular(word)));
    // `WiPe` splits as camelCase into nonsense; the whole segment in lower case is read too.
    if (segment !== segment.toLowerCase()) words.push(...unglue(singular(segment.toLowerCase())));
  }
  return words;
}

/**
 * The class of a call by its method and path:
 * 1. a segment that opens a session inside a workload → privilege, whatever the method;
 * 2. GET, HEAD and OPTIONS → read;
 * 3. otherwise the method's verb and the path's words, read by the shared vocabulary: a path
 *    that names access (collaborators, members, keys, tokens, secrets, roles, bindings,
 *    policies, protection) → privilege; a reversible removal (a star, a subscription) → write;
 *    a destructive word in the path (`/wipe`, `/purge`) → destructive;
 * 4. otherwise by method: DELETE and PURGE destroy, others write.
 */
export function judgePath(method: string, segments: readonly string[], variable: ReadonlySet<number> = new Set()): PathRuling {
  const reads = method === 'GET' || method === 'HEAD' || method === 'OPTIONS';
  // Reading a pod's debug containers is a read; adding one is a session inside it.
  const opens = segments.find((segment, i) => !variable.has(i) && INTO_A_WORKLOAD.has(segment.toLowerCase()) && !(reads && segment === 'ephemeralcontainers'));
  if (opens) return { class: 'privilege', basis: 'commands', why: `${method} …/${opens} opens a session inside a workload, acting with its access` };
  if (reads) return { class: 'read', basis: 'method', why: `${method} requests read` };
  const words = pathWords(segments, variable);
  const shown = `${method} /${segments.map((segment, i) => (variable.has(i) ? '*' : segment)).join('/')}`;
  const say = (ruling: WordRuling): PathRuling => ({ class: ruling.class, basis: ruling.basis, why: ruling.why.replace(/^"[^"]*"/, shown) });
  if (words.includes('key') && !privilegeWordIn(words))
    return { class: 'privilege', basis: 'privilege', why: `${shown} names keys, which decide who may do what` };
  const control = securityControlIn(words);
  if (control) return { class: 'privilege', basis: 'privilege', why: `${shown} sets a security control (${control})` };
  const inPath = judgeChange(words);
  if (inPath && inPath.class !== 'write') return say(inPath);
  const verb = METHOD_VERBS[method];
  const withVerb = verb ? judgeChange([verb, ...words]) : undefined;
  if (withVerb?.basis === 'reversible') return say(withVerb);
  if (method === 'DELETE' || method === 'PURGE') return { class: 'destructive', basis: 'method', why: `${method} requests delete` };
  if (inPath) return say(inPath);
  return { class: 'write', basis: 'method', why: `${method} requests change data` };
}
