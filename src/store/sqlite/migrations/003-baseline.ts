/**
 * Behaviour baselines, and the indexes that let signals and budgets count an agent's recent
 * decisions straight from the audit log (which every process and replica writes), so that no
 * second counter has to be kept in step with it.
 */
export const baselineMigration = {
  id: '003-baseline',
  sql: `
    CREATE TABLE baselines (
      agent TEXT PRIMARY KEY,
      updated_at TEXT NOT NULL,
      body TEXT NOT NULL
    );
    -- Budgets: an agent's operations of one class that ran, by time: allowed decisions, and
    -- held operations Airlock ran itself at the end of their delay.
    CREATE INDEX audit_allowed_by_class ON audit (agent, json_extract(body, '$.class'), at)
      WHERE (type = 'decision' AND verdict = 'allow') OR type = 'hold.running';
    -- Rate and refusal bursts: an agent's decisions, by time.
    CREATE INDEX audit_decisions_by_time ON audit (agent, at, verdict) WHERE type = 'decision';
    -- The circuit breaker counts refusals since an agent was last suspended or resumed.
    CREATE INDEX audit_agent_state ON audit (agent, seq)
      WHERE type IN ('agent.suspended', 'agent.resumed', 'stop.agent', 'agent.added');
  `,
};
