import type { Runtime } from '../../server/runtime.js';
import type { ApiKeyRecord } from '../../store/records.js';
import { AdminError } from '../../admin/admin.js';
import { generateApiKey } from './api-keys.js';

/** An API key as listed: never its secret, never its hash. */
export type ApiKeyView = Omit<ApiKeyRecord, 'hash'> & { readonly status: 'active' | 'expired' | 'revoked' };

export interface IssuedApiKey {
  /** The only copy there will ever be. */
  readonly key: string;
  readonly id: string;
  readonly operator: string;
  readonly expiresAt: string | undefined;
}

function view(key: ApiKeyRecord, now: Date): ApiKeyView {
  const { hash: _hash, ...rest } = key;
  const status = key.revokedAt ? 'revoked' : key.expiresAt && Date.parse(key.expiresAt) <= now.getTime() ? 'expired' : 'active';
  return { ...rest, status };
}

/**
 * Issues an operator an API key for the CLI (AIRLOCK_API_KEY with AIRLOCK_URL). `by` is who
 * acted: the operator themself in the console, or the local user at the Airlock host;
 * `requestId` the console's request, if it came in one.
 */
export async function issueOperatorKey(
  runtime: Runtime,
  request: { operator: string; label?: string; ttlMs?: number },
  by: string,
  requestId?: string,
): Promise<IssuedApiKey> {
  if (!(await runtime.store.operators.get(request.operator))) {
    throw new AdminError('not_found', `no operator named "${request.operator}" is enrolled (enrol with: airlock operator add ${request.operator})`);
  }
  if (request.ttlMs !== undefined && request.ttlMs <= 0) throw new AdminError('invalid', 'the key lifetime must be positive, e.g. --ttl 90d');
  const now = runtime.clock();
  const { key, id, hash } = generateApiKey();
  const record: ApiKeyRecord = {
    id,
    operator: request.operator,
    hash,
    label: request.label,
    createdAt: now.toISOString(),
    expiresAt: request.ttlMs === undefined ? undefined : new Date(now.getTime() + request.ttlMs).toISOString(),
    revokedAt: undefined,
    usedAt: undefined,
  };
  await runtime.store.apiKeys.insert(record);
  await runtime.audit.append({
    type: 'apikey.issued',
    operator: by,
    detail: { key: id, for: request.operator, ...(record.expiresAt ? { expiresAt: record.expiresAt } : {}), ...(record.label ? { label: record.label } : {}) },
    ...(requestId ? { requestId } : {}),
  });
  return { key, id, operator: request.operator, expiresAt: record.expiresAt };
}

export async function listOperatorKeys(runtime: Runtime, filter: { operator?: string; includeRevoked?: boolean }): Promise<ApiKeyView[]> {
  const now = runtime.clock();
  return (await runtime.store.apiKeys.list(filter)).map((key) => view(key, now));
}

export async function revokeOperatorKey(runtime: Runtime, id: string, by: string, requestId?: string): Promise<ApiKeyView> {
  const keyId = id.startsWith('alkop_') ? id.slice(6, 22) : id;
  const existing = await runtime.store.apiKeys.get(keyId);
  if (!existing) throw new AdminError('not_found', `no API key with id ${keyId} (see: airlock operator key list)`);
  const now = runtime.clock();
  const revoked = (await runtime.store.apiKeys.revoke(existing.id, now.toISOString()))!;
  await runtime.audit.append({
    type: 'apikey.revoked',
    operator: by,
    detail: { key: existing.id, for: existing.operator },
    ...(requestId ? { requestId } : {}),
  });
  return view(revoked, now);
}
