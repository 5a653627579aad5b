import type {
  AgentRecord,
  TimedAuditEntry,
  AuditFilter,
  AuditRecord,
  ControlState,
  HoldFilter,
  HoldPatch,
  HoldRecord,
  HoldStatus,
  TokenRecord,
} from './records.js';
import type { StoredRecord } from '../audit/chain.js';
import type { AgentState } from '../policy/decide.js';

/**
 * Everything Airlock keeps. One interface, async throughout, so that the embedded SQLite store
 * and a PostgreSQL store shared by several replicas are interchangeable for every caller.
 */
export interface Store {
  readonly agents: AgentRepository;
  readonly tokens: TokenRepository;
  readonly control: ControlRepository;
  readonly holds: HoldRepository;
  readonly audit: AuditRepository;
  /** Flushes pending audit records and closes connections. */
  close(): Promise<void>;
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
}

export interface AuditRepository {
  /**
   * Chains and durably writes the entries, in order, after whatever any process wrote last.
   * Resolves only once they are on disk; rejects when they cannot be written.
   */
  appendBatch(entries: readonly TimedAuditEntry[]): Promise<AuditRecord[]>;
  list(filter?: AuditFilter): Promise<AuditRecord[]>;
  /** Raw rows in seq order, for verification. */
  rows(): AsyncIterable<StoredRecord>;
  head(): Promise<{ seq: number; hash: string }>;
}
