/**
 * What Airlock answers for an operation. A discriminated union, so a door cannot forward a
 * hold by forgetting to check a flag.
 */

/** What a hold needs before the operation may run. */
export interface HoldNeeds {
  /** Distinct operators who must approve (two-person rule: 2). */
  readonly approvals: number;
  /** Whether each approval needs a current second-factor code. */
  readonly secondFactor: boolean;
  /** Seconds an approved operation waits, cancellable, before it runs. */
  readonly delaySeconds: number;
}

export const DEFAULT_HOLD_NEEDS: HoldNeeds = Object.freeze({ approvals: 1, secondFactor: true, delaySeconds: 0 });

/** Why a refusal happened, in words a door can map to its native status. */
export type DenyCode =
  | 'unauthenticated' // no token, malformed, unknown, revoked or expired
  | 'forbidden' // out of scope, or a policy forbids it
  | 'stopped' // emergency stop, or the agent is stopped or suspended
  | 'frozen' // a freeze window is open and the operation changes something
  | 'budget' // the agent has used its allowance for this window
  | 'hold_invalid' // a hold id that does not match, is used, expired or denied
  | 'bad_request' // the door could not understand the request, so it will not forward it
  | 'unavailable'; // Airlock cannot record the decision, so it will not forward anything

export interface Judgement {
  /** Human-readable, one sentence each; the first is the main one. */
  readonly reasons: readonly string[];
  /** Ids of the policies that decided (`airlock/scope`, a user's `@id`). */
  readonly policies: readonly string[];
  /** Anomaly signals that fired for this operation (names). */
  readonly signals?: readonly string[];
}

export type Decision =
  | (Judgement & { readonly kind: 'allow' })
  | (Judgement & { readonly kind: 'deny'; readonly code: DenyCode; readonly retryAt?: string })
  | (Judgement & { readonly kind: 'hold'; readonly needs: HoldNeeds });

export type Verdict =
  | (Judgement & { readonly kind: 'allow'; readonly holdId?: string })
  | (Judgement & {
      readonly kind: 'deny';
      readonly code: DenyCode;
      readonly holdId?: string;
      /** When the refusal stops applying on its own (a budget refill, the end of a freeze). */
      readonly retryAt?: string;
    })
  | (Judgement & {
      readonly kind: 'hold';
      readonly holdId: string;
      readonly needs: HoldNeeds;
      readonly expiresAt: string;
      /** Set once approved with a delay: when Airlock itself will run the operation. */
      readonly runAt?: string;
    });

export type VerdictKind = Verdict['kind'];
