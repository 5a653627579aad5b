/**
 * Blast radius by effect. Whether `DELETE … WHERE lower(id::text) = lower(id::text)` or
 * `… WHERE id > 0` touches one row or all of them depends on the data, so the door does not
 * guess: a DELETE, UPDATE or MERGE whose narrowness the statement itself does not prove runs
 * inside a savepoint, and the count PostgreSQL reports decides whether it stays.
 *
 * Provably narrow (no measuring): a WHERE that is, or ANDs in, `column = constant`,
 * `column IN (constants)`, `column BETWEEN constant AND constant` or `CURRENT OF cursor`, on a
 * statement with no USING/FROM join and no WITH. A parameter (`$1`) is a constant: it has one
 * value per execution.
 *
 * @example
 * blastRadiusOf("DELETE FROM orders WHERE id > 0");
 * // { kind: 'measure', verb: 'DELETE', relation: '"orders"' }
 * blastRadiusOf('DELETE FROM orders WHERE id = 5'); // { kind: 'narrow' }
 * exceedsBlastRadius(60, 100, { share: 0.5, minRows: 50 }); // true
 */
import { parseSync } from 'libpg-query';
import { BoundedCache } from '../../classify/sql/cache.js';
import { integerShape } from '../../classify/sql/literals.js';
import type { BlastRadiusConfig } from '../../config/upstreams/postgres.js';

export type BlastRadius =
  | { readonly kind: 'narrow' }
  /** Run it in a savepoint and count; `relation` is quoted, ready to put in SQL. */
  | { readonly kind: 'measure'; readonly verb: 'DELETE' | 'UPDATE' | 'MERGE'; readonly relation: string }
  /** It changes rows in a way the door cannot count from the command tag (a writable CTE). */
  | { readonly kind: 'unmeasurable'; readonly why: string };

type Json = Record<string, unknown>;

const DML = { DeleteStmt: 'DELETE', UpdateStmt: 'UPDATE', MergeStmt: 'MERGE' } as const;

const CACHE_ENTRIES = 10_000;
const CACHE_TEXT_LIMIT = 64 * 1024;
const cache = new BoundedCache<BlastRadius>(CACHE_ENTRIES);

/**
 * blastRadiusOf, remembered by the statement's integer shape (classify/sql/literals.ts): texts
 * that differ only in integer constants have the same tree but for the constants' values, and
 * the radius reads only which kinds of node stand where, never a value. Parsing a write again
 * for every execution cost more than classifying it, which the classifier's own caches spare.
 * Keys say which kind they are, so that no text can stand for a shape.
 */
export function cachedBlastRadiusOf(text: string): BlastRadius {
  if (text.length > CACHE_TEXT_LIMIT) return blastRadiusOf(text);
  const shape = integerShape(text);
  const key = shape ? `shape:${shape.key}` : `text:${text}`;
  let radius = cache.get(key);
  if (!radius) {
    radius = Object.freeze(blastRadiusOf(text));
    cache.set(key, radius);
  }
  return radius;
}

/** How the door must treat one statement's text (already parsed by the classifier, so it parses). */
export function blastRadiusOf(text: string): BlastRadius {
  let tree: Json | undefined;
  try {
    tree = (parseSync(text) as { stmts?: { stmt?: Json }[] }).stmts?.[0]?.stmt;
  } catch {
    return { kind: 'unmeasurable', why: 'Airlock could not read its WHERE clause' };
  }
  if (!tree) return { kind: 'narrow' };
  const [type, body] = Object.entries(tree)[0] as [string, Json];
  if (type in DML) {
    const relation = body.relation as Json;
    const verb = DML[type as keyof typeof DML];
    if (type !== 'MergeStmt' && !body.withClause && !body.usingClause && !body.fromClause && narrowFilter(body.whereClause)) {
      return { kind: 'narrow' };
    }
    return { kind: 'measure', verb, relation: quotedRelation(relation) };
  }
  if (containsDml(body)) {
    return { kind: 'unmeasurable', why: 'it changes rows inside a WITH clause, where Airlock cannot count them before they are final' };
  }
  return { kind: 'narrow' };
}

/** Whether `count` touched rows of a table of `total` rows exceed the configured radius. */
export function exceedsBlastRadius(count: number, total: number | undefined, config: BlastRadiusConfig): boolean {
  if (config.maxRows !== undefined && count > config.maxRows) return true;
  // Not knowing the table's size is judged as the worst case.
  if (total === undefined) return count > config.share * config.minRows;
  return total >= config.minRows && count > config.share * total;
}

/** Rows to count at most to decide exceedsBlastRadius: past it, the share cannot be exceeded. */
export function rowsToCount(count: number, config: BlastRadiusConfig): number | undefined {
  if (count <= config.share * config.minRows) return undefined;
  return Math.ceil(count / config.share) + 1;
}

/** `DELETE 12` → 12; `MERGE 3` → 3; anything else undefined. */
export function affectedRows(tag: string): number | undefined {
  const match = /^(?:DELETE|UPDATE|MERGE) (\d+)$/.exec(tag);
  return match ? Number(match[1]) : undefined;
}

/** The radius in words, for the hold's reason. */
export function describeBlastRadius(config: BlastRadiusConfig): string {
  const share = `more than ${Math.round(config.share * 100)}% of a table of at least ${config.minRows} rows`;
  return config.maxRows === undefined ? share : `${share}, or more than ${config.maxRows} rows`;
}

function narrowFilter(where: unknown): boolean {
  const node = where as Json | undefined;
  if (!node) return false;
  if ('CurrentOfExpr' in node) return true;
  const bool = node.BoolExpr as Json | undefined;
  if (bool) return bool.boolop === 'AND_EXPR' && ((bool.args as unknown[]) ?? []).some(narrowFilter);
  const expr = node.A_Expr as Json | undefined;
  if (!expr || !isColumn(expr.lexpr)) return false;
  const operator = ((expr.name as Json[] | undefined) ?? []).map((n) => (n.String as Json | undefined)?.sval).join('.');
  const items = ((expr.rexpr as Json | undefined)?.List as Json | undefined)?.items as unknown[] | undefined;
  switch (expr.kind) {
    case 'AEXPR_OP':
      return operator === '=' && isConstant(expr.rexpr);
    case 'AEXPR_IN':
      return operator === '=' && items !== undefined && items.every(isConstant);
    case 'AEXPR_BETWEEN':
      return items !== undefined && items.length === 2 && items.every(isConstant);
    default:
      return false;
  }
}

function isColumn(value: unknown): boolean {
  const node = value as Json | undefined;
  if (!node) return false;
  if ('ColumnRef' in node) return true;
  return 'TypeCast' in node && isColumn((node.TypeCast as Json).arg);
}

function isConstant(value: unknown): boolean {
  const node = value as Json | undefined;
  if (!node) return false;
  if ('A_Const' in node || 'ParamRef' in node) return true;
  return 'TypeCast' in node && isConstant((node.TypeCast as Json).arg);
}

function containsDml(value: unknown): boolean {
  if (Array.isArray(value)) return value.some(containsDml);
  if (!value || typeof value !== 'object') return false;
  return Object.entries(value as Json).some(([key, child]) => key in DML || containsDml(child));
}

function quotedRelation(relation: Json): string {
  const quote = (name: string) => `"${name.replace(/"/g, '""')}"`;
  const schema = relation.schemaname as string | undefined;
  // The parse tree leaves out a false `inh` (ONLY).
  const only = relation.inh === true ? '' : 'ONLY ';
  return `${only}${schema ? `${quote(schema)}.` : ''}${quote(relation.relname as string)}`;
}
