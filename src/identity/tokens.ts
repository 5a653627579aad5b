import type { TokenRecord } from '../store/records.js';
import type { Store } from '../store/store.js';
import { formatScope, parseScope } from '../policy/scopes.js';
import { generateToken } from './token-format.js';

export class IdentityError extends Error {
  override readonly name = 'IdentityError';
}

export interface IssueTokenRequest {
  readonly agent: string;
  readonly scopes: readonly string[];
  readonly ttlMs: number;
  readonly label?: string;
}

/** Issues a token. The returned `token` is the only copy there will ever be. */
export async function issueToken(store: Store, request: IssueTokenRequest, now: Date): Promise<{ token: string; record: TokenRecord }> {
  if (request.scopes.length === 0) throw new IdentityError('a token needs at least one --scope, e.g. --scope write:staging');
  const scopes = request.scopes.map((text) => formatScope(parseScope(text)));
  const agent = await store.agents.get(request.agent);
  if (!agent) throw new IdentityError(`no agent named "${request.agent}"; create it first with: airlock agent add ${request.agent}`);
  if (request.ttlMs <= 0) throw new IdentityError('the token lifetime must be positive, e.g. --ttl 8h');
  const { token, id, hash } = generateToken();
  const record: TokenRecord = {
    id,
    agent: agent.name,
    hash,
    scopes,
    label: request.label,
    createdAt: now.toISOString(),
    expiresAt: new Date(now.getTime() + request.ttlMs).toISOString(),
    revokedAt: undefined,
  };
  await store.tokens.insert(record);
  return { token, record };
}
