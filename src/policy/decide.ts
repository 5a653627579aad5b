import type { Operation } from '../core/operation.js';
import type { AgentState } from '../store/records.js';
import { DEFAULT_HOLD_NEEDS, type Decision, type DenyCode } from '../core/verdict.js';
import { BUILTIN_PREFIX, HUMAN_APPROVAL_POLICY, OUT_OF_SCOPE_POLICY } from './builtin-policies.js';
import type { PolicyEngine } from './engine.js';
import { holdNeedsOf, mergeHoldNeeds } from './hold-annotations.js';
import type { LoadedPolicy } from './policy-file.js';
import { formatScope, scopesCover, type Scope } from './scopes.js';

export type { AgentState };

/** An anomaly signal (see baseline/): a name, a strength from 1 (weak) to 3 (strong), and why. */
export interface Signal {
  readonly name: string;
  readonly strength: number;
  readonly explanation: string;
}

/** Everything a decision depends on, gathered by the gate. decide() itself does no I/O. */
export interface DecideInput {
  readonly operation: Operation;
  readonly agent: { readonly name: string; readonly state: AgentState; readonly stateReason?: string };
  readonly scopes: readonly Scope[];
  readonly stopAll?: { readonly reason?: string };
  readonly freeze?: { readonly reason?: string; readonly until?: string };
  readonly budget?: { readonly exceeded: boolean; readonly explanation?: string; readonly refillAt?: string };
  readonly signals?: readonly Signal[];
  readonly now: Date;
}

const STOP_POLICIES = new Set(['airlock/agent-not-active', 'airlock/emergency-stop']);

/**
 * What `decide` reads of an operation, as one string: two operations with the same shape are
 * decided alike for the same agent, scopes, policies and time — the gate remembers decisions by
 * it (gate/memo.ts). Not the digest, the summary or the parts' text: a statement with other
 * literal values has the same shape. Whatever `decide` comes to read of an operation must be
 * added here.
 */
export function operationShape(operation: Operation): string {
  return JSON.stringify([
    operation.door,
    operation.upstream ?? null,
    operation.action,
    operation.class,
    operation.environment,
    operation.resources,
    operation.parts.map((p) => p.action),
  ]);
}

/**
 * The decision table, over Cedar. In order:
 * 1. any `forbid` without `@hold` that holds → deny (stop, freeze, budget, a user's forbid);
 * 2. any `forbid` with `@hold` that holds → hold, with the strictest needs among them;
 * 3. reads and writes → allow when a scope covers them, else deny;
 * 4. destructive and privilege → allow only when a scope covers them *and* a user policy
 *    permits them; otherwise hold for a human (never a silent deny: a human may say yes).
 * A policy that fails to evaluate denies: an unjudged operation is not forwarded.
 */
export function decide(engine: PolicyEngine, input: DecideInput): Decision {
  const { operation, agent, now } = input;
  const covering = scopesCover(input.scopes, operation);
  const signals = input.signals ?? [];
  const request: Parameters<PolicyEngine['evaluate']>[0] = {
    agent: { name: agent.name, state: agent.state },
    action: operation.class,
    upstream: { name: operation.upstream ?? '(none)', door: operation.door, environment: operation.environment },
    context: {
      operation: operation.action,
      parts: [...new Set(operation.parts.map((p) => p.action))],
      environment: operation.environment,
      door: operation.door,
      resources: [...operation.resources],
      inScope: covering !== undefined,
      stopAll: input.stopAll !== undefined,
      freeze: input.freeze !== undefined,
      signals: signals.map((s) => s.name),
      signalStrength: signals.reduce((max, s) => Math.max(max, s.strength), 0),
      budgetExceeded: input.budget?.exceeded ?? false,
      hour: now.getUTCHours(),
      weekday: now.getUTCDay(),
    },
  };
  const result = engine.evaluate(request);
  const signalNames = signals.length > 0 ? { signals: signals.map((s) => s.name) } : {};

  if (result.errors.length > 0) {
    return {
      kind: 'deny',
      code: 'forbidden',
      reasons: [`a policy could not be evaluated, so the operation is refused (${result.errors.join('; ')})`],
      policies: [],
      ...signalNames,
    };
  }

  const forbids = result.decision === 'deny' ? result.determining.filter((p) => p.effect === 'forbid') : [];
  const hard = forbids.filter((p) => holdNeedsOf(p) === undefined);
  if (hard.length > 0) {
    return {
      kind: 'deny',
      code: denyCode(hard),
      reasons: hard.map((p) => reasonOf(p, input)),
      policies: hard.map((p) => p.id),
      ...retryAtOf(hard, input),
      ...signalNames,
    };
  }
  // A read or write no scope covers is refused, even when a policy would hold it: a human's
  // approval runs what was held, and must never grant what the token itself cannot do.
  if (forbids.length > 0 && (operation.class === 'read' || operation.class === 'write') && covering === undefined) {
    return scopeDecision(input, [], covering, signalNames);
  }
  if (forbids.length > 0) {
    // Every reason that applied is shown: a destructive call held by an anomaly signal is held by
    // the destructive rule too. Cedar names only the forbids when it denies, so the permits are
    // read again without the signals (only on this path, and only for destructive or privilege).
    // The needs are the holding policies' own (a user's @hold may ask less than the default).
    let alsoHeld: Decision | undefined;
    if (operation.class === 'destructive' || operation.class === 'privilege') {
      const calm = engine.evaluate({ ...request, context: { ...request.context, signals: [], signalStrength: 0 } });
      const permits = calm.errors.length === 0 && calm.decision === 'allow' ? calm.determining : [];
      const underneath = scopeDecision(input, permits, covering, signalNames);
      if (underneath.kind === 'hold') alsoHeld = underneath;
    }
    return {
      kind: 'hold',
      needs: mergeHoldNeeds(forbids.map((p) => holdNeedsOf(p)!)),
      reasons: [...(alsoHeld?.reasons ?? []), ...forbids.map((p) => reasonOf(p, input))],
      policies: [...(alsoHeld?.policies ?? []), ...forbids.map((p) => p.id)],
      ...signalNames,
    };
  }
  return scopeDecision(input, result.decision === 'allow' ? result.determining : [], covering, signalNames);
}

/** Steps 3 and 4 of the table: what the scopes and permits say when no forbid holds. */
function scopeDecision(input: DecideInput, permits: readonly LoadedPolicy[], covering: Scope | undefined, signalNames: { signals?: string[] }): Decision {
  const { operation } = input;
  const scopeReason = covering ? `scope ${formatScope(covering)} covers ${operation.class} in ${operation.environment}` : '';
  if (operation.class === 'read' || operation.class === 'write') {
    if (permits.length > 0) {
      return {
        kind: 'allow',
        reasons: permits.map((p) => (p.id === 'airlock/scope' ? scopeReason : reasonOf(p, input))),
        policies: permits.map((p) => p.id),
        ...signalNames,
      };
    }
    return {
      kind: 'deny',
      code: 'forbidden',
      reasons: [outOfScope(input)],
      policies: [OUT_OF_SCOPE_POLICY],
      ...signalNames,
    };
  }

  const explicit = permits.filter((p) => !p.id.startsWith(BUILTIN_PREFIX));
  if (covering && explicit.length > 0) {
    return {
      kind: 'allow',
      reasons: [scopeReason, ...explicit.map((p) => reasonOf(p, input))],
      policies: ['airlock/scope', ...explicit.map((p) => p.id)],
      ...signalNames,
    };
  }
  return {
    kind: 'hold',
    needs: DEFAULT_HOLD_NEEDS,
    reasons: [
      `${operation.action} is a ${operation.class} operation in ${operation.environment}; ` +
        `${operation.class} operations need a human's approval` +
        (covering ? ' unless a policy permits them by name' : ' and no scope of the token covers it'),
    ],
    policies: [HUMAN_APPROVAL_POLICY],
    ...signalNames,
  };
}

function outOfScope({ operation, scopes }: DecideInput): string {
  const held = scopes.length > 0 ? scopes.map(formatScope).join(', ') : 'none';
  const upstream = operation.upstream ? ` on ${operation.upstream}` : '';
  return `no scope of the token covers ${operation.class} in ${operation.environment}${upstream} (token scopes: ${held})`;
}

function denyCode(policies: readonly LoadedPolicy[]): DenyCode {
  if (policies.some((p) => STOP_POLICIES.has(p.id))) return 'stopped';
  if (policies.some((p) => p.id === 'airlock/freeze')) return 'frozen';
  if (policies.some((p) => p.id === 'airlock/budget')) return 'budget';
  return 'forbidden';
}

function retryAtOf(policies: readonly LoadedPolicy[], input: DecideInput): { retryAt?: string } {
  if (policies.some((p) => STOP_POLICIES.has(p.id))) return {};
  const ids = new Set(policies.map((p) => p.id));
  const at = ids.has('airlock/freeze') ? input.freeze?.until : ids.has('airlock/budget') ? input.budget?.refillAt : undefined;
  return at ? { retryAt: at } : {};
}

/** The `@reason` of a policy, with the live details a built-in rule knows about. */
function reasonOf(policy: LoadedPolicy, input: DecideInput): string {
  const base = policy.annotations.reason ?? `policy ${policy.id} (${policy.origin}) ${policy.effect === 'forbid' ? 'forbids' : 'permits'} it`;
  switch (policy.id) {
    case 'airlock/agent-not-active':
      return `the agent ${input.agent.name} is ${input.agent.state}${input.agent.stateReason ? ` (${input.agent.stateReason})` : ''}`;
    case 'airlock/emergency-stop':
      return `${base}${input.stopAll?.reason ? ` (${input.stopAll.reason})` : ''}`;
    case 'airlock/freeze':
      return `${base}${input.freeze?.reason ? ` (${input.freeze.reason})` : ''}, ${input.freeze?.until ? `until ${input.freeze.until}` : 'until an operator ends it'}`;
    case 'airlock/anomaly': {
      const strong = (input.signals ?? []).filter((s) => s.strength >= 3);
      return strong.length > 0 ? `${base}: ${strong.map((s) => `${s.name} (${s.explanation})`).join('; ')}` : base;
    }
    case 'airlock/budget':
      return input.budget?.explanation ?? base;
    default:
      return base;
  }
}
