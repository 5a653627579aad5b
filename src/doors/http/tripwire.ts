import type { IncomingHttpHeaders } from 'node:http';
import { isAirlockToken, type KnownSecret, type RawCredential } from '../../classify/shell/index.js';
import { findRawCredentials } from '../../classify/shell/credentials.js';
import { requestDigest } from '../../core/digest.js';
import { PRODUCTION } from '../../core/environment.js';
import { operationFromParts, type Operation } from '../../core/operation.js';
import { RAW_CREDENTIAL_ACTION } from '../hook/index.js';

/** Headers that describe the connection or the content, never a credential; not scanned. */
const NOT_CREDENTIALS = new Set(['host', 'content-length', 'content-type', 'accept', 'accept-encoding', 'connection', 'user-agent', 'proxy-authorization']);

/**
 * Credentials in an opened request that are not the agent's own: a secret Airlock holds, a
 * bearer or basic credential that is not an Airlock token, a token of a known format, or a
 * value in the header the upstream's credential travels in. An agent using its own tools
 * holds an Airlock token and nothing else; anything else is the incident's exact pattern (a
 * token found in a file, sent to the real host), and is never forwarded.
 */
export async function credentialsNotTheAgentsOwn(
  headers: IncomingHttpHeaders,
  secrets: readonly KnownSecret[],
  credentialHeader: string | undefined,
): Promise<RawCredential[]> {
  const values: string[] = [];
  const authorizations: string[] = [];
  const tokens: string[] = [];
  // A header named like a credential (Project-Access-Token, X-Api-Key) is read as a variable of that name would be.
  const assignments: { name: string; value: string }[] = [];
  for (const [name, value] of Object.entries(headers)) {
    if (value === undefined || NOT_CREDENTIALS.has(name)) continue;
    for (const one of Array.isArray(value) ? value : [value]) {
      values.push(one);
      if (name !== 'authorization') assignments.push({ name: name.replace(/-/g, '_'), value: one });
      if (name === 'authorization') authorizations.push(one);
      else if (name === credentialHeader && !isAirlockToken(one)) tokens.push(one);
    }
  }
  if (values.length === 0) return [];
  return findRawCredentials({ text: '', values, authorizations, userPasswords: [], tokens, assignments }, secrets);
}

/** The operation recorded for such a request: refused by the built-in `airlock/raw-credential` policy. */
export function rawCredentialOperation(
  door: 'http' | 'egress',
  upstream: string,
  found: readonly RawCredential[],
  method: string,
  host: string,
  path: string,
): Operation {
  // The query string is left out: a found credential is often passed in one (?token=…).
  const bare = path.split('?')[0]!;
  const summary = `${method} ${door === 'egress' ? `https://${host}` : ''}${bare.length > 500 ? `${bare.slice(0, 500)}…` : bare}`;
  return operationFromParts({
    door,
    upstream,
    environment: PRODUCTION,
    parts: [
      {
        action: RAW_CREDENTIAL_ACTION,
        class: 'privilege',
        resources: [host],
        why: `the request to ${host} carries a credential that is not the agent's own: ${found.map((f) => f.what).join('; ')}`,
        text: summary,
      },
    ],
    digest: requestDigest(upstream, method, path, 'raw-credential'),
    summary,
  });
}
