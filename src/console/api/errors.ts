import type { Context } from 'hono';
import type { ContentfulStatusCode } from 'hono/utils/http-status';
import { AdminError, type AdminErrorCode } from '../../admin/admin.js';

/** The admin API's error body: what went wrong in words, and a code a client can act on. */
export interface ApiErrorBody {
  readonly error: string;
  readonly code: AdminErrorCode | 'unauthenticated' | 'rate_limited' | 'internal';
  readonly retryAt?: string;
}

const STATUS: Record<ApiErrorBody['code'], ContentfulStatusCode> = {
  invalid: 400,
  unauthenticated: 401,
  forbidden: 403,
  not_found: 404,
  conflict: 409,
  rate_limited: 429,
  internal: 500,
  unavailable: 503,
};

export function apiError(c: Context, code: ApiErrorBody['code'], error: string, extra: { retryAt?: string } = {}): Response {
  if (extra.retryAt) c.header('Retry-After', String(Math.max(1, Math.ceil((Date.parse(extra.retryAt) - Date.now()) / 1000))));
  return c.json({ error, code, ...extra } satisfies ApiErrorBody, STATUS[code]);
}

/** An Admin method's refusal as an HTTP answer; anything else is rethrown. */
export function adminErrorResponse(c: Context, error: unknown): Response {
  if (error instanceof AdminError) return apiError(c, error.code, error.message);
  throw error;
}

export function statusOf(code: ApiErrorBody['code']): number {
  return STATUS[code];
}
