import { readFileSync } from 'node:fs';
import { beforeAll, describe, expect, it } from 'vitest';
import { analyzeSql, loadSqlClassifier, type SqlStatement } from './index.js';

const FIXTURE = new URL('../../../test/fixtures/postgres-regress/drop_if_exists.sql', import.meta.url);

let statements: readonly SqlStatement[];

beforeAll(async () => {
  await loadSqlClassifier();
  const analysis = analyzeSql(readFileSync(FIXTURE, 'utf8'));
  if (!analysis.ok) throw new Error(analysis.error);
  statements = analysis.statements;
});

describe("PostgreSQL's own regression SQL (drop_if_exists.sql)", () => {
  it('classifies every statement without an internal error', () => {
    expect(statements).toHaveLength(106);
    for (const statement of statements) expect(statement.part.why ?? '').not.toMatch(/could not classify/);
  });

  it('classifies every DROP as destructive, and DROP ROLE as privilege', () => {
    const drops = statements.filter((s) => s.type.startsWith('Drop'));
    expect(drops.filter((s) => s.type === 'DropStmt')).toHaveLength(81);
    expect(drops.filter((s) => s.type === 'DropRoleStmt')).toHaveLength(9);
    for (const drop of drops) expect([drop.part.text, drop.part.class]).toEqual([drop.part.text, drop.type === 'DropRoleStmt' ? 'privilege' : 'destructive']);
  });

  it('classifies every CREATE as at least a write', () => {
    const creates = statements.filter((s) => /^(Create|Define|Index|View|Composite|Rule)/.test(s.type));
    expect(creates).toHaveLength(16);
    for (const create of creates) expect([create.part.text, create.part.class]).not.toEqual([create.part.text, 'read']);
  });
});
