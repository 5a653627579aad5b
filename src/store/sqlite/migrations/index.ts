import { foundation } from './001-foundation.js';
import { holds } from './002-holds.js';
import { baselineMigration } from './003-baseline.js';
import { consoleMigration } from './004-console.js';
import { changeEpochMigration } from './005-change-epoch.js';
import { holdOperationMigration } from './006-hold-operation.js';
import { budgetClaimsMigration } from './007-budget-claims.js';
import { observeMigration } from './008-observe.js';
import { mcpSessionsMigration } from './009-mcp-sessions.js';
import { auditClassMigration } from './010-audit-class.js';
import { auditClassTriggerMigration } from './011-audit-class-trigger.js';

/** Applied in order, each once, each in its own transaction. Append; never edit a shipped one. */
export const MIGRATIONS: readonly { readonly id: string; readonly sql: string }[] = [
  foundation,
  holds,
  baselineMigration,
  consoleMigration,
  changeEpochMigration,
  holdOperationMigration,
  budgetClaimsMigration,
  observeMigration,
  mcpSessionsMigration,
  auditClassMigration,
  auditClassTriggerMigration,
];
