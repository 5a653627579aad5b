import { parsePlPgSQLSync, scanSync } from 'libpg-query';
import { severity } from '../../core/operation.js';
import type { Finding, JudgeContext } from './judge.js';
import { list, noteConstantRead, option, stringOf, type Fields } from './nodes.js';

/**
 * What a function's body does when it is called. Creating a trigger function that deletes
 * everything, then inserting a row, must not be two harmless steps: the CREATE is judged by its
 * body. SQL bodies are classified statement by statement; PL/pgSQL bodies are parsed with the
 * real PL/pgSQL parser and every embedded statement and expression classified; dynamic SQL
 * (EXECUTE) and other languages cannot be seen into, so their effect is unknown.
 */
export function judgeFunctionBody(f: Fields, context: JudgeContext): Finding {
  const language = (stringOf(option(f.options, 'language')?.arg) ?? 'sql').toLowerCase();
  const body = list(option(f.options, 'as')?.arg).map((item) => stringOf(item) ?? '');
  if (body.length === 0) return { class: 'write', why: undefined, resources: [] };
  if (language === 'sql') return context.nested(body[0]!, context.depth + 1);
  if (language === 'plpgsql') return judgePlpgsql(context);
  return {
    class: 'destructive',
    why: `its body is written in ${language}, which Airlock cannot read, so its effect is unknown`,
    resources: [],
  };
}

function judgePlpgsql(context: JudgeContext): Finding {
  // The PL/pgSQL parser reads the whole statement's text, constants included.
  noteConstantRead();
  let parsed: unknown;
  try {
    parsed = parsePlPgSQLSync(context.statementText);
  } catch (error) {
    return { class: 'destructive', why: `its PL/pgSQL body could not be parsed (${(error as Error).message})`, resources: [] };
  }
  const findings: Finding[] = [];
  const visit = (value: unknown): void => {
    if (value === null || typeof value !== 'object') return;
    if (Array.isArray(value)) {
      for (const item of value) visit(item);
      return;
    }
    for (const [key, inner] of Object.entries(value)) {
      if (key.startsWith('PLpgSQL_stmt_dyn') || key === 'dynquery') {
        findings.push({ class: 'destructive', why: 'it runs dynamically built SQL (EXECUTE), which Airlock cannot see', resources: [] });
      }
      if (key === 'PLpgSQL_expr' && inner && typeof inner === 'object') {
        const expr = inner as { query?: string; parseMode?: number };
        const sql = statementOf(expr.query ?? '', expr.parseMode ?? 0);
        if (sql === undefined) findings.push({ class: 'destructive', why: `its statement "${expr.query}" could not be read`, resources: [] });
        else findings.push(context.nested(sql, context.depth + 1));
      }
      visit(inner);
    }
  };
  visit(parsed);
  return worstOf(findings);
}

/** A PL/pgSQL expression as a statement the SQL parser reads (its parse modes, from plpgsql.h). */
function statementOf(query: string, parseMode: number): string | undefined {
  if (parseMode === 0) return query;
  if (parseMode === 2) return `SELECT ${query}`;
  if (parseMode >= 3 && parseMode <= 5) {
    // `target := expression`: the expression is what runs.
    const tokens = scanSync(query).tokens;
    const assign = tokens.find((t) => t.text === ':=' || t.text === '=');
    if (!assign) return undefined;
    return `SELECT ${Buffer.from(query, 'utf8').subarray(assign.end).toString('utf8')}`;
  }
  return undefined;
}

export function worstOf(findings: readonly Finding[]): Finding {
  let worst: Finding = { class: 'read', why: undefined, resources: [] };
  const resources = new Set<string>();
  for (const finding of findings) {
    for (const r of finding.resources) resources.add(r);
    if (severity(finding.class) > severity(worst.class) || (finding.class === worst.class && !worst.why && finding.why)) worst = finding;
  }
  return { class: worst.class, why: worst.why, resources: [...resources] };
}
