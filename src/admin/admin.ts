import type { AgentState } from '../store/records.js';
import type { AgentRecord, AuditFilter, AuditRecord, ControlState, DeliveryStatus, HoldStatus, TokenRecord } from '../store/records.js';
import type { Enrolment, OperatorView } from '../identity/operators.js';
import type { DeliveryView, HoldApprovalResult, HoldDetail, HoldView } from '../holds/service.js';
import type { FreezeWindowConfig } from '../config/schema.js';
import type { ActiveFreeze, FreezeOccurrence } from '../policy/freeze.js';

/**
 * Everything an operator can do, as one interface. The CLI calls it directly against the
 * store (LocalAdmin) or, when AIRLOCK_ADMIN_URL is set, through the admin API of a running Airlock;
 * the console's API calls the same methods. Arguments and results are plain JSON values.
 */
export interface Admin {
  /** The operator acting, as recorded in the audit log. */
  readonly operator: string;

  addAgent(request: { name: string; description?: string }): Promise<AgentRecord>;
  listAgents(): Promise<AgentRecord[]>;
  setAgentState(request: { name: string; state: AgentState; reason?: string }): Promise<AgentRecord>;
  removeAgent(request: { name: string }): Promise<void>;
  /**
   * Observe mode for `forMs` from now (or off): what would be held or refused is recorded as such
   * and forwarded — never for a stopped agent or during a freeze.
   */
  setAgentObserve(request: { name: string; forMs?: number; off?: boolean }): Promise<AgentRecord>;

  issueToken(request: { agent: string; scopes: string[]; ttlMs?: number; label?: string }): Promise<IssuedToken>;
  listTokens(request: { agent?: string; includeRevoked?: boolean }): Promise<TokenView[]>;
  revokeToken(request: { id: string }): Promise<TokenView>;

  /** The emergency stop, for one agent or all. */
  stop(request: { agent?: string; all?: boolean; reason?: string }): Promise<{ reason: string }>;
  resume(request: { agent?: string; all?: boolean }): Promise<void>;
  control(): Promise<ControlState>;

  /**
   * A freeze: from `from` (default now) until `until` (default: until ended), agents may only
   * read. Replaces a freeze started earlier; configured windows are not affected.
   */
  startFreeze(request: { reason: string; until?: string; from?: string }): Promise<FreezeStatus>;
  /** Ends the freeze started at run time; configured windows stay in force. */
  endFreeze(): Promise<FreezeStatus>;
  freezeStatus(): Promise<FreezeStatus>;

  listAudit(filter: AuditFilter): Promise<AuditRecord[]>;

  /** Holds, newest first; by default every status. */
  listHolds(request: { status?: HoldStatus[]; agent?: string; limit?: number }): Promise<HoldView[]>;
  /** One hold with the exact request it holds and its webhook deliveries. */
  showHold(request: { id: string }): Promise<HoldDetail>;
  /**
   * The acting operator's approval, with a current second-factor code when the hold needs one.
   * `operator` names the enrolled operator approving when the caller speaks for several (the
   * local CLI's --as); an admin API with signed-in operators must refuse any but its own.
   */
  approveHold(request: { id: string; code?: string; operator?: string }): Promise<HoldApprovalResult>;
  denyHold(request: { id: string; reason?: string }): Promise<HoldView>;
  /** Withdraws a hold; above all, stops a scheduled (delayed) operation before it runs. */
  cancelHold(request: { id: string; reason?: string }): Promise<HoldView>;
  /** Webhook deliveries, newest first: what was sent, what failed and why. */
  listDeliveries(request: { holdId?: string; status?: DeliveryStatus[]; limit?: number }): Promise<DeliveryView[]>;

  /** Enrols an operator with a TOTP second factor; the secret is in the answer, and only there. */
  addOperator(request: { name: string }): Promise<Enrolment>;
  listOperators(): Promise<OperatorView[]>;
  removeOperator(request: { name: string }): Promise<void>;
}

export interface FreezeStatus {
  /** The freeze in force now, if any: why, and until when. */
  readonly active: ActiveFreeze | undefined;
  /** The freeze an operator started, if any (it may be set to begin later). */
  readonly runtime: ControlState['freeze'];
  /** The windows in the config. */
  readonly windows: readonly FreezeWindowConfig[];
  /** The next window to open within about a week. */
  readonly next: FreezeOccurrence | undefined;
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
