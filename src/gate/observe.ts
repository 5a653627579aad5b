import type { Decision, DenyCode } from '../core/verdict.js';
import type { AgentRecord } from '../store/records.js';

/**
 * Refusals observe mode never lifts: who the caller is, the stop, a stopped or suspended agent,
 * a freeze, a request Airlock could not read or record. Observe mode is for learning what new
 * rules would do to a team's agents, not a way around the switches operators pull.
 */
const KEPT_CODES: ReadonlySet<DenyCode> = new Set(['unauthenticated', 'stopped', 'frozen', 'bad_request', 'hold_invalid', 'unavailable']);
const KEPT_POLICIES = new Set(['airlock/emergency-stop', 'airlock/agent-not-active', 'airlock/freeze']);

export interface Observed {
  /** The decision as forwarded: an allow that says what would have happened. */
  readonly decision: Extract<Decision, { kind: 'allow' }>;
  /** What would have happened, for the audit record. */
  readonly would: { readonly verdict: 'hold' | 'deny'; readonly code?: DenyCode; readonly until: string };
}

/** The latest of the observe windows in force, or undefined when none is. */
export function observeUntil(agent: AgentRecord, upstreamUntil: string | undefined, now: Date): string | undefined {
  const until = [agent.observeUntil, upstreamUntil].filter((u): u is string => u !== undefined && Date.parse(u) > now.getTime());
  return until.sort((a, b) => Date.parse(b) - Date.parse(a))[0];
}

/** In observe mode, a hold or a refusal policies made becomes a recorded allow; otherwise undefined. */
export function observe(decision: Decision, agent: AgentRecord, upstreamUntil: string | undefined, now: Date): Observed | undefined {
  if (decision.kind === 'allow' || agent.state !== 'active') return undefined;
  if (decision.kind === 'deny' && KEPT_CODES.has(decision.code)) return undefined;
  if (decision.policies.some((p) => KEPT_POLICIES.has(p))) return undefined;
  const until = observeUntil(agent, upstreamUntil, now);
  if (!until) return undefined;
  const would = decision.kind === 'hold' ? 'held for a human' : 'refused';
  return {
    decision: {
      kind: 'allow',
      reasons: [`observe mode until ${until}: forwarded, but would have been ${would}: ${decision.reasons[0] ?? ''}`, ...decision.reasons.slice(1)],
      policies: [...decision.policies, 'airlock/observe'],
      ...(decision.signals ? { signals: decision.signals } : {}),
    },
    would: { verdict: decision.kind, ...(decision.kind === 'deny' ? { code: decision.code } : {}), until },
  };
}
