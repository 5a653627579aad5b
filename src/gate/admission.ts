import { authenticate, type Authentication } from '../identity/authenticate.js';
import type { Store } from '../store/store.js';

/**
 * How long a door's authentication stands in for the gate's own: long enough for a request's
 * body to be read and classified, short enough that it is one request's, never a session's.
 */
const ADMISSION_MS = 1_000;

type Authenticated = Extract<Authentication, { ok: true }>;

interface Admission {
  readonly presented: string;
  readonly at: number;
}

/**
 * Authentications a door made for the request it is serving, each good for one decision of
 * the gate that made it, so that a door which must know who is asking before it can route
 * (the MCP door's sessions) does not have the same token hashed and looked up twice a call.
 *
 * The guarantees of the gate's own authentication stand: what is admitted is exactly what
 * `authenticate` returned for that token moments before; it is used once (a second decision
 * for the same request, as after a wait on a hold, authenticates afresh), only within
 * ADMISSION_MS, only for the token it was made for, and its expiry is checked again against the
 * decision's clock. A revocation, an expiry or a suspension therefore takes effect on the next
 * request, as it does when the gate authenticates itself.
 */
export class Admissions {
  private readonly open = new WeakMap<Authenticated, Admission>();

  constructor(private readonly store: Store) {}

  async authenticate(presented: string | undefined, now: Date): Promise<Authentication> {
    const authentication = await authenticate(this.store, presented, now);
    if (authentication.ok && presented) this.open.set(authentication, { presented, at: now.getTime() });
    return authentication;
  }

  /** The door's authentication, if it may stand for this decision; it is used up either way. */
  take(authentication: Authentication | undefined, presented: string | undefined, now: Date): Authenticated | undefined {
    if (!authentication?.ok) return undefined;
    const admission = this.open.get(authentication);
    if (!admission) return undefined;
    this.open.delete(authentication);
    const age = now.getTime() - admission.at;
    if (admission.presented !== presented || age < 0 || age > ADMISSION_MS) return undefined;
    if (Date.parse(authentication.token.expiresAt) <= now.getTime()) return undefined;
    return authentication;
  }
}
