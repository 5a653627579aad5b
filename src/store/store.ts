import type {
  AgentRecord,
  TimedAuditEntry,
  AuditFilter,
  AuditRecord,
  ControlState,
  DeliveryRecord,
  DeliveryStatus,
  HoldApproval,
  HoldFilter,
  HoldPatch,
  HoldRecord,
  HoldStatus,
  NewDelivery,
  OperatorRecord,
  TokenRecord,
  SessionRecord,
  ApiKeyRecord,
  AgentState,
  Baseline,
  RefusalEvent,
  StoredRecord,
  McpSessionRecord,
} from './records.js';
import type { OperationClass } from '../core/operation.js';

/**
 * Everything Airlock keeps. One interface, async throughout, so that the embedded SQLite store
 * and a PostgreSQL store shared by several replicas are interchangeable for every caller.
 */
export interface Store {
  readonly agents: AgentRepository;
  readonly tokens: TokenRepository;
  readonly control: ControlRepository;
  readonly holds: HoldRepository;
  readonly operators: OperatorRepository;
  readonly failedAttempts: FailedAttemptRepository;
  readonly notifications: NotificationRepository;
  readonly audit: AuditRepository;
  /** The console's sign-in state: operators' browser sessions and API keys. */
  readonly sessions: SessionRepository;
  readonly apiKeys: ApiKeyRepository;
  /** Agents' MCP sessions, so that any replica can serve a session another one opened. */
  readonly mcpSessions: McpSessionRepository;
  /** What each agent normally does (src/baseline/). */
  readonly baselines: BaselineRepository;
  /** An agent's recent decisions, counted from the audit log: budgets and bursts. */
  readonly activity: ActivityRepository;
  /** Units of a budget taken by decisions being made, so that replicas count each once. */
  readonly budgetClaims: BudgetClaimRepository;
  /** Where the state is, for operators (a file path, or a postgres:// URL without its password). */
  readonly location: string;
  /** Whether the store answers and its schema is the one this version expects (`/readyz`). */
  health(): Promise<StoreHealth>;
  /**
   * Changes other processes made, pushed as they commit (PostgreSQL's LISTEN/NOTIFY); absent
   * when the store has no such channel (SQLite: readers poll). `resync` means changes may have
   * been missed: re-read what matters.
   */
  readonly changes?: { subscribe(listener: (change: StoreChange | 'resync') => void): () => void };
  /** Flushes pending audit records and closes connections. */
  close(): Promise<void>;
}

export type StoreHealth = { readonly ok: true } | { readonly ok: false; readonly problem: string };

/** One committed change: the table and the row's key (`control` / `stopAll`, `holds` / `hold_…`). */
export interface StoreChange {
  readonly table: string;
  readonly key: string;
}

export class StoreConflictError extends Error {
  override readonly name = 'StoreConflictError';
}

export interface AgentRepository {
  /** Throws StoreConflictError when the name is taken. */
  add(agent: { name: string; description?: string }, at: string): Promise<AgentRecord>;
  get(name: string): Promise<AgentRecord | undefined>;
  list(): Promise<AgentRecord[]>;
  setState(name: string, state: AgentState, reason: string | undefined): Promise<AgentRecord | undefined>;
  /** Observe mode until `until`, or off when undefined. */
  setObserve(name: string, until: string | undefined): Promise<AgentRecord | undefined>;
  /** Removes the agent and revokes its tokens; false when there was no such agent. */
  remove(name: string, at: string): Promise<boolean>;
}

export interface TokenRepository {
  insert(token: TokenRecord): Promise<void>;
  get(id: string): Promise<TokenRecord | undefined>;
  list(filter?: { agent?: string; includeRevoked?: boolean }): Promise<TokenRecord[]>;
  revoke(id: string, at: string): Promise<TokenRecord | undefined>;
}

export interface ControlRepository {
  get(): Promise<ControlState>;
  setStopAll(stop: ControlState['stopAll']): Promise<void>;
  setFreeze(freeze: ControlState['freeze']): Promise<void>;
  /**
   * Asks every process sharing the store to re-read its policy files: with PostgreSQL each
   * replica hears it through the change feed (`control` / `reload`) and reloads.
   */
  requestReload(request: { readonly by: string; readonly at: string }): Promise<void>;
}

export interface HoldRepository {
  insert(hold: HoldRecord): Promise<void>;
  get(id: string): Promise<HoldRecord | undefined>;
  list(filter?: HoldFilter): Promise<HoldRecord[]>;
  /**
   * Compare-and-set: moves the hold to `to` only if its status is one of `from`, applying the
   * patch in the same step. Returns the updated hold, or undefined when another actor got there
   * first. This is what makes an approved request run exactly once across processes.
   */
  transition(id: string, from: readonly HoldStatus[], to: HoldStatus, patch?: HoldPatch): Promise<HoldRecord | undefined>;
  /**
   * Adds one operator's approval to a pending hold in one step, so that two operators approving
   * at the same moment both count. When the approvals reach what the hold needs, it becomes
   * `approved`, or `scheduled` at `at + needs.delaySeconds` when it has a delay (and its expiry
   * moves to no earlier than then, so a scheduled hold cannot expire before it runs).
   */
  addApproval(id: string, approval: HoldApproval): Promise<ApprovalOutcome>;
}

export type ApprovalOutcome =
  | { readonly ok: true; readonly hold: HoldRecord }
  | { readonly ok: false; readonly problem: 'not_found' | 'not_pending' | 'already_approved'; readonly hold: HoldRecord | undefined };

export interface OperatorRepository {
  /** Throws StoreConflictError when the name is taken. */
  add(operator: OperatorRecord): Promise<void>;
  get(name: string): Promise<OperatorRecord | undefined>;
  list(): Promise<OperatorRecord[]>;
  /** Removes the operator and their used codes; false when there was no such operator. */
  remove(name: string): Promise<boolean>;
  setPasswordHash(name: string, hash: string | undefined): Promise<boolean>;
  /**
   * Marks a second-factor time step as used by this operator. False when it already was: the
   * same code presented twice (RFC 6238 §5.2), whichever process saw it first.
   */
  useCode(name: string, step: number, at: string): Promise<boolean>;
  /** When the operator last approved a hold (a code used to sign in is not an approval). */
  recordApproval(name: string, at: string): Promise<void>;
  /** Forgets used steps older than this (they can no longer validate anyway). */
  pruneCodes(beforeStep: number): Promise<void>;
}

/** Failed second-factor and sign-in attempts, counted per subject for rate limiting. */
export interface FailedAttemptRepository {
  record(subject: string, at: string, reason: string): Promise<void>;
  /** How many failures the subject has had since `since`, and when the oldest of them was. */
  since(subject: string, since: string): Promise<{ count: number; oldest: string | undefined }>;
  prune(before: string): Promise<void>;
}

export interface NotificationRepository {
  /** Queues a delivery; false when one with the same key was already queued. */
  enqueue(delivery: NewDelivery): Promise<boolean>;
  /**
   * Takes up to `limit` pending deliveries that are due, leasing each until `leaseUntil` so that
   * another replica does not send it at the same time.
   */
  claimDue(now: string, leaseUntil: string, limit: number): Promise<DeliveryRecord[]>;
  delivered(id: number, at: string, attempts: number): Promise<void>;
  /** A failed attempt: try again at `nextAttemptAt`, or give up when `status` is `failed`. */
  attemptFailed(id: number, attempts: number, error: string, status: Extract<DeliveryStatus, 'pending' | 'failed'>, nextAttemptAt: string): Promise<void>;
  list(filter?: { holdId?: string; status?: readonly DeliveryStatus[]; limit?: number }): Promise<DeliveryRecord[]>;
  /** The last audit seq the notifier has looked at (undefined before its first run). */
  cursor(): Promise<number | undefined>;
  /** Moves the cursor forward only (a replica that is behind cannot move it back). */
  advanceCursor(seq: number): Promise<void>;
}

export interface AppendOptions {
  /** Sync the commit to disk before answering (the default); else it reaches the disk with the next synced one. */
  readonly sync?: boolean;
  /**
   * Budget claims (BudgetClaimRepository) that these records take over: removed in the same
   * transaction that commits them, so that no process counts one operation both as claimed and
   * as recorded.
   */
  readonly releaseClaims?: readonly string[];
}

export interface AuditRepository {
  /**
   * Chains and commits the entries, in order, after whatever any process wrote last. Resolves
   * once they are committed — and, with `sync` (the default), synced to disk; rejects when they
   * cannot be written.
   */
  appendBatch(entries: readonly TimedAuditEntry[], options?: AppendOptions): Promise<AuditRecord[]>;
  list(filter?: AuditFilter): Promise<AuditRecord[]>;
  /** Raw rows in seq order, for verification. */
  rows(): AsyncIterable<StoredRecord>;
  head(): Promise<{ seq: number; hash: string }>;
}

export interface SessionRepository {
  insert(session: SessionRecord): Promise<void>;
  get(id: string): Promise<SessionRecord | undefined>;
  /** Records a use, which keeps an idle session alive. */
  touch(id: string, at: string): Promise<void>;
  end(id: string, at: string): Promise<void>;
  /** Ends every open session of the operator; returns how many. */
  endAll(operator: string, at: string): Promise<number>;
  /** Deletes sessions that expired or ended before `before`. */
  prune(before: string): Promise<number>;
}

export interface McpSessionRepository {
  insert(session: McpSessionRecord): Promise<void>;
  get(id: string): Promise<McpSessionRecord | undefined>;
  touch(id: string, at: string): Promise<void>;
  /** The client ended the session (HTTP DELETE), or Airlock closed it. */
  remove(id: string): Promise<void>;
  /** Deletes sessions unused since `before`, and those of the given tokens (revoked, expired); returns how many. */
  prune(before: string, tokenIds?: readonly string[]): Promise<number>;
}

export interface ApiKeyRepository {
  insert(key: ApiKeyRecord): Promise<void>;
  get(id: string): Promise<ApiKeyRecord | undefined>;
  list(filter?: { operator?: string; includeRevoked?: boolean }): Promise<ApiKeyRecord[]>;
  revoke(id: string, at: string): Promise<ApiKeyRecord | undefined>;
  markUsed(id: string, at: string): Promise<void>;
}

export interface BaselineRepository {
  get(agent: string): Promise<Baseline | undefined>;
  list(): Promise<Baseline[]>;
  /**
   * Read-modify-write in one step: `change` gets the stored baseline (undefined when there is
   * none) and returns the new one, which is stored and returned. Several processes learning
   * about the same agent each replay their own observations onto whatever is stored. `change`
   * must be pure: it may run more than once, on what another process stored meanwhile.
   */
  update(agent: string, at: string, change: (current: Baseline | undefined) => Baseline): Promise<Baseline>;
  /** Forgets what the agent normally does (it learns again, with a new warm-up). */
  remove(agent: string): Promise<boolean>;
}

/** An agent's recent decisions, read from the audit log, which every process writes. */
export interface ActivityRepository {
  /**
   * When the agent's n-th newest operation of this class that ran after `since` was decided
   * (n from 1), or undefined when it has had fewer: whether a budget of n has room. Operations
   * that ran are allowed decisions and held operations Airlock ran itself (`hold.running`).
   */
  nthAllowedSince(agent: string, operationClass: OperationClass, since: string, n: number): Promise<string | undefined>;
  /** How many decisions (any verdict) the agent had from `from` (included) to `to` (excluded). */
  countDecisions(agent: string, from: string, to: string): Promise<number>;
  /**
   * The agent's refused or held decisions after `since` that came after it was last added,
   * suspended, stopped or resumed, oldest first.
   */
  refusalsSince(agent: string, since: string): Promise<RefusalEvent[]>;
}

/**
 * A budget counted once across every process that shares the store. A decision about to allow
 * an operation that a budget limits claims one unit first; the claim is taken only if the
 * operations that ran since the window began (the audit log) and the units other decisions hold
 * (claims not yet released) leave room, checked and taken under one lock. Two replicas deciding
 * at the same moment cannot both take the last unit.
 *
 * @example
 * const claim = await store.budgetClaims.claim({ agent, operationClass: 'destructive', since, limit: 1, at, expiresAt });
 * if (!claim) return refuse('budget used up');
 * await store.audit.appendBatch([record], { releaseClaims: [claim] }); // the record takes the unit over
 */
export interface BudgetClaimRepository {
  /** The claim's id, or undefined when the budget has no room. Claims whose `expiresAt` is past do not count. */
  claim(request: BudgetClaimRequest): Promise<string | undefined>;
  /** Gives the unit back unrecorded (another budget had no room). A recorded decision's claims go with its commit (AppendOptions.releaseClaims). */
  release(id: string): Promise<void>;
}

export interface BudgetClaimRequest {
  readonly agent: string;
  readonly operationClass: OperationClass;
  /** The window's start: operations that ran after it count. */
  readonly since: string;
  readonly limit: number;
  readonly at: string;
  /** When the claim stops counting if it is never released (its process died). */
  readonly expiresAt: string;
}
