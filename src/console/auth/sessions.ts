import { createHash, randomBytes, timingSafeEqual } from 'node:crypto';
import type { SessionRecord } from '../../store/records.js';
import type { Store } from '../../store/store.js';

/** The cookie that carries an operator's session. */
export const SESSION_COOKIE = 'airlock_session';
/** A session nobody has used for this long is over: an unattended laptop does not stay signed in. */
export const SESSION_IDLE_MS = 30 * 60_000;
/** However active, a session lasts at most a working day; then the operator signs in again. */
export const SESSION_MAX_MS = 12 * 3_600_000;
/** Uses closer together than this do not rewrite the session's last-seen time. */
const TOUCH_EVERY_MS = 60_000;

function sessionIdOf(secret: string): string {
  return createHash('sha256').update(secret).digest('hex');
}

/** Opens a session; the secret goes in the cookie, only its hash is stored. */
export async function openSession(store: Store, operator: string, now: Date): Promise<{ secret: string; session: SessionRecord }> {
  const secret = randomBytes(32).toString('base64url');
  const at = now.toISOString();
  const session: SessionRecord = {
    id: sessionIdOf(secret),
    operator,
    csrf: randomBytes(32).toString('base64url'),
    createdAt: at,
    seenAt: at,
    expiresAt: new Date(now.getTime() + SESSION_MAX_MS).toISOString(),
    endedAt: undefined,
  };
  await store.sessions.insert(session);
  return { secret, session };
}

export type SessionLookup =
  | { readonly ok: true; readonly session: SessionRecord }
  | { readonly ok: false; readonly problem: 'missing' | 'unknown' | 'expired' | 'ended' };

/** The live session a cookie names, recording the use; or why there is none. */
export async function findSession(store: Store, secret: string | undefined, now: Date): Promise<SessionLookup> {
  if (!secret) return { ok: false, problem: 'missing' };
  const session = await store.sessions.get(sessionIdOf(secret));
  if (!session) return { ok: false, problem: 'unknown' };
  if (session.endedAt) return { ok: false, problem: 'ended' };
  const t = now.getTime();
  if (t >= Date.parse(session.expiresAt) || t >= Date.parse(session.seenAt) + SESSION_IDLE_MS) return { ok: false, problem: 'expired' };
  if (t - Date.parse(session.seenAt) >= TOUCH_EVERY_MS) await store.sessions.touch(session.id, now.toISOString());
  return { ok: true, session };
}

/** Whether the session is still live, without recording a use (for long-lived event streams). */
export async function sessionStillLive(store: Store, sessionId: string, now: Date): Promise<boolean> {
  const session = await store.sessions.get(sessionId);
  if (!session || session.endedAt) return false;
  const t = now.getTime();
  return t < Date.parse(session.expiresAt) && t < Date.parse(session.seenAt) + SESSION_IDLE_MS;
}

export function csrfMatches(session: SessionRecord, presented: string | undefined): boolean {
  if (!presented) return false;
  const a = Buffer.from(presented);
  const b = Buffer.from(session.csrf);
  return a.length === b.length && timingSafeEqual(a, b);
}

export function endSession(store: Store, session: SessionRecord, now: Date): Promise<void> {
  return store.sessions.end(session.id, now.toISOString());
}
