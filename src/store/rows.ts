/**
 * Each table's row as both stores read it (snake_case columns, `null` for an absent value) and
 * its mapping to the domain record of records.ts. One home for both dialects, so that a column
 * added to a table is mapped once and the two stores cannot read it differently.
 */
import type { AgentRecord, AgentState, OperatorRecord, TokenRecord } from './records.js';

export interface AgentRow {
  name: string;
  state: AgentState;
  state_reason: string | null;
  description: string | null;
  created_at: string;
  observe_until: string | null;
}

export function toAgent(row: AgentRow): AgentRecord {
  return {
    name: row.name,
    state: row.state,
    stateReason: row.state_reason ?? undefined,
    description: row.description ?? undefined,
    createdAt: row.created_at,
    ...(row.observe_until ? { observeUntil: row.observe_until } : {}),
  };
}

export interface TokenRow {
  id: string;
  agent: string;
  hash: string;
  scopes: string;
  label: string | null;
  created_at: string;
  expires_at: string;
  revoked_at: string | null;
}

export function toToken(row: TokenRow): TokenRecord {
  return {
    id: row.id,
    agent: row.agent,
    hash: row.hash,
    scopes: JSON.parse(row.scopes) as string[],
    label: row.label ?? undefined,
    createdAt: row.created_at,
    expiresAt: row.expires_at,
    revokedAt: row.revoked_at ?? undefined,
  };
}

export interface OperatorRow {
  name: string;
  created_at: string;
  totp_secret: string;
  password_hash: string | null;
  last_approval_at: string | null;
}

export function toOperator(row: OperatorRow): OperatorRecord {
  return {
    name: row.name,
    createdAt: row.created_at,
    totpSecretSealed: row.totp_secret,
    passwordHash: row.password_hash ?? undefined,
    lastApprovalAt: row.last_approval_at ?? undefined,
  };
}
