import type { Door, Operation, OperationClass, OperationPart } from '../core/operation.js';
import type { HoldNeeds } from '../core/verdict.js';

/** Whether an agent may act: suspended by the circuit breaker or an operator, stopped by an operator. */
export type AgentState = 'active' | 'suspended' | 'stopped';

export interface AgentRecord {
  readonly name: string;
  readonly state: AgentState;
  /** Why it is suspended or stopped, and by whom. */
  readonly stateReason: string | undefined;
  readonly description: string | undefined;
  readonly createdAt: string;
  /** Until when what would be held or refused is recorded as such and forwarded (observe mode). */
  readonly observeUntil?: string | undefined;
}

export interface TokenRecord {
  readonly id: string;
  readonly agent: string;
  readonly hash: string;
  /** Scope strings as issued (`write:staging`). */
  readonly scopes: readonly string[];
  readonly label: string | undefined;
  readonly createdAt: string;
  readonly expiresAt: string;
  readonly revokedAt: string | undefined;
}

/** Operator-wide switches that every door reads: the all-agents stop and run-time freezes. */
export interface ControlState {
  readonly stopAll: { readonly reason: string; readonly by: string; readonly at: string } | undefined;
  readonly freeze: { readonly reason: string; readonly by: string; readonly from: string; readonly until: string | undefined } | undefined;
}

export type HoldStatus =
  | 'pending' // waiting for operators
  | 'approved' // enough approvals; the identical request may now run once
  | 'scheduled' // approved with a delay; Airlock runs it at runAt unless cancelled
  | 'executed' // it ran (forwarded once)
  | 'denied'
  | 'cancelled'
  | 'expired'
  | 'failed'; // a scheduled run or its backup step failed

export interface HoldApproval {
  readonly operator: string;
  readonly at: string;
  readonly secondFactor: boolean;
}

export interface HoldRecord {
  readonly id: string;
  readonly status: HoldStatus;
  readonly createdAt: string;
  readonly expiresAt: string;
  readonly agent: string;
  readonly tokenId: string;
  /** What was held, as the door classified it; its digest is what an approval binds to. */
  readonly operation: Operation;
  readonly reasons: readonly string[];
  readonly policies: readonly string[];
  readonly needs: HoldNeeds;
  /** The exact request in the door's own form, without the agent's token, for replay. */
  readonly request: unknown;
  readonly approvals: readonly HoldApproval[];
  /** Who denied or cancelled it, and why. */
  readonly decidedBy: string | undefined;
  readonly decision: string | undefined;
  readonly runAt: string | undefined;
  readonly executedAt: string | undefined;
  /** What happened when it ran (status, error), for operators. */
  readonly outcome: unknown;
}

/** Fields a hold transition may change. */
export type HoldPatch = Partial<Pick<HoldRecord, 'approvals' | 'decidedBy' | 'decision' | 'runAt' | 'executedAt' | 'outcome' | 'expiresAt'>>;

export interface HoldFilter {
  readonly status?: readonly HoldStatus[];
  readonly agent?: string;
  readonly limit?: number;
  /** Only holds whose expiresAt is at or before this instant (ISO); for the expiry sweep. */
  readonly expiresBy?: string;
  /** Only holds whose runAt is at or before this instant (ISO); for the scheduler. */
  readonly runBy?: string;
  /** Oldest first (the scheduler's order); newest first otherwise. */
  readonly oldestFirst?: boolean;
}

/** An enrolled operator. The second-factor secret is kept encrypted (identity/secret-box.ts). */
export interface OperatorRecord {
  readonly name: string;
  readonly createdAt: string;
  /** The TOTP secret, sealed with Airlock's secret key; never shown after enrolment. */
  readonly totpSecretSealed: string;
  /** scrypt hash of a console password, when one was set. */
  readonly passwordHash: string | undefined;
  readonly lastApprovalAt: string | undefined;
}

export type DeliveryStatus = 'pending' | 'delivered' | 'failed';

/** One notification to one webhook, retried with back-off until delivered or given up. */
export interface DeliveryRecord {
  readonly id: number;
  /** Unique per event and webhook, so that several replicas enqueue it once. */
  readonly key: string;
  readonly webhook: string;
  readonly event: string;
  readonly holdId: string | undefined;
  readonly auditSeq: number;
  readonly status: DeliveryStatus;
  readonly attempts: number;
  readonly nextAttemptAt: string;
  readonly lastError: string | undefined;
  readonly createdAt: string;
  readonly deliveredAt: string | undefined;
  /** The request body as sent. */
  readonly payload: string;
}

export type NewDelivery = Pick<DeliveryRecord, 'key' | 'webhook' | 'event' | 'holdId' | 'auditSeq' | 'createdAt' | 'payload'>;

/** One audit event before it is chained. Fields are optional because events differ. */
export interface AuditEntry {
  /**
   * `decision`, `forwarded`, `hold.approved`, `hold.denied`, `hold.expired`, `hold.cancelled`,
   * `hold.executed`, `agent.added`, `token.issued`, `stop`, `freeze.started`, … (docs/concepts.md).
   */
  readonly type: string;
  readonly agent?: string;
  readonly token?: string;
  readonly operator?: string;
  readonly door?: Door;
  readonly upstream?: string;
  readonly action?: string;
  readonly class?: OperationClass;
  readonly environment?: string;
  readonly resources?: readonly string[];
  readonly digest?: string;
  readonly summary?: string;
  readonly parts?: readonly OperationPart[];
  readonly verdict?: 'allow' | 'deny' | 'hold';
  readonly code?: string;
  readonly reasons?: readonly string[];
  readonly policies?: readonly string[];
  readonly signals?: readonly string[];
  readonly holdId?: string;
  readonly detail?: Readonly<Record<string, unknown>>;
  /** The request that caused it (its `X-Request-Id`, also in the log lines written for it). */
  readonly requestId?: string;
}

/** An entry stamped with the time of the event it records (the gate's clock). */
export type TimedAuditEntry = AuditEntry & { readonly at: string };

/** A chained audit record: the entry, its place, the previous record's hash and its own. */
export interface AuditRecord extends AuditEntry {
  readonly seq: number;
  readonly at: string;
  readonly prev: string;
  readonly hash: string;
}

export interface AuditFilter {
  readonly afterSeq?: number;
  readonly agent?: string;
  readonly type?: string;
  readonly verdict?: 'allow' | 'deny' | 'hold';
  readonly limit?: number;
  /** Newest first (for `tail` and the console); oldest first otherwise. */
  readonly newestFirst?: boolean;
}

/** An operator's signed-in browser. `id` is the SHA-256 of the cookie's secret, never the secret. */
export interface SessionRecord {
  readonly id: string;
  readonly operator: string;
  /** The anti-forgery token the console sends back with every admin API call. */
  readonly csrf: string;
  readonly createdAt: string;
  /** Last use; a session unused for the idle timeout is over. */
  readonly seenAt: string;
  /** Absolute end, however active the session is. */
  readonly expiresAt: string;
  /** Set when the operator signs out (or is signed out). */
  readonly endedAt: string | undefined;
}

/**
 * An agent's MCP session at `/mcp`, as any replica can take it up: `id` is the SHA-256 of the
 * `Mcp-Session-Id` the client holds, never the id itself, and `initialize` the parameters the
 * client initialised with, replayed by a replica that did not hold the session in memory.
 */
export interface McpSessionRecord {
  readonly id: string;
  /** The token that opened it; a request with another token does not find it. */
  readonly tokenId: string;
  readonly agent: string;
  readonly initialize: McpInitializeParams;
  readonly createdAt: string;
  /** Last use, written at most about once a minute; a session unused for the idle timeout is pruned. */
  readonly seenAt: string;
}

/** What an MCP client sent in `initialize` (a plain JSON value, as the protocol defines it). */
export interface McpInitializeParams {
  readonly protocolVersion: string;
  readonly capabilities: Readonly<Record<string, unknown>>;
  readonly clientInfo: Readonly<Record<string, unknown>> & { readonly name: string; readonly version: string };
}

/** An operator's API key for the CLI against a remote Airlock (`alkop_…`), stored as a hash. */
export interface ApiKeyRecord {
  readonly id: string;
  readonly operator: string;
  readonly hash: string;
  readonly label: string | undefined;
  readonly createdAt: string;
  readonly expiresAt: string | undefined;
  readonly revokedAt: string | undefined;
  readonly usedAt: string | undefined;
}

/** One audit row as stored, for verification. */
export interface StoredRecord {
  /** The seq column as stored (an index), which an attacker may have changed too. */
  readonly seq: number;
  readonly body: string;
  readonly hash: string;
}

/** One of the agent's operations that was refused or held, as the refusal burst counts them. */
export interface RefusalEvent {
  readonly at: string;
  readonly verdict: 'deny' | 'hold';
  readonly code?: string | undefined;
  readonly action?: string | undefined;
  /** The operation's class: a destructive call after a refusal and another credential trips the breaker. */
  readonly class?: string | undefined;
  /** The audit record, when known. */
  readonly seq?: number | undefined;
  /** The exact request (its digest) and the token it came with: an identical retry counts once. */
  readonly digest?: string | undefined;
  readonly token?: string | undefined;
  /** The hold it created or answered; a hold a human approved does not count. */
  readonly holdId?: string | undefined;
}

/**
 * What an agent normally does (src/baseline/model.ts updates it): where it acts, what it does,
 * and how much at each hour of the day. A plain JSON value.
 */
export interface Baseline {
  readonly agent: string;
  /** The first operation observed. */
  readonly since: string;
  /** The latest operation observed. */
  readonly lastAt: string;
  /** Operations observed (every authenticated decision, whatever its verdict). */
  readonly operations: number;
  /** What the agent has been allowed to do, each with when it was first allowed. */
  readonly seen: {
    readonly upstreams: Readonly<Record<string, string>>;
    readonly environments: Readonly<Record<string, string>>;
    readonly actions: Readonly<Record<string, string>>;
    readonly classes: Readonly<Record<string, string>>;
  };
  /**
   * Operations per hour for each UTC hour of the day (index 0 = 00:00–00:59), exponentially
   * weighted so that recent days count most. Updated as each hour ends.
   */
  readonly hourly: readonly number[];
  /** How many finished hours have been folded into each hour of the day. */
  readonly folds: readonly number[];
  /** The hour being counted. */
  readonly hour: { readonly start: string; readonly count: number };
}
