import { beforeAll, describe, expect, it } from 'vitest';
import { loadSqlClassifier } from '../../classify/sql/index.js';
import { affectedRows, blastRadiusOf, cachedBlastRadiusOf, exceedsBlastRadius, rowsToCount } from './blast-radius.js';

beforeAll(() => loadSqlClassifier());

const CONFIG = { share: 0.5, minRows: 50 };

describe('what a statement proves about its own narrowness', () => {
  it.each([
    'DELETE FROM orders WHERE id = 5',
    'DELETE FROM orders WHERE id IN (3, 4)',
    'DELETE FROM orders WHERE id BETWEEN 1 AND 3',
    'UPDATE orders SET amount = 0 WHERE id = $1',
    "DELETE FROM orders WHERE id = '5'::int AND amount > 0",
    'DELETE FROM orders WHERE CURRENT OF c',
    'SELECT 1',
    'INSERT INTO orders VALUES (1, 2)',
  ])('%s is narrow', (sql) => {
    expect(blastRadiusOf(sql)).toEqual({ kind: 'narrow' });
  });

  it.each([
    ['DELETE FROM orders WHERE lower(id::text) = lower(id::text)', '"orders"'],
    ['DELETE FROM orders WHERE id = ANY(ARRAY[id])', '"orders"'],
    ['DELETE FROM shop.orders WHERE id IN (SELECT id FROM orders)', '"shop"."orders"'],
    ['DELETE FROM orders USING big b WHERE b.id = 5', '"orders"'],
    ['DELETE FROM ONLY orders WHERE id > 0 OR id = 5', 'ONLY "orders"'],
    ['UPDATE "Odd""Name" SET amount = 0', '"Odd""Name"'],
    ['MERGE INTO orders o USING src s ON o.id = s.id WHEN MATCHED THEN DELETE', '"orders"'],
  ])('%s is measured on %s', (sql, relation) => {
    expect(blastRadiusOf(sql)).toMatchObject({ kind: 'measure', relation });
  });

  it('cannot measure a write inside a WITH clause', () => {
    expect(blastRadiusOf('WITH x AS (DELETE FROM orders WHERE id > 0 RETURNING id) SELECT count(*) FROM x').kind).toBe('unmeasurable');
  });
});

describe('the radius remembered by shape', () => {
  it('answers as blastRadiusOf for texts that differ only in integers, whichever came first', () => {
    for (const n of [5, 17, 123456789, 0]) expect(cachedBlastRadiusOf(`DELETE FROM orders WHERE id = ${n}`)).toEqual({ kind: 'narrow' });
    for (const n of [5, 17, 0]) expect(cachedBlastRadiusOf(`DELETE FROM orders WHERE id > ${n}`)).toMatchObject({ kind: 'measure' });
    for (const n of [2, 3]) expect(cachedBlastRadiusOf(`UPDATE orders SET amount = ${n} WHERE amount >= -${n}`)).toMatchObject({ kind: 'measure' });
  });

  it('does not take a text for a shape that is spelt the same', () => {
    // The shape of `… = 5` is the text with a marker for the 5; a text with that very character
    // (an identifier to PostgreSQL) compares two columns, and is measured.
    expect(cachedBlastRadiusOf('DELETE FROM orders WHERE id = 7')).toEqual({ kind: 'narrow' });
    expect(cachedBlastRadiusOf('DELETE FROM orders WHERE id = \uffff')).toMatchObject({ kind: 'measure' });
    expect(cachedBlastRadiusOf('DELETE FROM orders WHERE id = 8')).toEqual({ kind: 'narrow' });
  });

  it('keeps apart what a number inside a name, a string or a float makes different', () => {
    expect(cachedBlastRadiusOf('DELETE FROM orders WHERE id = 5')).toEqual({ kind: 'narrow' });
    expect(cachedBlastRadiusOf('DELETE FROM orders WHERE id = id5')).toMatchObject({ kind: 'measure' });
    expect(cachedBlastRadiusOf("DELETE FROM orders WHERE id = '5' OR true")).toMatchObject({ kind: 'measure' });
    expect(cachedBlastRadiusOf('DELETE FROM orders5 WHERE id > 5.5')).toMatchObject({ kind: 'measure', relation: '"orders5"' });
    expect(cachedBlastRadiusOf('DELETE FROM orders6 WHERE id > 5.5')).toMatchObject({ kind: 'measure', relation: '"orders6"' });
  });
});

describe('the blast radius', () => {
  it('is exceeded by more than half of a table of at least 50 rows', () => {
    expect(exceedsBlastRadius(51, 100, CONFIG)).toBe(true);
    expect(exceedsBlastRadius(50, 100, CONFIG)).toBe(false);
    expect(exceedsBlastRadius(49, 49, CONFIG)).toBe(false);
  });

  it('is exceeded by more than maxRows of any table', () => {
    expect(exceedsBlastRadius(11, 1_000_000, { ...CONFIG, maxRows: 10 })).toBe(true);
    expect(exceedsBlastRadius(10, 1_000_000, { ...CONFIG, maxRows: 10 })).toBe(false);
  });

  it('counts the table only as far as it must', () => {
    expect(rowsToCount(25, CONFIG)).toBeUndefined();
    expect(rowsToCount(100, CONFIG)).toBe(201);
  });

  it('reads the count from the command tag', () => {
    expect(affectedRows('DELETE 12')).toBe(12);
    expect(affectedRows('MERGE 0')).toBe(0);
    expect(affectedRows('SELECT 3')).toBeUndefined();
  });
});
