import { isAirlockToken } from '../../classify/shell/index.js';

export type ProxyCredential =
  | { readonly kind: 'none' }
  | { readonly kind: 'token'; readonly token: string }
  | { readonly kind: 'bad'; readonly reason: string };

/**
 * The Airlock token an agent gives the proxy itself: `Proxy-Authorization: Basic` of
 * `agent:alk_…` (what `HTTPS_PROXY=http://agent:alk_…@127.0.0.1:4101` makes every client send),
 * or `Bearer alk_…`. The name before the colon is not trusted: the token says who the agent is.
 */
export function proxyCredentialOf(header: string | undefined): ProxyCredential {
  if (header === undefined) return { kind: 'none' };
  const match = /^\s*(basic|bearer)\s+(\S+)\s*$/i.exec(header);
  if (!match) return { kind: 'bad', reason: 'the Proxy-Authorization header is neither Basic nor Bearer' };
  if (match[1]!.toLowerCase() === 'bearer') {
    return isAirlockToken(match[2]!) ? { kind: 'token', token: match[2]! } : { kind: 'bad', reason: 'the proxy credential is not an Airlock token' };
  }
  const decoded = Buffer.from(match[2]!, 'base64').toString('utf8');
  const colon = decoded.indexOf(':');
  const candidates = colon < 0 ? [decoded] : [decodeURIComponentSafe(decoded.slice(colon + 1)), decodeURIComponentSafe(decoded.slice(0, colon))];
  const token = candidates.find(isAirlockToken);
  return token ? { kind: 'token', token } : { kind: 'bad', reason: 'the proxy credential is not an Airlock token' };
}

function decodeURIComponentSafe(text: string): string {
  try {
    return decodeURIComponent(text);
  } catch {
    return text;
  }
}
