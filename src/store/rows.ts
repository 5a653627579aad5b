/**
 * Each table's row as both stores read it (snake_case columns, `null` for an absent value) and
 * its mapping to the domain record of records.ts; where a column holds JSON, the values an insert
 * writes too, so that it is encoded beside the mapping that decodes it. One home for both
 * dialects, so that a column added to a table is mapped once and the two stores cannot read it
 * differently. The SQL, its placeholders and each driver's errors stay in each store.
 */
import type {
  AgentRecord,
  AgentState,
  ApiKeyRecord,
  AuditRecord,
  Baseline,
  ControlState,
  DeliveryRecord,
  DeliveryStatus,
  HoldRecord,
  McpSessionRecord,
  OperatorRecord,
  SessionRecord,
  TokenRecord,
} from './records.js';

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

/** What an insert of a token writes, in the order `id, agent, hash, scopes, label, created_at, expires_at`. */
export function tokenValues(token: TokenRecord): [string, string, string, string, string | null, string, string] {
  return [token.id, token.agent, token.hash, JSON.stringify(token.scopes), token.label ?? null, token.createdAt, token.expiresAt];
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

export interface SessionRow {
  id: string;
  operator: string;
  csrf: string;
  created_at: string;
  seen_at: string;
  expires_at: string;
  ended_at: string | null;
}

export function toSession(row: SessionRow): SessionRecord {
  return {
    id: row.id,
    operator: row.operator,
    csrf: row.csrf,
    createdAt: row.created_at,
    seenAt: row.seen_at,
    expiresAt: row.expires_at,
    endedAt: row.ended_at ?? undefined,
  };
}

export interface ApiKeyRow {
  id: string;
  operator: string;
  hash: string;
  label: string | null;
  created_at: string;
  expires_at: string | null;
  revoked_at: string | null;
  used_at: string | null;
}

export function toApiKey(row: ApiKeyRow): ApiKeyRecord {
  return {
    id: row.id,
    operator: row.operator,
    hash: row.hash,
    label: row.label ?? undefined,
    createdAt: row.created_at,
    expiresAt: row.expires_at ?? undefined,
    revokedAt: row.revoked_at ?? undefined,
    usedAt: row.used_at ?? undefined,
  };
}

export interface McpSessionRow {
  id: string;
  token_id: string;
  agent: string;
  initialize: string;
  created_at: string;
  seen_at: string;
}

export function toMcpSession(row: McpSessionRow): McpSessionRecord {
  return {
    id: row.id,
    tokenId: row.token_id,
    agent: row.agent,
    initialize: JSON.parse(row.initialize) as McpSessionRecord['initialize'],
    createdAt: row.created_at,
    seenAt: row.seen_at,
  };
}

/** What an insert of an MCP session writes, in the order `id, token_id, agent, initialize, created_at, seen_at`. */
export function mcpSessionValues(session: McpSessionRecord): [string, string, string, string, string, string] {
  return [session.id, session.tokenId, session.agent, JSON.stringify(session.initialize), session.createdAt, session.seenAt];
}

export interface DeliveryRow {
  id: number;
  key: string;
  webhook: string;
  event: string;
  hold_id: string | null;
  audit_seq: number;
  status: DeliveryStatus;
  attempts: number;
  next_attempt_at: string;
  last_error: string | null;
  created_at: string;
  delivered_at: string | null;
  payload: string;
}

export function toDelivery(row: DeliveryRow): DeliveryRecord {
  return {
    id: row.id,
    key: row.key,
    webhook: row.webhook,
    event: row.event,
    holdId: row.hold_id ?? undefined,
    auditSeq: row.audit_seq,
    status: row.status,
    attempts: row.attempts,
    nextAttemptAt: row.next_attempt_at,
    lastError: row.last_error ?? undefined,
    createdAt: row.created_at,
    deliveredAt: row.delivered_at ?? undefined,
    payload: row.payload,
  };
}

export interface AuditRow {
  seq: number;
  body: string;
  hash: string;
}

export function toAuditRecord(row: AuditRow): AuditRecord {
  return { ...(JSON.parse(row.body) as Omit<AuditRecord, 'hash'>), hash: row.hash };
}

/** A hold is stored whole as JSON in `body`; its other columns repeat fields so that queries can filter on them. */
export interface HoldRow {
  body: string;
}

export function toHold(row: HoldRow): HoldRecord {
  return JSON.parse(row.body) as HoldRecord;
}

/** What an insert of a hold writes, in the order `id, status, agent, created_at, expires_at, run_at, body`. */
export function holdValues(hold: HoldRecord): [string, string, string, string, string, string | null, string] {
  return [hold.id, hold.status, hold.agent, hold.createdAt, hold.expiresAt, hold.runAt ?? null, JSON.stringify(hold)];
}

/** What an update of a hold writes, in the order `status, expires_at, run_at, body`. */
export function holdUpdateValues(hold: HoldRecord): [string, string, string | null, string] {
  return [hold.status, hold.expiresAt, hold.runAt ?? null, JSON.stringify(hold)];
}

/** A baseline is relearned as a whole, so it is stored whole as JSON in `body`. */
export interface BaselineRow {
  body: string;
}

export function toBaseline(row: BaselineRow): Baseline {
  return JSON.parse(row.body) as Baseline;
}

/** Operator-wide switches, one row a key with its value as JSON. */
export interface ControlRow {
  key: string;
  value: string;
}

export function toControlState(rows: readonly ControlRow[]): ControlState {
  const values = new Map(rows.map((row) => [row.key, JSON.parse(row.value) as unknown]));
  return {
    stopAll: values.get('stopAll') as ControlState['stopAll'],
    freeze: values.get('freeze') as ControlState['freeze'],
  };
}
