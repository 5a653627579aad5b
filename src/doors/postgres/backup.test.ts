import { beforeAll, describe, expect, it } from 'vitest';
import { loadSqlClassifier } from '../../classify/sql/index.js';
import { exactPattern, planPgDump } from './backup.js';

beforeAll(async () => {
  await loadSqlClassifier();
});

describe('planPgDump', () => {
  it.each([
    ['TRUNCATE orders', { scope: 'tables', tables: ['orders'] }],
    ['DELETE FROM app.users WHERE true', { scope: 'tables', tables: ['app.users'] }],
    ['DROP TABLE a, b', { scope: 'tables', tables: ['a', 'b'] }],
    ['ALTER TABLE users DROP COLUMN email', { scope: 'tables', tables: ['users'] }],
    ['WITH d AS (DELETE FROM q RETURNING *) SELECT * FROM d', { scope: 'tables', tables: ['q'] }],
    ['DROP SCHEMA app CASCADE', { scope: 'schemas', schemas: ['app'] }],
    ['DROP INDEX users_name_idx', { scope: 'definitions' }],
    ['DROP TYPE mood CASCADE', { scope: 'database' }],
    ['TRUNCATE users CASCADE', { scope: 'database' }],
    ['DO $$ BEGIN END $$', { scope: 'database' }],
    ['DROP DATABASE shop_old', { scope: 'database', database: 'shop_old' }],
    ['VACUUM FULL users', { scope: 'none' }],
    ['SELECT 1', { scope: 'none' }],
  ])('plans %s', (sql, expected) => {
    expect(planPgDump(sql)).toMatchObject(expected);
  });

  it('dumps nothing for an unknown effect when told to skip it', () => {
    expect(planPgDump('CALL p()', 'skip')).toMatchObject({ scope: 'none' });
  });

  it('dumps everything when tables and schemas are both destroyed (pg_dump ignores -n with -t)', () => {
    expect(planPgDump('DROP SCHEMA app; TRUNCATE orders')).toMatchObject({ scope: 'database' });
  });
});

describe('exactPattern', () => {
  it('quotes each part, and looks for an unqualified name in every schema', () => {
    expect(exactPattern('app.Users')).toBe('"app"."Users"');
    expect(exactPattern('orders')).toBe('*."orders"');
    expect(exactPattern('we"ird')).toBe('*."we""ird"');
  });
});
