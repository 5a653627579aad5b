import { beforeAll, describe, expect, it, vi } from 'vitest';
import { analyzeSql, loadSqlClassifier, type SqlClassifierOptions } from './index.js';
import { integerShape } from './literals.js';

const parses = vi.hoisted(() => ({ count: 0 }));
vi.mock('libpg-query', async (importOriginal) => {
  const actual = await importOriginal<typeof import('libpg-query')>();
  return {
    ...actual,
    parseSync: (text: string) => {
      parses.count++;
      return actual.parseSync(text);
    },
  };
});

beforeAll(async () => {
  await loadSqlClassifier();
});

/** Every run of digits the shape takes out, as written. */
function runs(text: string): string[] {
  const shape = integerShape(text);
  return shape ? shape.starts.map((start, i) => text.slice(start, shape.ends[i])) : [];
}

/** The text with its runs of digits replaced, one value per run (cycling through `values`). */
function withRuns(text: string, values: readonly string[]): string {
  const shape = integerShape(text)!;
  let out = '';
  let copied = 0;
  shape.starts.forEach((start, i) => {
    out += text.slice(copied, start) + values[i % values.length]!;
    copied = shape.ends[i]!;
  });
  return out + text.slice(copied);
}

describe('integerShape', () => {
  it('takes out integer constants and nothing inside strings, names, comments or parameters', () => {
    expect(runs('SELECT abalance FROM pgbench_accounts WHERE aid = 48213;')).toEqual(['48213']);
    expect(runs('SELECT \'a 1\', "col 2", t3.c4, $5, 6 -- 7\n/* 8 /* 9 */ 10 */ FROM t WHERE x = 11')).toEqual(['6', '11']);
    expect(runs("SELECT E'\\' 1', 2, $$ 3 $$, $tag$ 4 $tag$, 5")).toEqual(['2', '5']);
    expect(runs("SELECT U&'d\\0061t 1', B'101', X'1F', 2")).toEqual(['2']);
  });

  it('keeps floats, hexadecimal and underscored integers and numbers too long for an int4 as written', () => {
    expect(runs('SELECT 1.5, .5, 1e5, 0x1F, 1_000, 1234567890, 123456789')).toEqual(['123456789']);
  });

  it('gives two texts the same key only when they differ in integer constants alone', () => {
    const key = (sql: string) => integerShape(sql)?.key;
    expect(key('SELECT * FROM t WHERE id = 1')).toBe(key('SELECT * FROM t WHERE id = 23456'));
    expect(key('SELECT * FROM t WHERE id = 1')).not.toBe(key('SELECT * FROM t WHERE id = $1'));
    expect(key("SELECT * FROM t WHERE id = 1 AND s = 'a'")).not.toBe(key("SELECT * FROM t WHERE id = 1 AND s = 'b'"));
    expect(key('SELECT * FROM t WHERE id = 1')).not.toBe(key('SELECT * FROM t WHERE id = -1'));
  });

  it('has no shape for a text outside ASCII or without integer constants', () => {
    expect(integerShape("SELECT 1, 'é'")).toBeUndefined();
    expect(integerShape('SELECT * FROM t')).toBeUndefined();
  });
});

/** Statements with integer constants, of every kind of dependence on them the classifier has. */
const CORPUS = [
  'SELECT abalance FROM pgbench_accounts WHERE aid = 48213;',
  'UPDATE pgbench_accounts SET abalance = abalance + -4321 WHERE aid = 17;',
  'UPDATE pgbench_tellers SET tbalance = tbalance + 12 WHERE tid = 3',
  'INSERT INTO pgbench_history (tid, bid, aid, delta, mtime) VALUES (3, 1, 17, - 4321, CURRENT_TIMESTAMP)',
  'SELECT * FROM t WHERE a IN (1, 2,   3) AND b = ANY(ARRAY[4, 5]) ORDER BY 1 LIMIT 10 OFFSET 20',
  'SELECT 0, 00, 7, -8, - 9, 5 - 6, x-7 FROM t',
  'BEGIN; SELECT 1; /* between */ UPDATE t SET n = 2 WHERE id = 3; COMMIT',
  "SELECT now() - interval '1 day' * 3, '5'::int + 6, varchar(12) '1', 2::numeric(10, 2)",
  'SELECT * FROM t WHERE id BETWEEN 1 AND 100 FOR UPDATE',
  'DELETE FROM users WHERE id = 5',
  'DELETE FROM users WHERE 1 = 1',
  'DELETE FROM users WHERE 1 = 2',
  'DELETE FROM users WHERE 2 > 1',
  'DELETE FROM users WHERE id = 5 OR 1 = 1',
  'DELETE FROM users WHERE id IN (1, id)',
  'UPDATE users SET admin = true WHERE (id = 1) IS TRUE',
  'DELETE FROM users WHERE 1 = 1 AND id = id',
  'SET statement_timeout = 5000',
  "SELECT set_config('statement_timeout', 5 || '0', false)",
  'SELECT pg_catalog.pg_cancel_backend(42)',
  'SELECT lo_unlink(16401)',
  'FETCH 10 FROM c',
  'EXECUTE some_statement(1)',
  'PREPARE one(int) AS SELECT * FROM users WHERE id = $1 + 1; EXECUTE one(1)',
  'CREATE TABLE t (a int DEFAULT 5, b varchar(20), c numeric(10, 2) CHECK (c > 0))',
  'CREATE FUNCTION f() RETURNS int LANGUAGE sql RETURN 5',
  'CREATE FUNCTION g(a int DEFAULT 3) RETURNS int LANGUAGE plpgsql AS $$ BEGIN RETURN a + 1; END $$',
  "SELECT query_to_xml('select 1', true, false, '') LIMIT 3",
  'WITH d AS (DELETE FROM q WHERE id = 1 RETURNING *) SELECT * FROM d LIMIT 2',
  "SELECT float(10) 1, 1::float(30), interval(3) '1 s'",
  'ALTER TABLE t ALTER COLUMN c SET STATISTICS 100',
  'VACUUM (PARALLEL 2) t',
  'SELECT a[1], a[2:3] FROM t',
  "SET airlock.hold = 'hold_0123456789abcdefghij'; DELETE FROM t WHERE id = 5",
  'DELETE FROM t WHERE id = 5 /* airlock.hold=hold_0123456789abcdefghij */',
  '-- airlock:hold=hold_abcdefghij0123456789\nDROP TABLE t5; SELECT 1',
  'SELECT * FROM t WHERE a = $2 AND b = 3',
];

describe('analyzeSql for texts that differ only in integer constants', () => {
  it.each(CORPUS)('answers every variant of %s as a full analysis of it would', (sql) => {
    const options: SqlClassifierOptions = {};
    const first = analyzeSql(sql, options);
    for (const values of [['0'], ['1'], ['7', '123456789'], ['000'], ['99', '1', '0'], ['12345678']]) {
      const variant = withRuns(sql, values);
      expect(analyzeSql(variant, options)).toEqual(analyzeSql(variant, {}));
    }
    expect(analyzeSql(sql, options)).toBe(first);
  });

  it('parses a statement once for all its integer constants, with each text and canonical form its own', () => {
    const options: SqlClassifierOptions = {};
    analyzeSql('SELECT abalance FROM pgbench_accounts WHERE aid = 1;', options);
    const before = parses.count;
    const analysis = analyzeSql('SELECT abalance FROM pgbench_accounts WHERE aid = 4242;', options);
    expect(parses.count).toBe(before);
    if (!analysis.ok) throw new Error(analysis.error);
    expect(analysis.statements[0]!.part.text).toBe('SELECT abalance FROM pgbench_accounts WHERE aid = 4242;'.slice(0, -1));
    expect(analysis.canonical).toContain('"ival":4242');
    expect(analysis.canonical).toBe((analyzeSql('select abalance from pgbench_accounts where aid=4242', {}) as { canonical: string }).canonical);
    expect(Object.isFrozen(analysis) && Object.isFrozen(analysis.statements[0]!.part)).toBe(true);
  });

  it('parses again when the classification read a constant, so that 1 = 2 is not taken for 1 = 1', () => {
    const options: SqlClassifierOptions = {};
    const every = analyzeSql('DELETE FROM users WHERE 1 = 1', options);
    const before = parses.count;
    const none = analyzeSql('DELETE FROM users WHERE 1 = 2', options);
    expect(parses.count).toBe(before + 1);
    expect(every.ok && every.statements[0]!.part.class).toBe('destructive');
    expect(none.ok && none.statements[0]!.part.class).toBe('write');
  });

  it('keeps templates apart per options object, since configured functions change classes', () => {
    const configured: SqlClassifierOptions = { functions: { 'refresh_*': 'write' } };
    analyzeSql('SELECT refresh_totals(1)', {});
    const part = analyzeSql('SELECT refresh_totals(2)', configured);
    expect(part.ok && part.statements[0]!.part.class).toBe('write');
  });
});
