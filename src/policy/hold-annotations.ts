import { parseDuration } from '../core/duration.js';
import { DEFAULT_HOLD_NEEDS, type HoldNeeds } from '../core/verdict.js';
import type { LoadedPolicy } from './policy-file.js';

/**
 * Annotations that turn a `forbid` into a hold:
 *
 *   @hold("mfa")        held; each approval needs a second-factor code (the default)
 *   @hold("approval")   held; an approval without a code is enough
 *   @approvals("2")     this many distinct operators must approve (two-person rule)
 *   @delay("15m")       an approved operation waits this long, cancellable, then runs
 *   @wait("5m")         the agent's request is kept open this long for the answer (`wait` mode)
 */
export function holdNeedsOf(policy: LoadedPolicy): HoldNeeds | undefined {
  const hold = policy.annotations.hold;
  if (hold === undefined) return undefined;
  return {
    approvals: Number(policy.annotations.approvals ?? DEFAULT_HOLD_NEEDS.approvals),
    secondFactor: hold !== 'approval',
    delaySeconds: Math.round((parseDuration(policy.annotations.delay ?? '0s') ?? 0) / 1000),
  };
}

/** Problems with a policy's annotations, in words that say how to fix them. */
export function annotationProblems(policy: LoadedPolicy): string[] {
  const problems: string[] = [];
  const { hold, approvals, delay } = policy.annotations;
  if (hold !== undefined && policy.effect !== 'forbid') {
    problems.push(`@hold only applies to forbid policies (policy ${policy.id} is a permit)`);
  }
  if (hold !== undefined && hold !== 'mfa' && hold !== 'approval' && hold !== '') {
    problems.push(`@hold("${hold}") in policy ${policy.id}: use @hold("mfa") or @hold("approval")`);
  }
  if ((approvals !== undefined || delay !== undefined || policy.annotations.wait !== undefined) && hold === undefined) {
    problems.push(`@approvals, @delay and @wait need @hold on the same policy (${policy.id})`);
  }
  const wait = policy.annotations.wait;
  if (wait !== undefined && (parseDuration(wait) === undefined || parseDuration(wait)! > 3_600_000)) {
    problems.push(`@wait("${wait}") in policy ${policy.id}: use a duration of at most 1h, such as 5m`);
  }
  if (approvals !== undefined && !/^[1-9]\d?$/.test(approvals)) {
    problems.push(`@approvals("${approvals}") in policy ${policy.id}: use a whole number from 1 to 99`);
  }
  if (delay !== undefined && parseDuration(delay) === undefined) {
    problems.push(`@delay("${delay}") in policy ${policy.id}: use a duration such as 15m or 1h`);
  }
  return problems;
}

export function mergeHoldNeeds(needs: readonly HoldNeeds[]): HoldNeeds {
  return needs.reduce(
    (merged, next) => ({
      approvals: Math.max(merged.approvals, next.approvals),
      secondFactor: merged.secondFactor || next.secondFactor,
      delaySeconds: Math.max(merged.delaySeconds, next.delaySeconds),
    }),
    { approvals: 1, secondFactor: false, delaySeconds: 0 },
  );
}

/** How long a policy asks the agent's request to be kept open for the answer, if it does. */
export function holdWaitOf(policy: LoadedPolicy): number | undefined {
  const wait = policy.annotations.wait;
  return wait === undefined ? undefined : parseDuration(wait);
}
