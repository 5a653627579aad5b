import type { Decision } from '../core/verdict.js';
import type { Operation } from '../core/operation.js';
import { operationShape } from '../policy/decide.js';
import type { PolicyEngine } from '../policy/engine.js';
import type { AgentRecord, TokenRecord } from '../store/records.js';

/** Shapes remembered per token; past this the token's memo starts again (an agent varying without end). */
const SHAPES_PER_TOKEN = 256;

interface Remembered {
  readonly engine: PolicyEngine;
  readonly agent: AgentRecord;
  readonly decision: Decision;
}

/**
 * The policy decision for an operation shape (operationShape: a statement with other literals
 * has the same one), remembered per token while nothing it was made from has moved: the same
 * policy engine (a reload makes a new one), the same token and agent records (the store hands
 * out new ones once anything about tokens, agents or the switches changed, here or in another
 * process), the same UTC hour and weekday (which policies may read).
 *
 * Only the decision is remembered, and only one made with no stop, no freeze, no signal and no
 * exceeded budget: the caller gathers those afresh for every request and consults the memo only
 * when all are absent, as it authenticates every request afresh (the secret hashed, expiry
 * against the clock). The record is written for every request, and holds are never remembered.
 */
export class DecisionMemo {
  private readonly byToken = new WeakMap<TokenRecord, Map<string, Remembered>>();

  recall(token: TokenRecord, engine: PolicyEngine, agent: AgentRecord, operation: Operation, now: Date): Decision | undefined {
    const remembered = this.byToken.get(token)?.get(shapeOf(operation, now));
    if (!remembered || remembered.engine !== engine || remembered.agent !== agent) return undefined;
    return remembered.decision;
  }

  /** Remembers an allow or a deny; returns the decision, frozen (its audit encoding is then kept). */
  remember(token: TokenRecord, engine: PolicyEngine, agent: AgentRecord, operation: Operation, now: Date, decision: Decision): Decision {
    if (decision.kind === 'hold') return decision;
    let shapes = this.byToken.get(token);
    if (!shapes) {
      shapes = new Map();
      this.byToken.set(token, shapes);
    }
    if (shapes.size >= SHAPES_PER_TOKEN) shapes.clear();
    const frozen = deepFreeze(structuredClone(decision));
    shapes.set(shapeOf(operation, now), { engine, agent, decision: frozen });
    return frozen;
  }
}

/** What the policy decision reads of the operation, and of the clock (the hour and weekday policies see). */
function shapeOf(operation: Operation, now: Date): string {
  return `${now.getUTCDay()}:${now.getUTCHours()}:${operationShape(operation)}`;
}

function deepFreeze<T>(value: T): T {
  if (value !== null && typeof value === 'object') {
    for (const item of Object.values(value)) deepFreeze(item);
    Object.freeze(value);
  }
  return value;
}
