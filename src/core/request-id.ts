/**
 * The id of the request being handled, carried through everything it causes: the answer's
 * `X-Request-Id`, every log line written while handling it, and its audit records. An operator
 * who has one of the three finds the other two.
 *
 * @example
 * runWithRequestId(requestIdFrom(request.headers['x-request-id']), () => handle(request, response));
 * // anywhere below: currentRequestId() === that id
 */
import { AsyncLocalStorage } from 'node:async_hooks';
import { randomBytes } from 'node:crypto';

const context = new AsyncLocalStorage<string>();

/**
 * What a caller may name its own request: short, and only characters that cannot break a log
 * line, a header or a query (no spaces, quotes, newlines or control characters).
 */
const SANE = /^[A-Za-z0-9._:@/+=-]{1,128}$/;

/** The caller's id when it is a sane token (one value only), else a new one. */
export function requestIdFrom(header: string | readonly string[] | undefined): string {
  return typeof header === 'string' && SANE.test(header) ? header : newRequestId();
}

/** Random bytes drawn 12 at a time from a pool filled in one call for 256 ids. */
const POOL_IDS = 256;
let pool = Buffer.alloc(0);
let taken = 0;

export function newRequestId(): string {
  if (taken >= pool.length) {
    pool = randomBytes(12 * POOL_IDS);
    taken = 0;
  }
  const id = `req_${pool.toString('base64url', taken, taken + 12)}`;
  taken += 12;
  return id;
}

export function runWithRequestId<T>(id: string, work: () => T): T {
  return context.run(id, work);
}

/** The id of the request this code runs for, or undefined outside one (background work). */
export function currentRequestId(): string | undefined {
  return context.getStore();
}
