import { describe, expect, it } from 'vitest';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { ROOT, runCli } from '../../support/airlock.js';

const REGRESS = join(ROOT, 'test/fixtures/postgres-regress/drop_if_exists.sql');

describe('airlock classify sql', () => {
  it('prints each statement of stdin with its class, action and why', () => {
    const run = runCli(['classify', 'sql'], { input: 'SELECT 1;\nDELETE FROM users WHERE 1 = 1;\nGRANT admin TO agent' });
    expect(run.status).toBe(0);
    expect(run.stdout).toMatch(/read\s+sql:SelectStmt/);
    expect(run.stdout).toMatch(/destructive\s+sql:DeleteStmt\s+users/);
    expect(run.stdout).toMatch(/privilege\s+sql:GrantRoleStmt/);
    expect(run.stdout).toMatch(/deletes every row of users/);
  });

  it('reads stdin when a file is named -', () => {
    const run = runCli(['classify', 'sql', '-'], { input: 'DROP TABLE users' });
    expect(run.status).toBe(0);
    expect(run.stdout).toMatch(/destructive\s+sql:DropStmt\s+users/);
  });

  it('judges one case a line with --each-line, printing JSON lines with line numbers, and goes on past a line it cannot parse', () => {
    const run = runCli(['classify', 'sql', '--each-line', '-'], {
      input: "SELECT 1\n\nSELEC oops\nUPDATE pg_settings SET setting = 'off' WHERE name = 'standard_conforming_strings'\n",
    });
    expect(run.status).toBe(1);
    const lines = run.stdout
      .trim()
      .split('\n')
      .map((line) => JSON.parse(line) as Record<string, unknown>);
    expect(lines.map((l) => [l.line, l.class ?? 'error'])).toEqual([
      [1, 'read'],
      [3, 'error'],
      [4, 'privilege'],
    ]);
    expect(lines[1]!.error).toMatch(/syntax error/);
    expect(run.stderr).toMatch(/rejects 1 line/);
  });

  it('prints JSON with --json', () => {
    const run = runCli(['classify', 'sql', '--json'], { input: 'TRUNCATE orders CASCADE' });
    expect(run.status).toBe(0);
    expect(JSON.parse(run.stdout)).toEqual([
      {
        action: 'sql:TruncateStmt',
        class: 'destructive',
        resources: ['orders'],
        why: 'TRUNCATE removes every row of orders, and with CASCADE of every table that references it',
        statement: 'TRUNCATE orders CASCADE',
      },
    ]);
  });

  it("runs over PostgreSQL's regression SQL: every DROP destructive (DROP ROLE privilege)", () => {
    const run = runCli(['classify', 'sql', '--json'], { input: readFileSync(REGRESS, 'utf8') });
    expect(run.status).toBe(0);
    const rows = JSON.parse(run.stdout) as { action: string; class: string; statement: string }[];
    const drops = rows.filter((row) => /^\s*DROP\b/i.test(row.statement));
    expect(drops).toHaveLength(90);
    for (const row of drops) expect([row.statement, row.class]).toEqual([row.statement, row.action === 'sql:DropRoleStmt' ? 'privilege' : 'destructive']);
  });

  it('reads files named on the command line', () => {
    const run = runCli(['classify', 'sql', REGRESS]);
    expect(run.status).toBe(0);
    expect(run.stdout).toMatch(/destructive\s+sql:DropStmt\s+test_exists/);
  });

  it('exits 1 with the parser’s message for SQL PostgreSQL would reject', () => {
    const run = runCli(['classify', 'sql'], { input: 'DELETE FORM users' });
    expect(run.status).toBe(1);
    expect(run.stderr).toMatch(/syntax error at or near "FORM"/);
  });
});
