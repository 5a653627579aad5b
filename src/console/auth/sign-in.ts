import { operatorContext } from '../../holds/service.js';
import { checkOperatorPassword, checkSecondFactor } from '../../identity/operators.js';
import type { Runtime } from '../../server/runtime.js';
import type { SessionRecord } from '../../store/records.js';
import { openSession } from './sessions.js';
import { recordSignInFailure, signInBlockedUntil } from './sign-in-limit.js';

export interface SignInRequest {
  readonly operator: string;
  readonly password: string;
  readonly code: string;
  /** The client's address, for the per-address limit. */
  readonly address: string;
  /** The request it came in, named in its audit records. */
  readonly requestId: string | undefined;
}

export type SignInResult =
  | { readonly ok: true; readonly secret: string; readonly session: SessionRecord }
  | { readonly ok: false; readonly status: 401 | 429; readonly error: string; readonly retryAt?: string };

export { operatorContext };

const WRONG = 'wrong operator name, password or code';

/**
 * Password first, then the second-factor code: a code is only checked (and used up) once the
 * password is right, so a guesser cannot burn an operator's codes. Failures are counted per
 * operator name and per address, and audited; the answer does not say which part was wrong
 * unless the password was right.
 */
export async function signIn(runtime: Runtime, request: SignInRequest): Promise<SignInResult> {
  const now = runtime.clock();
  const who = { operator: request.operator, address: request.address };
  const blockedUntil = await signInBlockedUntil(runtime.store, who, now);
  if (blockedUntil) {
    return { ok: false, status: 429, error: `too many failed sign-ins; try again after ${blockedUntil.toISOString()}`, retryAt: blockedUntil.toISOString() };
  }
  const fail = async (why: string, error = WRONG) => {
    await recordSignInFailure(runtime.store, who, now, why);
    await runtime.audit.append({
      type: 'operator.sign_in_failed',
      reasons: [why],
      // The name is what was typed, not necessarily an operator: kept apart from `operator`.
      detail: { claimed: request.operator.slice(0, 100), address: request.address },
      ...(request.requestId ? { requestId: request.requestId } : {}),
    });
    return { ok: false as const, status: 401 as const, error };
  };

  const context = operatorContext(runtime, request.requestId);
  if (!(await checkOperatorPassword(context, request.operator, request.password))) {
    return fail('wrong operator name or password');
  }
  const factor = await checkSecondFactor(context, { operator: request.operator, code: request.code, purpose: 'sign-in' });
  if (!factor.ok) {
    if (factor.problem === 'locked') return { ok: false, status: 429, error: factor.reason, ...(factor.retryAt ? { retryAt: factor.retryAt } : {}) };
    return fail(`second factor: ${factor.problem}`, factor.problem === 'replayed' ? factor.reason : `${WRONG} (check the code in your authenticator app)`);
  }
  // Forget sessions that ended or expired more than a day ago; they can open nothing.
  await runtime.store.sessions.prune(new Date(now.getTime() - 86_400_000).toISOString());
  const { secret, session } = await openSession(runtime.store, request.operator, now);
  await runtime.audit.append({
    type: 'operator.signed_in',
    operator: request.operator,
    detail: { address: request.address, via: 'console' },
    ...(request.requestId ? { requestId: request.requestId } : {}),
  });
  return { ok: true, secret, session };
}
