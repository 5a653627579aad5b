import { isOperationClass, type Operation, type OperationPart } from '../core/operation.js';
import type { Decision } from '../core/verdict.js';
import type { AuditRecord } from '../store/records.js';
import { decide, type Signal } from './decide.js';
import type { PolicyEngine } from './engine.js';
import type { Scope } from './scopes.js';

/**
 * Decisions whose outcome did not come from policies: who the caller was, the stop, the agent's
 * state, a freeze, the store, or an approval being used. Replaying them against other policies
 * would say nothing about those policies.
 */
const NOT_A_POLICY_QUESTION = new Set([
  'airlock/authentication',
  'airlock/hold',
  'airlock/store',
  'airlock/audit',
  'airlock/emergency-stop',
  'airlock/agent-not-active',
  'airlock/freeze',
]);

export interface ReplayedDecision {
  readonly seq: number;
  readonly at: string;
  readonly agent: string | undefined;
  readonly action: string;
  readonly class: string;
  readonly environment: string;
  readonly summary: string;
  readonly was: { readonly verdict: string; readonly code?: string };
  readonly now: { readonly verdict: string; readonly code?: string; readonly reasons: readonly string[]; readonly policies: readonly string[] };
  readonly changed: boolean;
}

export interface ReplayContext {
  readonly engine: PolicyEngine;
  /** The scopes of the token that made the request, or undefined when it is not known. */
  readonly scopesOf: (tokenId: string) => readonly Scope[] | undefined;
  /** A signal's strength under the current configuration. */
  readonly strengthOf: (signal: string) => number;
}

/** Why a record is not replayed, or undefined when it is. */
export function whyNotReplayed(record: AuditRecord): string | undefined {
  if (record.type !== 'decision') return 'not a decision';
  if (!record.token || !record.verdict || !isOperationClass(record.class) || !record.door) return 'not a complete decision record';
  if ((record.policies ?? []).some((p) => NOT_A_POLICY_QUESTION.has(p))) return 'decided by state, not policy';
  return undefined;
}

/**
 * What the given policies would decide for a recorded decision: the same operation, the scopes
 * of the token that asked, the signals that fired then (at today's strengths), a budget exceeded
 * if it was. Pure: the store is read by the caller.
 */
export function replayDecision(record: AuditRecord, context: ReplayContext): ReplayedDecision | undefined {
  if (whyNotReplayed(record)) return undefined;
  const scopes = context.scopesOf(record.token!);
  if (!scopes) return undefined;
  const operation: Operation = {
    door: record.door!,
    upstream: record.upstream,
    action: record.action ?? `${record.door}:unknown`,
    class: record.class!,
    environment: record.environment ?? 'production',
    resources: record.resources ?? [],
    parts: (record.parts ?? []) as readonly OperationPart[],
    digest: record.digest ?? '',
    summary: record.summary ?? '',
  };
  const signals: Signal[] = (record.signals ?? []).map((name) => ({ name, strength: context.strengthOf(name), explanation: 'as recorded' }));
  const decision: Decision = decide(context.engine, {
    operation,
    agent: { name: record.agent ?? '(unknown)', state: 'active' },
    scopes,
    signals,
    ...(record.code === 'budget' ? { budget: { exceeded: true } } : {}),
    now: new Date(record.at),
  });
  const now = { verdict: decision.kind, ...(decision.kind === 'deny' ? { code: decision.code } : {}), reasons: decision.reasons, policies: decision.policies };
  const was = { verdict: record.verdict!, ...(record.code ? { code: record.code } : {}) };
  return {
    seq: record.seq,
    at: record.at,
    agent: record.agent,
    action: operation.action,
    class: operation.class,
    environment: operation.environment,
    summary: operation.summary,
    was,
    now,
    changed: was.verdict !== now.verdict || (was.verdict === 'deny' && was.code !== now.code),
  };
}

export interface ReplaySummary {
  readonly replayed: number;
  readonly skipped: number;
  readonly changed: number;
  /** `allow → hold`: how many, for each change of verdict. */
  readonly transitions: Readonly<Record<string, number>>;
}

export function summarise(results: readonly ReplayedDecision[], skipped: number): ReplaySummary {
  const transitions: Record<string, number> = {};
  for (const r of results.filter((x) => x.changed)) {
    const key = `${r.was.verdict} → ${r.now.verdict}`;
    transitions[key] = (transitions[key] ?? 0) + 1;
  }
  return { replayed: results.length, skipped, changed: results.filter((r) => r.changed).length, transitions };
}
