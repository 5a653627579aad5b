import { readFileSync } from 'node:fs';
import { gunzipSync } from 'node:zlib';
import { dereference } from '@readme/openapi-parser';
import { parse as parseYaml } from 'yaml';
import { severity } from '../../core/operation.js';
import { describesDestruction, judgeChange, unglue, type WordRuling } from '../graphql/vocabulary.js';
import { singular, splitWords } from '../vocabulary/index.js';
import { judgePath, type PathRuling } from './words.js';

/**
 * An upstream's OpenAPI description (3.x or Swagger 2), read with a maintained parser that
 * resolves its `$ref`s, and turned into what the REST classifier needs: each operation's method,
 * path template, operationId, summary and description. A request is matched to its operation
 * by template, and the operation's own words refine what its path and method say, the way a
 * GraphQL schema refines mutations.
 *
 * @example
 * const api = await loadOpenApi('kubernetes.json');
 * const op = api.match('POST', ['api', 'v1', 'namespaces', 'prod', 'pods', 'web-1', 'exec']);
 * judgeOperation(op!, 'POST', segments).class; // 'privilege'
 */

const METHODS = ['get', 'put', 'post', 'delete', 'patch', 'head', 'options'] as const;

/** One segment of a path template: fixed text, or a pattern with `{name}`s in it. */
type TemplateSegment = { readonly literal: string } | { readonly pattern: RegExp; readonly names: readonly string[] };

export interface OpenApiOperation {
  readonly method: string;
  /** As the description writes it: `/repos/{owner}/{repo}/collaborators/{username}`. */
  readonly template: string;
  readonly segments: readonly TemplateSegment[];
  readonly operationId: string | undefined;
  readonly summary: string | undefined;
  readonly description: string | undefined;
}

export interface OpenApiDescription {
  /** Where it was read from, for messages. */
  readonly source: string;
  readonly title: string | undefined;
  readonly operations: readonly OpenApiOperation[];
  /** The operation a request is for, or undefined when the description has none for it. */
  match(method: string, segments: readonly string[], caseless?: boolean): OpenApiMatch | undefined;
}

export interface OpenApiMatch {
  readonly operation: OpenApiOperation;
  /** Indexes of the request's segments that the template names (ids, not nouns). */
  readonly variable: ReadonlySet<number>;
  /** The values the template's `{name}`s took, for resource ids. */
  readonly captured: readonly { readonly key: string; readonly id: string }[];
}

/** Reads and resolves an OpenAPI file (JSON or YAML, optionally gzip-compressed). */
export async function loadOpenApi(file: string): Promise<OpenApiDescription> {
  let document: unknown;
  try {
    if (file.endsWith('.gz')) {
      const text = gunzipSync(readFileSync(file)).toString('utf8');
      document = await dereference(parseDocument(text, file.slice(0, -3)) as never);
    } else {
      document = await dereference(file);
    }
  } catch (error) {
    throw new Error(`cannot read the OpenAPI description ${file}: ${(error as Error).message}`);
  }
  return describeOperations(document, file);
}

function parseDocument(text: string, name: string): unknown {
  return /\.ya?ml$/i.test(name) ? parseYaml(text) : JSON.parse(text);
}

/** The operations of an already-resolved OpenAPI document. */
export function describeOperations(document: unknown, source = 'OpenAPI description'): OpenApiDescription {
  const doc = document as {
    swagger?: string;
    openapi?: string;
    info?: { title?: string };
    basePath?: string;
    servers?: { url?: string }[];
    paths?: Record<string, Record<string, unknown>>;
  };
  if (!doc || typeof doc !== 'object' || (!doc.openapi && !doc.swagger)) throw new Error(`${source} is not an OpenAPI 3 or Swagger 2 description`);
  const operations: OpenApiOperation[] = [];
  for (const [template, item] of Object.entries(doc.paths ?? {})) {
    if (!item || typeof item !== 'object') continue;
    for (const method of METHODS) {
      const op = item[method] as { operationId?: unknown; summary?: unknown; description?: unknown } | undefined;
      if (!op || typeof op !== 'object') continue;
      operations.push({
        method: method.toUpperCase(),
        template,
        segments: templateSegments(template),
        operationId: typeof op.operationId === 'string' ? op.operationId : undefined,
        summary: typeof op.summary === 'string' ? op.summary : undefined,
        description: typeof op.description === 'string' ? op.description : undefined,
      });
    }
  }
  const prefix = basePathOf(doc);
  const byLength = new Map<number, OpenApiOperation[]>();
  for (const operation of operations) {
    const list = byLength.get(operation.segments.length) ?? [];
    list.push(operation);
    byLength.set(operation.segments.length, list);
  }
  const match = (method: string, segments: readonly string[], caseless = false): OpenApiMatch | undefined => {
    const found = bestMatch(byLength.get(segments.length) ?? [], method, segments, caseless, 0);
    if (found || prefix.length === 0 || !startsWith(segments, prefix, caseless)) return found;
    // The upstream's URL may stop short of the description's server path (`/v1`).
    return bestMatch(byLength.get(segments.length - prefix.length) ?? [], method, segments.slice(prefix.length), caseless, prefix.length);
  };
  return { source, title: doc.info?.title, operations, match };
}

function basePathOf(doc: { basePath?: string; servers?: { url?: string }[] }): string[] {
  let path = doc.basePath ?? '';
  const server = doc.servers?.[0]?.url;
  if (!path && server) {
    try {
      path = new URL(server, 'http://server.invalid').pathname;
    } catch {
      path = '';
    }
  }
  return path.split('/').filter(Boolean);
}

function startsWith(segments: readonly string[], prefix: readonly string[], caseless: boolean): boolean {
  return prefix.every((part, i) => same(segments[i] ?? '', part, caseless));
}

function same(a: string, b: string, caseless: boolean): boolean {
  return caseless ? a.toLowerCase() === b.toLowerCase() : a === b;
}

function templateSegments(template: string): TemplateSegment[] {
  return template
    .split('/')
    .filter(Boolean)
    .map((segment) => {
      if (!segment.includes('{')) return { literal: decodeLiteral(segment) };
      const names: string[] = [];
      const source = segment
        .split(/(\{[^{}]+\})/)
        .map((piece) => {
          const name = /^\{([^}]+)\}$/.exec(piece)?.[1];
          if (name === undefined) return piece.replace(/[.*+?^$()|[\]\\]/g, '\\$&');
          names.push(name);
          return '(.+?)';
        })
        .join('');
      return { pattern: new RegExp(`^${source}$`, 's'), names };
    });
}

function decodeLiteral(segment: string): string {
  try {
    return decodeURIComponent(segment);
  } catch {
    return segment;
  }
}

/** The matching operation with the most fixed segments: `/pulls/comments` before `/pulls/{number}`. */
function bestMatch(
  candidates: readonly OpenApiOperation[],
  method: string,
  segments: readonly string[],
  caseless: boolean,
  offset: number,
): OpenApiMatch | undefined {
  let best: { match: OpenApiMatch; literals: number } | undefined;
  for (const operation of candidates) {
    if (operation.method !== method) continue;
    const variable = new Set<number>();
    const captured: { key: string; id: string }[] = [];
    let literals = 0;
    let ok = true;
    for (let i = 0; i < operation.segments.length && ok; i++) {
      const part = operation.segments[i]!;
      const segment = segments[i]!;
      if ('literal' in part) {
        ok = same(segment, part.literal, caseless);
        literals++;
      } else {
        const found = part.pattern.exec(segment);
        if (!found) ok = false;
        else {
          variable.add(i + offset);
          part.names.forEach((key, j) => {
            captured.push({ key, id: found[j + 1]! });
          });
        }
      }
    }
    if (ok && (!best || literals > best.literals)) best = { match: { operation, variable, captured }, literals };
  }
  return best?.match;
}

const VERSION_WORD = /^v\d+((alpha|beta)\d*)?$/;

/**
 * The words of an operationId, without the API's group and version that some descriptions put
 * in them (`createRbacAuthorizationV1NamespacedRoleBinding` → create, namespaced, role, binding).
 */
export function operationWords(operationId: string): string[] {
  const words = splitWords(operationId).flatMap((word) => unglue(singular(word)));
  const version = words.findIndex((word) => VERSION_WORD.test(word));
  return version > 0 ? [words[0]!, ...words.slice(version + 1)] : words;
}

/** Readings by the operation's own words that may make a DELETE or a POST no more than a write. */
const LOWERING: ReadonlySet<WordRuling['basis']> = new Set(['reversible', 'undoing', 'question']);

/**
 * The class of a request the description knows: its path and method (as without a
 * description, ids told apart by the template), its operationId and summary read by the shared
 * vocabulary, and its description's first sentence for destruction. The operation's own words
 * may say a DELETE only takes away a mark or an assignment (`issues/remove-label`), never that
 * a call on an access path is less than privilege; for a GET they may only say it destroys.
 */
export function judgeOperation(match: OpenApiMatch, method: string, segments: readonly string[]): PathRuling {
  const { operation } = match;
  const byPath = judgePath(method, segments, match.variable);
  const name = operation.operationId ?? operation.summary ?? `${method} ${operation.template}`;
  const byName =
    (operation.operationId ? judgeChange(operationWords(operation.operationId)) : undefined) ??
    (operation.summary ? judgeChange(splitWords(operation.summary), 'sentence') : undefined);
  const named = byName ? { class: byName.class, basis: byName.basis, why: byName.why.replace(/^"[^"]*"/, name) } : undefined;
  if (byPath.basis === 'commands') return byPath;
  if (method === 'GET' || method === 'HEAD' || method === 'OPTIONS') {
    return named?.class === 'destructive' ? { ...named, why: `${named.why}, though it is sent as ${method}` } : byPath;
  }
  if (named && LOWERING.has(named.basis) && byPath.basis !== 'privilege') return named;
  let ruling: PathRuling = named && severity(named.class) > severity(byPath.class) ? named : byPath;
  const firstSentence = firstSentenceOf(operation.description);
  const said = firstSentence ? describesDestruction(firstSentence) : undefined;
  // A description may make a write destructive; a call already about access stays privilege.
  if (said && ruling.class === 'write' && !(named && LOWERING.has(named.basis))) {
    ruling = {
      class: 'destructive',
      basis: 'destructive',
      why: `the upstream's description says ${name} will ${said} ("${firstSentence!.trim().slice(0, 120)}")`,
    };
  }
  return ruling;
}

/** The first sentence of a description, after any notices quoted before it (`> [!WARNING] …`). */
function firstSentenceOf(description: string | undefined): string | undefined {
  if (!description) return undefined;
  const text = description
    .split('\n')
    .filter((line) => !line.trimStart().startsWith('>'))
    .join(' ')
    .trim();
  return text ? text.split(/(?<=[.!?])\s/)[0] : undefined;
}
