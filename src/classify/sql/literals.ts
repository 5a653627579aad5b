/**
 * Texts that differ only in integer constants (`… WHERE aid = 17`, `… WHERE aid = 4242`) share
 * one analysis, when the first one's shows that it cannot depend on them. Applications send the
 * same statement with other numbers far more often than they send the same text twice, and
 * parsing is most of what classifying costs.
 *
 * Why reusing is sound. Two texts with the same shape are the same characters except for runs
 * of digits at the same places, so PostgreSQL's lexer reads the same tokens from both (a run of
 * digits is one integer whatever the digits, and at most nine of them always fit in an int4) and
 * its grammar builds the same tree, with other values in the constants and other positions.
 * The first text of a shape is parsed and classified in full; its analysis becomes the shape's
 * template only if
 *
 * - every run taken out of the text is, in its parse tree, an integer constant at that position
 *   (or a negated one at the `-` before it), so no run was part of a string, a name, a
 *   parameter, a float or a number the grammar consumes itself (`float(10)`, `FETCH 10`);
 * - the classifier never looked at a constant's value while judging it (constantReadCount):
 *   `WHERE 1 = 1`, `SET x = 5`, `LIKE '%'` and SQL in SQL all read one.
 *
 * Then classes, reasons, resources and session effects are the same for every text of the
 * shape; what does differ is rebuilt from the new text: each statement's text, and its
 * canonical form, which is the template's with each constant's value written in.
 */
import { canonicalOf } from './canonical.js';
import type { SqlStatement } from './index.js';

export interface IntegerShape {
  /** The text with every run of digits that may be an integer constant replaced by a marker. */
  readonly key: string;
  /** [start, end) of each run, in characters (which are bytes: only ASCII texts have a shape). */
  readonly starts: readonly number[];
  readonly ends: readonly number[];
  /** Where the `-` directly before a run is (whitespace between allowed), or -1. */
  readonly minus: readonly number[];
}

/** One statement of a template: where it is in the template's text, and its canonical form with holes. */
interface TemplateStatement {
  readonly statement: SqlStatement;
  readonly start: number;
  readonly end: number;
  /** The canonical form around the constants: segments[0] · value · segments[1] · … */
  readonly segments: readonly string[];
  /** Which run's value goes after each segment but the last. */
  readonly slots: readonly number[];
}

export interface ShapeTemplate {
  readonly statements: readonly TemplateStatement[];
  readonly starts: readonly number[];
  readonly ends: readonly number[];
  /** -1 where the grammar folded the `-` before the run into the constant. */
  readonly signs: readonly number[];
}

/** A parsed statement of the template's text, before it is classified into a SqlStatement. */
export interface ParsedStatement {
  readonly tree: unknown;
  readonly start: number;
  readonly end: number;
  readonly statement: SqlStatement;
}

/** Outside ASCII, so it cannot occur in a text that has a shape. */
const MARKER = '\uffff';
const NOT_ASCII = /[^\x00-\x7f]/;
/** An int4 holds any nine digits; ten may not fit, and the lexer then makes a float of them. */
const MAX_DIGITS = 9;

/** The text's shape, or undefined when it has no integer constants to take out or is not ASCII. */
export function integerShape(text: string): IntegerShape | undefined {
  // The parser's positions are in bytes; only in ASCII are they the text's own.
  if (NOT_ASCII.test(text)) return undefined;
  const starts: number[] = [];
  const ends: number[] = [];
  const minus: number[] = [];
  const length = text.length;
  let key = '';
  let copied = 0;
  let lastMinus = -1;
  let identifierStart = -1;
  let i = 0;
  while (i < length) {
    const c = text.charCodeAt(i);
    if (isSpace(c)) {
      i++;
      continue;
    }
    const previousMinus = lastMinus;
    const previousIdentifier = identifierStart;
    lastMinus = -1;
    identifierStart = -1;
    if (c === DASH && text.charCodeAt(i + 1) === DASH) {
      i = lineEnd(text, i + 2);
    } else if (c === SLASH && text.charCodeAt(i + 1) === STAR) {
      i = commentEnd(text, i + 2);
    } else if (c === QUOTE) {
      // E'…' takes backslash escapes; every other string only doubled quotes.
      const escapes = previousIdentifier === i - 1 && (text.charCodeAt(i - 1) | 0x20) === 0x65;
      i = quotedEnd(text, i + 1, QUOTE, escapes);
    } else if (c === DOUBLE_QUOTE) {
      i = quotedEnd(text, i + 1, DOUBLE_QUOTE, false);
    } else if (c === DOLLAR) {
      i = dollarEnd(text, i);
    } else if (isIdentifierStart(c)) {
      identifierStart = i;
      i++;
      while (i < length && isIdentifierPart(text.charCodeAt(i))) i++;
    } else if (isDigit(c)) {
      let end = i + 1;
      while (end < length && isDigit(text.charCodeAt(end))) end++;
      const next = end < length ? text.charCodeAt(end) : 0;
      const plain = end - i <= MAX_DIGITS && text.charCodeAt(i - 1) !== DOT && !isIdentifierPart(next) && next !== DOT;
      if (plain) {
        key += text.slice(copied, i) + MARKER;
        copied = end;
        starts.push(i);
        ends.push(end);
        minus.push(previousMinus);
        i = end;
      } else {
        // A float, a hexadecimal or underscored integer, or an int8: kept as written.
        i = end;
        while (i < length && (isIdentifierPart(text.charCodeAt(i)) || text.charCodeAt(i) === DOT)) i++;
      }
    } else {
      if (c === DASH) lastMinus = i;
      i++;
    }
    if (i < 0) return undefined;
  }
  if (starts.length === 0) return undefined;
  return { key: key + text.slice(copied), starts, ends, minus };
}

/**
 * The template for a shape, from its first text's parse trees and classification, or undefined
 * when the analysis may depend on the constants. Overwrites the constants in `parsed`'s trees.
 */
export function templateOf(shape: IntegerShape, text: string, parsed: readonly ParsedStatement[]): ShapeTemplate | undefined {
  const values = shape.starts.map((start, i) => Number(text.slice(start, shape.ends[i])));
  const signs = new Array<number>(values.length).fill(0);
  const byStart = new Map<number, number>();
  const byMinus = new Map<number, number>();
  shape.starts.forEach((start, i) => {
    byStart.set(start, i);
    if (shape.minus[i]! >= 0) byMinus.set(shape.minus[i]!, i);
  });
  const placeholder = `@airlock-constant-${Math.random().toString(36).slice(2)}-`;
  let matched = true;
  const mark = (constant: Record<string, unknown>): void => {
    const location = constant.location;
    if (typeof location !== 'number') return;
    const run = byStart.get(location) ?? byMinus.get(location);
    if (run === undefined) return;
    const sign = byStart.has(location) ? 1 : -1;
    if (!('ival' in constant) || renderInteger(sign * values[run]!) !== JSON.stringify(constant.ival) || (signs[run] !== 0 && signs[run] !== sign)) {
      matched = false;
      return;
    }
    signs[run] = sign;
    constant.ival = `${placeholder}${run}`;
  };
  for (const { tree } of parsed) forEachConstant(tree, mark);
  if (!matched || signs.includes(0)) return undefined;
  const hole = new RegExp(`"${placeholder}(\\d+)"`);
  const statements: TemplateStatement[] = [];
  for (const { tree, start, end, statement } of parsed) {
    const pieces = canonicalOf(tree).split(hole);
    const segments = pieces.filter((_, i) => i % 2 === 0);
    const slots = pieces.filter((_, i) => i % 2 === 1).map(Number);
    const template = { statement, start, end, segments, slots };
    // The canonical form written from the template must be the one the parser gave.
    if (canonicalWith(template, values, signs) !== statement.canonical) return undefined;
    statements.push(template);
  }
  return { statements, starts: shape.starts, ends: shape.ends, signs };
}

/** The statements of another text of the template's shape. */
export function statementsFrom(template: ShapeTemplate, text: string, shape: IntegerShape): SqlStatement[] {
  const values = shape.starts.map((start, i) => Number(text.slice(start, shape.ends[i])));
  return template.statements.map((t) => {
    const start = t.start + shift(template, shape, t.start);
    const end = t.end + shift(template, shape, t.end);
    const { statement } = t;
    return {
      ...statement,
      canonical: canonicalWith(t, values, template.signs),
      part: { ...statement.part, text: text.slice(start, end).trim() },
    };
  });
}

/** How far `offset` of the template's text moves in the other text: the runs before it changed length. */
function shift(template: ShapeTemplate, shape: IntegerShape, offset: number): number {
  let moved = 0;
  for (let i = 0; i < template.starts.length && template.starts[i]! < offset; i++) {
    moved += shape.ends[i]! - shape.starts[i]! - (template.ends[i]! - template.starts[i]!);
  }
  return moved;
}

function canonicalWith(template: Pick<TemplateStatement, 'segments' | 'slots'>, values: readonly number[], signs: readonly number[]): string {
  let canonical = template.segments[0]!;
  for (let i = 0; i < template.slots.length; i++) {
    const run = template.slots[i]!;
    canonical += renderInteger(signs[run]! * values[run]!) + template.segments[i + 1]!;
  }
  return canonical;
}

/** An integer constant's value as libpg-query writes it: protobuf leaves a zero out. */
function renderInteger(value: number): string {
  return value === 0 ? '{}' : `{"ival":${value}}`;
}

function forEachConstant(value: unknown, visit: (constant: Record<string, unknown>) => void): void {
  if (value === null || typeof value !== 'object') return;
  if (Array.isArray(value)) {
    for (const item of value) forEachConstant(item, visit);
    return;
  }
  for (const [key, inner] of Object.entries(value)) {
    if (key === 'A_Const' && inner !== null && typeof inner === 'object') visit(inner as Record<string, unknown>);
    else forEachConstant(inner, visit);
  }
}

const DASH = 0x2d;
const SLASH = 0x2f;
const STAR = 0x2a;
const QUOTE = 0x27;
const DOUBLE_QUOTE = 0x22;
const DOLLAR = 0x24;
const DOT = 0x2e;
const BACKSLASH = 0x5c;

function isSpace(c: number): boolean {
  return c === 0x20 || (c >= 0x09 && c <= 0x0d);
}

function isDigit(c: number): boolean {
  return c >= 0x30 && c <= 0x39;
}

function isIdentifierStart(c: number): boolean {
  return (c >= 0x61 && c <= 0x7a) || (c >= 0x41 && c <= 0x5a) || c === 0x5f;
}

function isIdentifierPart(c: number): boolean {
  return isIdentifierStart(c) || isDigit(c) || c === DOLLAR;
}

function lineEnd(text: string, from: number): number {
  let i = from;
  while (i < text.length && text.charCodeAt(i) !== 0x0a && text.charCodeAt(i) !== 0x0d) i++;
  return i;
}

/** After a `/* … *\/` comment, which nests; -1 when it does not end. */
function commentEnd(text: string, from: number): number {
  let depth = 1;
  let i = from;
  while (i < text.length) {
    const c = text.charCodeAt(i);
    if (c === STAR && text.charCodeAt(i + 1) === SLASH) {
      i += 2;
      if (--depth === 0) return i;
    } else if (c === SLASH && text.charCodeAt(i + 1) === STAR) {
      i += 2;
      depth++;
    } else i++;
  }
  return -1;
}

/** After a quoted string or name (a doubled quote stays inside); -1 when it does not end. */
function quotedEnd(text: string, from: number, quote: number, escapes: boolean): number {
  let i = from;
  while (i < text.length) {
    const c = text.charCodeAt(i);
    if (escapes && c === BACKSLASH) i += 2;
    else if (c !== quote) i++;
    else if (text.charCodeAt(i + 1) === quote) i += 2;
    else return i + 1;
  }
  return -1;
}

/** After `$1`, a `$tag$ … $tag$` string, or a lone `$`; -1 when the string does not end. */
function dollarEnd(text: string, at: number): number {
  let i = at + 1;
  if (isDigit(text.charCodeAt(i))) {
    while (isDigit(text.charCodeAt(i))) i++;
    return i;
  }
  if (isIdentifierStart(text.charCodeAt(i))) {
    while (i < text.length && isIdentifierPart(text.charCodeAt(i)) && text.charCodeAt(i) !== DOLLAR) i++;
  }
  if (text.charCodeAt(i) !== DOLLAR) return at + 1;
  const tag = text.slice(at, i + 1);
  const close = text.indexOf(tag, i + 1);
  return close < 0 ? -1 : close + tag.length;
}
