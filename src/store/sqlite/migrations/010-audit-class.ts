/**
 * The operation's class as a column of the audit table, as PostgreSQL's has it: the budgets'
 * index was on json_extract(body, '$.class'), which parsed every allowed record's body inside
 * its insert — the most costly part of an append after the commit itself.
 */
export const auditClassMigration = {
  id: '010-audit-class',
  sql: `
    ALTER TABLE audit ADD COLUMN class TEXT;
    -- Only the rows the budgets count: on a long log, a rewrite of every row would hold the start for minutes.
    UPDATE audit SET class = json_extract(body, '$.class') WHERE (type = 'decision' AND verdict = 'allow') OR type = 'hold.running';
    DROP INDEX audit_allowed_by_class;
    CREATE INDEX audit_allowed_by_class ON audit (agent, class, at)
      WHERE (type = 'decision' AND verdict = 'allow') OR type = 'hold.running';
  `,
};
