import { schema } from './001-schema.js';
import { changes } from './002-changes.js';
import { budgetClaims } from './003-budget-claims.js';
import { observe } from './004-observe.js';
import { mcpSessions } from './005-mcp-sessions.js';

/** Applied in order, each once. Append; never edit a shipped one. */
export const POSTGRES_MIGRATIONS: readonly { readonly id: string; readonly sql: string }[] = [schema, changes, budgetClaims, observe, mcpSessions];
