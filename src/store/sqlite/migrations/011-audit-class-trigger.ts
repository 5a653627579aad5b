/**
 * A record inserted without its class — by a build older than migration 010, still running
 * against this file after a newer one upgraded it — gets its class from its body, so that it
 * counts against the budgets like every other. The current build always writes the column, and
 * then the trigger's condition is all it costs. Records such a build wrote between 010 and this
 * migration are given theirs here.
 */
export const auditClassTriggerMigration = {
  id: '011-audit-class-trigger',
  sql: `
    UPDATE audit SET class = json_extract(body, '$.class')
      WHERE class IS NULL AND ((type = 'decision' AND verdict = 'allow') OR type = 'hold.running');
    CREATE TRIGGER audit_class_from_body AFTER INSERT ON audit
      WHEN NEW.class IS NULL AND ((NEW.type = 'decision' AND NEW.verdict = 'allow') OR NEW.type = 'hold.running')
      BEGIN
        UPDATE audit SET class = json_extract(NEW.body, '$.class') WHERE seq = NEW.seq;
      END;
  `,
};
