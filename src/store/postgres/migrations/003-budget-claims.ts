/** Units of budgets held by decisions being made (store.ts, BudgetClaimRepository). */
export const budgetClaims = {
  id: '003-budget-claims',
  sql: `
    CREATE TABLE budget_claims (
      id TEXT PRIMARY KEY,
      agent TEXT NOT NULL,
      class TEXT NOT NULL,
      at TEXT NOT NULL,
      expires_at TEXT NOT NULL
    );
    CREATE INDEX budget_claims_agent ON budget_claims (agent, class, expires_at);
  `,
};
