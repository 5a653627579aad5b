import { refusalFor } from '../../core/refusal.js';
import type { DenyCode, Verdict } from '../../core/verdict.js';

export type Refused = Exclude<Verdict, { kind: 'allow' }>;

/** How an agent retries an approved hold over HTTP; added to the refusal's instruction. */
export const HTTP_RETRY_HINT = 'send exactly the same request again with the header "Airlock-Hold: <hold id>".';

/**
 * Status codes, as HTTP intends them. A hold is a 403, not a 202: nothing was done, and a 2xx
 * would let `curl --fail`, `response.ok` and SDK success paths carry on as if it had been.
 */
export function statusFor(verdict: Refused): number {
  if (verdict.kind === 'hold') return 403;
  const byCode: Record<DenyCode, number> = {
    unauthenticated: 401,
    forbidden: 403,
    stopped: 403,
    frozen: 403,
    budget: 429,
    hold_invalid: 403,
    bad_request: 400,
    unavailable: 503,
  };
  return byCode[verdict.code];
}

export function codeFor(verdict: Refused): string {
  return verdict.kind === 'hold' ? 'AIRLOCK_HELD' : 'AIRLOCK_DENIED';
}

export interface RefusalResponse {
  readonly status: number;
  readonly headers: Record<string, string>;
  readonly body: string;
}

function commonHeaders(verdict: Refused, contentType: string): Record<string, string> {
  const headers: Record<string, string> = {
    'content-type': contentType,
    'cache-control': 'no-store',
    'airlock-verdict': verdict.kind,
  };
  if (verdict.holdId) headers['airlock-hold'] = verdict.holdId;
  if (verdict.kind === 'deny' && verdict.code === 'unauthenticated') headers['www-authenticate'] = 'Bearer realm="airlock"';
  if (verdict.kind === 'deny' && verdict.retryAt) {
    const seconds = Math.max(Math.ceil((Date.parse(verdict.retryAt) - Date.now()) / 1000), 1);
    if (Number.isFinite(seconds)) headers['retry-after'] = String(seconds);
  }
  return headers;
}

function details(verdict: Refused) {
  return {
    verdict: verdict.kind,
    ...(verdict.kind === 'deny' ? { reason: verdict.code } : {}),
    ...(verdict.holdId ? { holdId: verdict.holdId } : {}),
    ...(verdict.kind === 'hold' ? { expiresAt: verdict.expiresAt, ...(verdict.runAt ? { runAt: verdict.runAt } : {}) } : {}),
    ...(verdict.kind === 'deny' && verdict.retryAt ? { retryAt: verdict.retryAt } : {}),
    reasons: verdict.reasons,
  };
}

/**
 * A GraphQL error response: `errors[0].extensions.code` is AIRLOCK_DENIED or AIRLOCK_HELD, with
 * the hold id and the instruction beside it, so a GraphQL client surfaces them as it does any
 * server error. `data` is null: nothing ran.
 */
export function graphqlRefusal(verdict: Refused, status = statusFor(verdict)): RefusalResponse {
  const refusal = refusalFor(verdict, verdict.kind === 'hold' ? HTTP_RETRY_HINT.replace('<hold id>', verdict.holdId) : undefined);
  const body = {
    errors: [
      {
        message: refusal.message,
        extensions: { code: codeFor(verdict), instruction: refusal.instruction, ...details(verdict) },
      },
    ],
    data: null,
  };
  return { status, headers: commonHeaders(verdict, 'application/json; charset=utf-8'), body: JSON.stringify(body) };
}

/** An RFC 9457 problem document with the same content, for REST upstreams. */
export function problemRefusal(verdict: Refused, status = statusFor(verdict)): RefusalResponse {
  const refusal = refusalFor(verdict, verdict.kind === 'hold' ? HTTP_RETRY_HINT.replace('<hold id>', verdict.holdId) : undefined);
  const body = {
    type: verdict.kind === 'hold' ? 'urn:airlock:problem:held' : `urn:airlock:problem:${verdict.code.replace(/_/g, '-')}`,
    title: verdict.kind === 'hold' ? 'Held for a human' : 'Refused by Airlock',
    status,
    detail: refusal.message,
    code: codeFor(verdict),
    instruction: refusal.instruction,
    ...details(verdict),
  };
  return { status, headers: commonHeaders(verdict, 'application/problem+json'), body: JSON.stringify(body) };
}

/** A refusal made by the door before the gate could judge (unreadable request, no such upstream). */
export function doorRefusal(code: DenyCode, reason: string): Refused {
  return { kind: 'deny', code, reasons: [reason], policies: ['airlock/http'] };
}
