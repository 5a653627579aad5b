/**
 * The SQL classifier: every statement parsed by PostgreSQL's own parser (libpg-query) and
 * classified read, write, privilege or destructive, with the relations it names and, for
 * anything not plainly harmless, why.
 *
 * @example
 * await loadSqlClassifier(); // once: loads the parser (WebAssembly)
 * const result = classifySql('SELECT 1; DROP TABLE users CASCADE');
 * // { ok: true, parts: [
 * //   { action: 'sql:SelectStmt', class: 'read', resources: [], text: 'SELECT 1' },
 * //   { action: 'sql:DropStmt', class: 'destructive', resources: ['users'],
 * //     why: 'DROP TABLE destroys table users, and with CASCADE everything that depends on it', … } ] }
 */
import '../../wasm-safety.js';
import { loadModule, parseSync, scanSync } from 'libpg-query';
import picomatch from 'picomatch';
import type { OperationClass, OperationPart } from '../../core/operation.js';
import { classified, unclassifiable, type ClassifyResult } from '../result.js';
import { worstOf } from './bodies.js';
import { BoundedCache } from './cache.js';
import { Judge, type Finding, type JudgeContext, type SessionEffects } from './judge.js';
import { canonicalOf } from './canonical.js';
import { integerShape, statementsFrom, templateOf, type IntegerShape, type ParsedStatement, type ShapeTemplate } from './literals.js';
import { constantReadCount, unwrap } from './nodes.js';
import { changesPrivilegedSetting, RULES, unknownStatement } from './rules.js';

export interface SqlClassifierOptions {
  /**
   * The class of functions Airlock cannot know (your own, extensions'), by name glob:
   * `{ "app.refresh_*": "write", "st_*": "read" }`. Matched against `schema.name` as written and
   * against the bare name; the first matching glob wins. Unlisted unknown functions are destructive.
   */
  readonly functions?: Readonly<Record<string, OperationClass>>;
}

/** One statement, classified, with what the PostgreSQL door needs to track it. */
export interface SqlStatement extends SessionEffects {
  readonly part: OperationPart;
  /** The parser's node type: `DropStmt`. */
  readonly type: string;
  /** The parse tree without positions: what approvals bind to (see canonicalOf). */
  readonly canonical: string;
  /** The highest `$n` it uses. */
  readonly parameters: number;
}

export type SqlAnalysis =
  | {
      readonly ok: true;
      readonly statements: readonly SqlStatement[];
      readonly result: ClassifyResult;
      /**
       * What approvals bind to: the statements' canonical forms, without `SET airlock.hold`.
       * Re-running a held statement with other spacing, casing or comments matches its hold.
       */
      readonly canonical: string;
      /** A hold id named in the text, by `SET airlock.hold = '…'` or a comment `airlock.hold=…`. */
      readonly holdId: string | undefined;
      readonly parameters: number;
    }
  | {
      readonly ok: false;
      readonly result: ClassifyResult;
      /** The parser's message, e.g. `syntax error at or near "sel"`. */
      readonly error: string;
      /** 1-based character position of the error, as PostgreSQL reports it. */
      readonly position: number | undefined;
    };

const CACHE_ENTRIES = 10_000;
const CACHE_TEXT_LIMIT = 64 * 1024;
const NESTING_LIMIT = 4;
const HOLD_COMMENT = /airlock[.:]hold\s*[=:]\s*'?(hold_[0-9a-z]{20})/i;

let loading: Promise<void> | undefined;
let loaded = false;

/** Loads the PostgreSQL parser. Await it once before classifySql; later calls return at once. */
export function loadSqlClassifier(): Promise<void> {
  loading ??= loadModule().then(() => {
    loaded = true;
  });
  return loading;
}

/** Classifies every statement of `text`; a text the parser rejects is unclassifiable. */
export function classifySql(text: string, options?: SqlClassifierOptions): ClassifyResult {
  return analyzeSql(text, options).result;
}

const NO_OPTIONS: SqlClassifierOptions = {};

/**
 * A shape's template with what every text of the shape shares besides it: the hold id (named in
 * a string or a comment, which the shape keeps as written) and the highest parameter.
 */
interface Shaped {
  readonly template: ShapeTemplate;
  readonly holdId: string | undefined;
  readonly parameters: number;
}

interface Caches {
  readonly byText: BoundedCache<SqlAnalysis>;
  /** Templates by integer shape (literals.ts); null for a shape whose analysis reads its constants. */
  readonly byShape: BoundedCache<Shaped | null>;
  readonly configuredFunction: JudgeContext['configuredFunction'];
}

const caches = new WeakMap<SqlClassifierOptions, Caches>();

/**
 * classifySql with everything the PostgreSQL door needs: the canonical text approvals bind to,
 * prepared-statement bookkeeping and the hold id. Cached by text, and by shape for texts that
 * differ only in integer constants the classification does not depend on (literals.ts), per
 * options object (pass the same object each time, e.g. one per upstream).
 */
export function analyzeSql(text: string, options: SqlClassifierOptions = NO_OPTIONS): SqlAnalysis {
  if (!loaded) throw new Error('the SQL classifier is not loaded: await loadSqlClassifier() once before classifying');
  let cache = caches.get(options);
  if (!cache) {
    cache = { byText: new BoundedCache(CACHE_ENTRIES), byShape: new BoundedCache(CACHE_ENTRIES), configuredFunction: functionMatcher(options) };
    caches.set(options, cache);
  }
  const cached = cache.byText.get(text);
  if (cached) return cached;
  const shape = text.length <= CACHE_TEXT_LIMIT ? integerShape(text) : undefined;
  const shaped = shape && cache.byShape.get(shape.key);
  // Not kept by text: a text of a known shape costs little to rebuild, and texts that differ
  // only in numbers would push out of the cache the ones that have no shape.
  if (shaped) return rebuilt(shaped, text, shape);
  const { analysis, parsed, readsConstants } = analyze(text, cache.configuredFunction);
  deepFreeze(analysis);
  if (text.length <= CACHE_TEXT_LIMIT) cache.byText.set(text, analysis);
  if (shape && shaped === undefined && analysis.ok) {
    const template = !readsConstants && templateOf(shape, text, parsed);
    cache.byShape.set(shape.key, template ? { template, holdId: analysis.holdId, parameters: analysis.parameters } : null);
  }
  return analysis;
}

function analyze(
  text: string,
  configuredFunction: JudgeContext['configuredFunction'],
): { analysis: SqlAnalysis; parsed: ParsedStatement[]; readsConstants: boolean } {
  let parsed: ReturnType<typeof parseSync>;
  try {
    // The binding refuses an empty string; PostgreSQL answers it with EmptyQueryResponse.
    parsed = text === '' ? {} : parseSync(text);
  } catch (error) {
    const details = (error as { sqlDetails?: { cursorPosition?: number } }).sqlDetails;
    const message = (error as Error).message;
    const position = typeof details?.cursorPosition === 'number' ? details.cursorPosition + 1 : undefined;
    const analysis: SqlAnalysis = {
      ok: false,
      error: message,
      position,
      result: unclassifiable(`PostgreSQL's parser rejects this SQL: ${message}${position ? ` (at character ${position})` : ''}`),
    };
    return { analysis, parsed: [], readsConstants: true };
  }
  const bytes = Buffer.from(text, 'utf8');
  const readsBefore = constantReadCount();
  let failed = false;
  const prepared = new Map<string, Finding>();
  const nested = (sql: string, depth: number): Finding => classifyNested(sql, depth, configuredFunction);
  const statements: ParsedStatement[] = [];
  for (const raw of parsed.stmts ?? []) {
    const start = raw.stmt_location ?? 0;
    const end = raw.stmt_len ? start + raw.stmt_len : bytes.length;
    const statementText = bytes.subarray(start, end).toString('utf8').trim();
    const node = unwrap(raw.stmt);
    if (!node) continue;
    const context: JudgeContext = { depth: 0, statementText, prepared, nested, configuredFunction };
    const judge = new Judge(context, RULES, unknownStatement);
    let finding: Finding;
    try {
      judge.statement(node);
      finding = judge.finding();
    } catch (error) {
      failed = true;
      finding = { class: 'destructive', why: `Airlock could not classify this statement (${(error as Error).message})`, resources: [] };
    }
    const statement: SqlStatement = {
      ...judge.session,
      type: node.type,
      canonical: canonicalOf(raw.stmt),
      parameters: judge.parameters,
      part: {
        action: `sql:${node.type}`,
        class: finding.class,
        resources: finding.resources,
        ...(finding.why ? { why: finding.why } : {}),
        text: statementText,
      },
    };
    statements.push({ tree: raw.stmt, start, end, statement });
  }
  return {
    analysis: analysisOf(
      statements.map((s) => s.statement),
      text,
    ),
    parsed: statements,
    readsConstants: failed || constantReadCount() !== readsBefore,
  };
}

function analysisOf(statements: readonly SqlStatement[], text: string): SqlAnalysis {
  const holdFromSet = statements.findLast((s) => s.holdId !== undefined)?.holdId;
  return {
    ok: true,
    statements,
    result: classified(statements.map((s) => s.part)),
    canonical: statements
      .filter((s) => !(s.type === 'VariableSetStmt' && s.holdId !== undefined))
      .map((s) => s.canonical)
      .join(';\n'),
    holdId: holdFromSet ?? holdFromComment(text),
    parameters: Math.max(0, ...statements.map((s) => s.parameters)),
  };
}

/** SQL inside SQL (function bodies, query_to_xml's argument): one finding for all of it. */
function classifyNested(sql: string, depth: number, configuredFunction: JudgeContext['configuredFunction']): Finding {
  if (depth > NESTING_LIMIT) return { class: 'destructive', why: 'SQL nested too deeply to follow, so its effect is unknown', resources: [] };
  let parsed: ReturnType<typeof parseSync>;
  try {
    parsed = parseSync(sql);
  } catch (error) {
    return { class: 'destructive', why: `it contains SQL that could not be parsed (${(error as Error).message})`, resources: [] };
  }
  const bytes = Buffer.from(sql, 'utf8');
  const prepared = new Map<string, Finding>();
  const findings: Finding[] = [];
  for (const raw of parsed.stmts ?? []) {
    const node = unwrap(raw.stmt);
    if (!node) continue;
    const start = raw.stmt_location ?? 0;
    const statementText = bytes.subarray(start, raw.stmt_len ? start + raw.stmt_len : bytes.length).toString('utf8');
    const context: JudgeContext = {
      depth,
      statementText,
      prepared,
      nested: (inner, innerDepth) => classifyNested(inner, innerDepth, configuredFunction),
      configuredFunction,
    };
    const judge = new Judge(context, RULES, unknownStatement);
    judge.statement(node);
    findings.push(judge.finding());
  }
  return worstOf(findings);
}

function holdFromComment(text: string): string | undefined {
  if (!text.includes('hold_')) return undefined;
  try {
    for (const token of scanSync(text).tokens) {
      if (token.tokenName !== 'SQL_COMMENT' && token.tokenName !== 'C_COMMENT') continue;
      const match = HOLD_COMMENT.exec(token.text);
      if (match) return match[1]!.toLowerCase();
    }
  } catch {
    // A text the scanner rejects was already rejected by the parser.
  }
  return undefined;
}

function functionMatcher(options: SqlClassifierOptions): JudgeContext['configuredFunction'] {
  const entries = Object.entries(options.functions ?? {}).map(([glob, cls]) => [picomatch(glob, { dot: true, nocase: true }), cls] as const);
  if (entries.length === 0) return () => undefined;
  return (schema, name) => {
    const candidates = schema ? [`${schema}.${name}`, name] : [name];
    for (const [matches, cls] of entries) if (candidates.some((candidate) => matches(candidate))) return cls;
    return undefined;
  };
}

/**
 * The analysis of another text of a known shape, as analysisOf would build it from the rebuilt
 * statements, frozen; everything not rebuilt in it is the template's, frozen already.
 */
function rebuilt(shaped: Shaped, text: string, shape: IntegerShape): SqlAnalysis {
  const statements = statementsFrom(shaped.template, text, shape);
  const parts: OperationPart[] = [];
  let canonical = '';
  let first = true;
  for (const statement of statements) {
    parts.push(Object.freeze(statement.part));
    Object.freeze(statement);
    if (statement.type === 'VariableSetStmt' && statement.holdId !== undefined) continue;
    canonical = first ? statement.canonical : `${canonical};\n${statement.canonical}`;
    first = false;
  }
  return Object.freeze({
    ok: true,
    statements: Object.freeze(statements),
    result: Object.freeze(classified(Object.freeze(parts))),
    canonical,
    holdId: shaped.holdId,
    parameters: shaped.parameters,
  });
}

function deepFreeze<T>(value: T): T {
  if (value && typeof value === 'object' && !Object.isFrozen(value)) {
    Object.freeze(value);
    for (const inner of Object.values(value)) deepFreeze(inner);
  }
  return value;
}

/** Whether setting `name` (to `value`, when known) changes who the session acts as, how text is read, what is logged or what code loads. */
export function isPrivilegedSetting(name: string, value?: string): boolean {
  return changesPrivilegedSetting(name, value);
}

export type { Finding } from './judge.js';
