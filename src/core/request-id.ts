/**
 * The id of the request being handled, carried through everything it causes: the answer's
 * `X-Request-Id`, every log line written while handling it, and its audit records. An operator
 * who has one of the three finds the other two.
 *
 * The id is named once, where the request arrives, and then passed explicitly: to the gate
 * (`GateRequest.requestId`), to what the request does (a hold's approval, a backup, an admin
 * action) and to the log calls made for it. Nothing keeps it in an async context: on Node 20 an
 * AsyncLocalStorage puts a hook on every promise of the process, which costs every request.
 *
 * @example
 * const requestId = nameRequest(request, request.headers['x-request-id']);
 * response.setHeader('x-request-id', requestId);
 * // later, wherever the same request object is at hand (a door, the API's c.env.incoming):
 * runtime.gate.decide({ operation, token, requestId: requestIdOf(request) });
 */
import { randomBytes } from 'node:crypto';

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

/** A property of the request object itself: no map to keep, nothing left behind when it is collected. */
const REQUEST_ID = Symbol('airlock.requestId');

type Named = { [REQUEST_ID]?: string };

/** Gives a request its id (`requestIdFrom` its header) and keeps it on the request for `requestIdOf`. */
export function nameRequest(request: object, header: string | readonly string[] | undefined): string {
  const id = requestIdFrom(header);
  (request as Named)[REQUEST_ID] = id;
  return id;
}

/** The id `nameRequest` gave this request; undefined for one that came another way (the egress proxy's). */
export function requestIdOf(request: object): string | undefined {
  return (request as Named)[REQUEST_ID];
}
