import type { AgentRecord, TokenRecord } from '../store/records.js';
import type { Store } from '../store/store.js';
import { parseScope, type Scope } from '../policy/scopes.js';
import { parseToken, tokenMatchesHash } from './token-format.js';

export type Authentication =
  | { readonly ok: true; readonly token: TokenRecord; readonly agent: AgentRecord; readonly scopes: readonly Scope[] }
  | { readonly ok: false; readonly reason: string; readonly tokenId?: string; readonly agent?: string };

/**
 * Who is asking. Shape and checksum are checked before the store is touched; the stored hash is
 * compared in constant time. A token that fails says why (revoked, expired), because an agent
 * told only "denied" tends to go looking for another credential.
 */
export async function authenticate(store: Store, presented: string | undefined, now: Date): Promise<Authentication> {
  if (!presented) return { ok: false, reason: 'no Airlock token was presented' };
  const parsed = parseToken(presented);
  if (!parsed.ok) return { ok: false, reason: `the token was refused: ${parsed.problem}` };
  const token = await store.tokens.get(parsed.id);
  if (!token || !tokenMatchesHash(presented, token.hash)) {
    return { ok: false, reason: 'the token is not known to this Airlock' };
  }
  const known = { tokenId: token.id, agent: token.agent };
  if (token.revokedAt) return { ok: false, ...known, reason: `the token was revoked at ${token.revokedAt}` };
  if (Date.parse(token.expiresAt) <= now.getTime()) return { ok: false, ...known, reason: `the token expired at ${token.expiresAt}` };
  const agent = await store.agents.get(token.agent);
  if (!agent) return { ok: false, ...known, reason: `the token's agent ${token.agent} no longer exists` };
  return { ok: true, token, agent, scopes: scopesOf(token) };
}

/**
 * A token's scopes, parsed once per record. The store hands out the same record object until
 * anything about tokens changes (revoked, reissued, another process's write), so a new record
 * is parsed anew. Keyed by the record, never by the token's text: every request still has its
 * secret hashed and compared in constant time above.
 */
const parsedScopes = new WeakMap<TokenRecord, readonly Scope[]>();

function scopesOf(token: TokenRecord): readonly Scope[] {
  let scopes = parsedScopes.get(token);
  if (!scopes) {
    scopes = token.scopes.map(parseScope);
    parsedScopes.set(token, scopes);
  }
  return scopes;
}
