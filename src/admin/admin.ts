import type { AgentState } from '../policy/decide.js';
import type { AgentRecord, AuditFilter, AuditRecord, ControlState, TokenRecord } from '../store/records.js';

/**
 * Everything an operator can do, as one interface. The CLI calls it directly against the
 * store (LocalAdmin) or, when AIRLOCK_URL is set, through the admin API of a running Airlock;
 * the console's API calls the same methods. Arguments and results are plain JSON values.
 */
export interface Admin {
  /** The operator acting, as recorded in the audit log. */
  readonly operator: string;

  addAgent(request: { name: string; description?: string }): Promise<AgentRecord>;
  listAgents(): Promise<AgentRecord[]>;
  setAgentState(request: { name: string; state: AgentState; reason?: string }): Promise<AgentRecord>;
  removeAgent(request: { name: string }): Promise<void>;

  issueToken(request: { agent: string; scopes: string[]; ttlMs?: number; label?: string }): Promise<IssuedToken>;
  listTokens(request: { agent?: string; includeRevoked?: boolean }): Promise<TokenView[]>;
  revokeToken(request: { id: string }): Promise<TokenView>;

  /** The emergency stop, for one agent or all. */
  stop(request: { agent?: string; all?: boolean; reason?: string }): Promise<{ reason: string }>;
  resume(request: { agent?: string; all?: boolean }): Promise<void>;
  control(): Promise<ControlState>;

  listAudit(filter: AuditFilter): Promise<AuditRecord[]>;
}

export interface IssuedToken {
  /** The only copy of the token there will ever be. */
  readonly token: string;
  readonly id: string;
  readonly agent: string;
  readonly scopes: readonly string[];
  readonly expiresAt: string;
}

export type TokenView = Omit<TokenRecord, 'hash'> & { readonly hint: string; readonly status: 'active' | 'expired' | 'revoked' };

export type AdminErrorCode = 'invalid' | 'not_found' | 'conflict' | 'forbidden' | 'unavailable';

/** An operator's request that cannot be done, with a message that says what to do instead. */
export class AdminError extends Error {
  override readonly name = 'AdminError';
  constructor(
    readonly code: AdminErrorCode,
    message: string,
  ) {
    super(message);
  }
}
