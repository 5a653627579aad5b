/**
 * What an MCP `tools/call` does, decided without I/O: the tool's own class (the operator's
 * config, else the server's annotations read as hints with MCP's cautious defaults), then the
 * code its arguments carry (SQL, GraphQL, a shell command), judged by Airlock's own parsers.
 *
 * @example
 * const result = await classifyToolCall(
 *   { tool: { name: 'execute_sql', inputSchema: { type: 'object', properties: { sql: { type: 'string' } } } },
 *     arguments: { sql: 'DROP TABLE users' } },
 *   { tools: {}, arguments: {} },
 *   codeClassifiers,
 * );
 * // { ok: true, parts: [{ action: 'mcp:execute_sql', class: 'read', … }, { action: 'sql:DropStmt', class: 'destructive', … }] }
 */
import { posix } from 'node:path';
import { canonicalJson } from '../../audit/canonical.js';
import { isOperationClass, type OperationClass, type OperationPart } from '../../core/operation.js';
import type { McpArgumentLanguage } from '../../config/upstreams/mcp.js';
import { splitWords } from '../../classify/vocabulary/index.js';
import { classified, unclassifiable, type ClassifyResult } from '../../classify/result.js';
import { severity } from '../../core/operation.js';
import { toolWords, type WordRuling } from './tool-words.js';

/** The parts of an MCP tool description classification reads (as the server listed it). */
export interface McpToolDescription {
  readonly name: string;
  readonly description?: string | undefined;
  readonly inputSchema?: { readonly properties?: Readonly<Record<string, unknown>> | undefined } | undefined;
  readonly annotations?: McpToolAnnotations | undefined;
}

export interface McpToolAnnotations {
  readonly readOnlyHint?: boolean | undefined;
  readonly destructiveHint?: boolean | undefined;
  readonly idempotentHint?: boolean | undefined;
  readonly openWorldHint?: boolean | undefined;
}

/** The operator's rules for one upstream (its config's `tools`, `arguments` and `trustAnnotations`). */
export interface McpToolRules {
  readonly tools: Readonly<Record<string, string>>;
  readonly arguments: Readonly<Record<string, Readonly<Record<string, McpArgumentLanguage>>>>;
  /** Believe the server's annotations even below what the tool's words say. */
  readonly trustAnnotations?: boolean | undefined;
}

export type CodeLanguage = Exclude<McpArgumentLanguage, 'text'>;

/** Airlock's classifiers for code carried in arguments; the door passes the real ones. */
export interface CodeClassifiers {
  sql(text: string): ClassifyResult | Promise<ClassifyResult>;
  graphql(query: string, variables: Record<string, unknown> | undefined, operationName: string | undefined): ClassifyResult | Promise<ClassifyResult>;
  shell(command: string): ClassifyResult | Promise<ClassifyResult>;
}

export interface ToolRuling {
  readonly class: OperationClass;
  /** What decided: the operator's config, the server's annotations, the tool's own words, or nothing known. */
  readonly source: 'config' | 'annotations' | 'words' | 'default';
  readonly why: string;
}

/**
 * What the server's annotations claim, read as claims and nothing more: `readOnlyHint: true`
 * says read, `destructiveHint: true` destructive, `readOnlyHint: false` or `destructiveHint:
 * false` a write. A hint left out is no claim (MCP's defaults are not applied: the tool's
 * words decide instead). Contradictory claims (read-only *and* destructive) are read as
 * destructive: of two claims, Airlock believes the more dangerous.
 */
export function annotationClaim(tool: McpToolDescription): Omit<ToolRuling, 'source'> | undefined {
  const hints = tool.annotations ?? {};
  if (hints.destructiveHint === true) {
    return hints.readOnlyHint === true
      ? { class: 'destructive', why: `${tool.name} is marked both readOnlyHint and destructiveHint; Airlock believes the more dangerous` }
      : { class: 'destructive', why: `the server marks ${tool.name} destructiveHint` };
  }
  if (hints.readOnlyHint === true) return { class: 'read', why: `the server marks ${tool.name} readOnlyHint` };
  if (hints.readOnlyHint === false || hints.destructiveHint === false) {
    return { class: 'write', why: `the server marks ${tool.name} as changing things but not destructive` };
  }
  return undefined;
}

/**
 * The class of a tool by itself. The config wins. Otherwise the tool's name and description
 * (its words: see toolWords) and its annotations are both read, and the tool gets the more
 * dangerous of the two: the server is not trusted, so its annotations may raise a class but
 * never lower it below what the words say — a tool marked `readOnlyHint` whose description says
 * "Drops every table" is destructive. With `trustAnnotations`, the annotations are believed
 * whatever the words. A tool about which neither says anything is a write: it may change
 * things (MCP's default), and nothing says it destroys.
 */
export function toolClass(tool: McpToolDescription, rules: McpToolRules): ToolRuling {
  const configured = Object.hasOwn(rules.tools, tool.name) ? rules.tools[tool.name] : undefined;
  if (configured !== undefined && isOperationClass(configured)) {
    return { class: configured, source: 'config', why: `the upstream's config classifies ${tool.name} as ${configured}` };
  }
  const claimed = annotationClaim(tool);
  if (claimed && rules.trustAnnotations) return { ...claimed, source: 'annotations', why: `${claimed.why}, and the upstream's config trusts its annotations` };
  const words = toolWords(tool.name, tool.description);
  if (words.class === undefined) {
    if (claimed) return { ...claimed, source: 'annotations' };
    return { class: 'write', source: 'default', why: `${words.why} and the server makes no claim: it may change things, and nothing says it destroys` };
  }
  if (!claimed || severity(words.class) >= severity(claimed.class)) {
    const over =
      claimed && severity(words.class) > severity(claimed.class) ? `; the server's annotations say ${claimed.class}, which may only raise a class` : '';
    return { class: words.class, source: 'words', why: `${words.why}${over}` };
  }
  return { ...claimed, source: 'annotations', why: `${claimed.why}, above what its words say (${words.class})` };
}

/** Verbs that run whatever code an argument carries: they say nothing of their own about the call. */
const EXECUTION_VERBS = new Set(['execute', 'exec', 'run', 'eval', 'evaluate', 'call', 'invoke', 'apply', 'query', 'complete']);

/**
 * The floor a code-carrying tool keeps from its own words: what its name and description say
 * beyond running the code (`delete_rows_where(sql)` still deletes), never the execution verb
 * (`execute_sql` is judged by its SQL alone).
 */
function wordsBesideCode(tool: McpToolDescription): WordRuling {
  const name = splitWords(tool.name)
    .filter((word) => !EXECUTION_VERBS.has(word))
    .join('_');
  return name === '' ? { class: undefined, why: '' } : toolWords(name, undefined);
}

const SQL_NAMES = new Set(['sql', 'sqlquery', 'sqlstatement', 'sqltext', 'rawsql', 'statement', 'statements']);
const GRAPHQL_NAMES = new Set(['graphql', 'graphqlquery', 'graphqldocument', 'gql']);
const SHELL_NAMES = new Set(['command', 'cmd', 'commandline', 'shellcommand', 'shell', 'bash', 'script']);
/** `query` is code only when the tool says which language it is in. */
const AMBIGUOUS_NAMES = new Set(['query', 'q']);

/** `migrationSql`, `raw_sql`, `sqlStatements`, `suggestedSqlStatements`: SQL by the end of their name. */
function isSqlName(key: string): boolean {
  if (key === 'mysql' || key === 'nosql' || key === 'postgresql') return false;
  return /(?:sql|sqlstatements?|sqlquer(?:y|ies)|sqltext)$/.test(key);
}

function normalise(name: string): string {
  return name.toLowerCase().replace(/[-_]/g, '');
}

function descriptionOf(schema: unknown): string {
  return schema && typeof schema === 'object' && typeof (schema as { description?: unknown }).description === 'string'
    ? (schema as { description: string }).description
    : '';
}

/**
 * Which arguments of a tool carry code, by name. The config says first (for the tool, then for
 * `*`); otherwise Airlock recognises a declared argument by its name (`sql`, `command`,
 * `graphql`, or `query` in a tool that says it takes SQL or GraphQL). Only arguments the
 * server declares are recognised, so that an agent cannot add a harmless `sql: "SELECT 1"`
 * to a tool that deletes and have the call judged by it.
 */
export function codeArguments(tool: McpToolDescription, rules: McpToolRules): ReadonlyMap<string, CodeLanguage> {
  const found = new Map<string, CodeLanguage>();
  const named = { ...(rules.arguments['*'] ?? {}), ...(rules.arguments[tool.name] ?? {}) };
  const properties = tool.inputSchema?.properties ?? {};
  for (const [argument, schema] of Object.entries(properties)) {
    if (Object.hasOwn(named, argument)) continue;
    const key = normalise(argument);
    if (SQL_NAMES.has(key) || isSqlName(key)) found.set(argument, 'sql');
    else if (GRAPHQL_NAMES.has(key)) found.set(argument, 'graphql');
    else if (SHELL_NAMES.has(key)) found.set(argument, 'shell');
    else if (AMBIGUOUS_NAMES.has(key)) {
      const said = `${tool.name} ${tool.description ?? ''} ${descriptionOf(schema)}`;
      if (/graph\s*ql/i.test(said)) found.set(argument, 'graphql');
      else if (/(^|[^a-z])sql([^a-z]|$)/i.test(said)) found.set(argument, 'sql');
    }
  }
  for (const [argument, language] of Object.entries(named)) if (language !== 'text') found.set(argument, language);
  return found;
}

/** Keys whose values name what a call acts on: paths, URIs, ids. */
function isResourceKey(key: string): boolean {
  if (/^(path|paths|file|files|filename|filepath|source|destination|dest|target|uri|uris|url|urls|directory|dir|id|ids)$/i.test(key)) return true;
  return /(_|-)(id|ids|path|paths|uri|url|file|dir|directory)$/i.test(key) || /[a-z](Id|Ids|Path|Paths|Uri|Url|File|Dir|Directory)$/.test(key);
}

const MAX_RESOURCES = 50;
const MAX_RESOURCE_LENGTH = 500;

/**
 * The resources a call names, read from the top-level arguments the server declares whose
 * names say they hold a path, a URI or an id. These are what `environments` globs and
 * resource-limited scopes match against.
 */
export function argumentResources(tool: McpToolDescription, args: Readonly<Record<string, unknown>>): string[] {
  const declared = tool.inputSchema?.properties ?? {};
  const out = new Set<string>();
  const add = (value: unknown) => {
    if (out.size >= MAX_RESOURCES) return;
    if (typeof value === 'string' && value.length > 0) out.add(normalisePath(value).slice(0, MAX_RESOURCE_LENGTH));
    else if (typeof value === 'number' && Number.isFinite(value)) out.add(String(value));
  };
  for (const [key, value] of Object.entries(args)) {
    if (!Object.hasOwn(declared, key) || !isResourceKey(key)) continue;
    if (Array.isArray(value)) value.forEach(add);
    else add(value);
  }
  return [...out];
}

/**
 * An absolute path is matched as the server will resolve it: `/srv/staging/../prod/db` is in
 * `/srv/prod`, not under `/srv/staging/**`. Relative paths stay as written; they match no
 * absolute glob, so they fall to the upstream's own environment.
 */
function normalisePath(value: string): string {
  return value.startsWith('/') ? posix.normalize(value) : value;
}

export interface ToolCall {
  readonly tool: McpToolDescription;
  readonly arguments: Readonly<Record<string, unknown>>;
  /** The name the agent used (`<upstream>__<tool>`), for the text an operator reads. */
  readonly exposedName?: string;
  /** The call as renderToolCall renders it, when the caller has it already. */
  readonly rendered?: string;
  /** What prepareTool found for this tool under these rules, when the caller kept it. */
  readonly prepared?: PreparedTool;
}

/** What a call's classification reads of its tool alone: the same for every call while the catalog and the config stand. */
export interface PreparedTool {
  readonly ruling: ToolRuling;
  readonly code: ReadonlyMap<string, CodeLanguage>;
  readonly beside: WordRuling;
}

export function prepareTool(tool: McpToolDescription, rules: McpToolRules): PreparedTool {
  return { ruling: toolClass(tool, rules), code: codeArguments(tool, rules), beside: wordsBesideCode(tool) };
}

const MAX_TEXT = 2_000;

/** How an operator reads the call: `fs__write_file({"content":"…","path":"/srv/a"})`. */
export function renderToolCall(name: string, args: Readonly<Record<string, unknown>>): string {
  return renderCall(name, canonicalJson(args));
}

/** renderToolCall, from the arguments' canonical JSON (which the call's digest is made from too). */
export function renderCall(name: string, argumentsJson: string): string {
  const text = `${name}(${argumentsJson})`;
  return text.length > MAX_TEXT ? `${text.slice(0, MAX_TEXT - 1)}…` : text;
}

/**
 * Classifies one call. The result has a part for the tool and one or more for each argument
 * carrying code; the call is judged by the most dangerous. When an argument carries code, the
 * server's annotations are set aside (Airlock reads the code itself), so the tool part is a
 * read unless the config says more: `execute_sql` with a SELECT is a read, with a DROP
 * destructive, whatever the tool is called or claims. Code that cannot be parsed makes the
 * whole call unclassifiable, and it is not forwarded.
 */
export async function classifyToolCall(call: ToolCall, rules: McpToolRules, classifiers: CodeClassifiers): Promise<ClassifyResult> {
  const { tool } = call;
  const args = call.arguments;
  const name = call.exposedName ?? tool.name;
  const { ruling, code, beside: words } = call.prepared ?? prepareTool(tool, rules);
  const payloads: OperationPart[] = [];
  const carried: string[] = [];

  for (const [argument, language] of code) {
    const value = args[argument];
    if (value === undefined || value === null) continue;
    carried.push(`${argument} (${language})`);
    const texts = textsOf(value, language);
    if (typeof texts === 'string')
      return unclassifiable(`argument "${argument}" of ${name} should carry ${languageName(language)} but ${texts}; Airlock cannot judge it`);
    for (const text of texts) {
      let result: ClassifyResult;
      try {
        result =
          language === 'sql'
            ? await classifiers.sql(text)
            : language === 'shell'
              ? await classifiers.shell(text)
              : await classifyGraphQLArgument(classifiers, text, args);
      } catch (error) {
        result = unclassifiable((error as Error).message);
      }
      if (!result.ok) return unclassifiable(`the ${languageName(language)} in argument "${argument}" of ${name} cannot be judged: ${result.error}`);
      payloads.push(...result.parts.map((part) => ({ ...part, why: `${part.why ? `${part.why}; ` : ''}carried in argument "${argument}" of ${name}` })));
    }
  }

  const judgedByCode = carried.length > 0 && ruling.source !== 'config';
  const beside = judgedByCode ? words : undefined;
  const kept = beside?.class === 'destructive' || beside?.class === 'privilege' ? beside : undefined;
  const toolPartClass: OperationClass = judgedByCode ? (kept?.class ?? 'read') : ruling.class;
  const why = judgedByCode
    ? `${tool.name} is judged by the code in ${carried.join(', ')}, which Airlock reads itself; the server's annotations are set aside${kept ? `, and ${kept.why}` : ''}`
    : ruling.why;
  const toolPart: OperationPart = {
    action: `mcp:${tool.name}`,
    class: toolPartClass,
    resources: argumentResources(tool, args),
    why,
    text: call.rendered ?? renderToolCall(name, args),
  };
  return classified([toolPart, ...payloads]);
}

function languageName(language: CodeLanguage): string {
  return language === 'sql' ? 'SQL' : language === 'graphql' ? 'GraphQL' : 'a shell command';
}

/** The texts to classify from one argument's value, or why there are none that can be read. */
function textsOf(value: unknown, language: CodeLanguage): string[] | string {
  if (typeof value === 'string') return [value];
  if (Array.isArray(value) && value.every((item) => typeof item === 'string')) {
    // A list of statements is several SQL texts; a list for a shell command is its argv.
    if (language === 'sql') return value as string[];
    if (language === 'shell') return [(value as string[]).map(shellQuote).join(' ')];
    return 'holds a list';
  }
  return `holds ${Array.isArray(value) ? 'a list of non-strings' : `a ${typeof value}`}`;
}

/** POSIX single-quoting, so that an argv element is one word to the shell parser. */
function shellQuote(word: string): string {
  return /^[A-Za-z0-9_@%+=:,./-]+$/.test(word) ? word : `'${word.replace(/'/g, `'\\''`)}'`;
}

async function classifyGraphQLArgument(classifiers: CodeClassifiers, query: string, args: Readonly<Record<string, unknown>>): Promise<ClassifyResult> {
  let variables = args.variables;
  if (typeof variables === 'string') {
    try {
      variables = variables.trim() === '' ? undefined : JSON.parse(variables);
    } catch {
      return unclassifiable('its "variables" argument is not valid JSON');
    }
  }
  if (variables !== undefined && variables !== null && (typeof variables !== 'object' || Array.isArray(variables))) {
    return unclassifiable('its "variables" argument is not an object');
  }
  const operationName = args.operationName ?? args.operation_name;
  return classifiers.graphql(
    query,
    (variables ?? undefined) as Record<string, unknown> | undefined,
    typeof operationName === 'string' ? operationName : undefined,
  );
}
