import { secretRefsOf } from '../config/load.js';
import { resolveSecret } from '../config/secret.js';
import type { UpstreamConfig } from '../config/upstreams/index.js';
import { withoutTrailing } from '../core/text.js';

/** An Authorization-style value: the scheme, then the credential an echo may carry alone. */
const SCHEMED = /^(?:bearer|basic|token|bot|apikey|api-key|key|digest|dpop)\s+(\S+)\s*$/i;

/**
 * Every credential Airlock holds for its upstreams, resolved: each secret the config names
 * (`{ env: … }`, `{ file: … }`), and what Airlock derives from them to send — a Basic header's
 * encoded `user:password` — together with the parts an upstream might echo alone: the token of
 * a `Bearer …` header value, the password inside a Basic value. A secret that cannot be read
 * now is left out (nothing can be sent with it either); a door that resolves it later tells the
 * redactor then.
 */
export function credentialsOf(config: { readonly upstreams: UpstreamConfig[] }, env: NodeJS.ProcessEnv = process.env): string[] {
  const found = new Set<string>();
  for (const { ref } of secretRefsOf(config)) {
    try {
      for (const value of credentialParts(resolveSecret(ref, env).reveal())) found.add(value);
    } catch {
      // Not readable now: see above.
    }
  }
  for (const upstream of config.upstreams) {
    if ((upstream.kind !== 'graphql' && upstream.kind !== 'rest') || !upstream.credential || !('basic' in upstream.credential)) continue;
    const { username, password } = upstream.credential.basic;
    try {
      found.add(Buffer.from(`${username}:${resolveSecret(password, env).reveal()}`).toString('base64'));
    } catch {
      // As above.
    }
  }
  return [...found];
}

/** A secret value and the parts of it an upstream could echo on their own. */
export function credentialParts(value: string): string[] {
  const parts = [value];
  const trimmed = value.trim();
  if (trimmed !== value && trimmed.length > 0) parts.push(trimmed);
  const schemed = SCHEMED.exec(trimmed);
  if (schemed) {
    const credential = schemed[1]!;
    parts.push(credential);
    if (/^basic\s/i.test(trimmed)) {
      const decoded = Buffer.from(credential, 'base64').toString('utf8');
      const colon = decoded.indexOf(':');
      if (colon >= 0 && withoutTrailing(Buffer.from(decoded, 'utf8').toString('base64'), '=') === withoutTrailing(credential, '=')) {
        parts.push(decoded);
        if (colon < decoded.length - 1) parts.push(decoded.slice(colon + 1));
      }
    }
  }
  return parts;
}
