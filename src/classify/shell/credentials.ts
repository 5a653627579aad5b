import { parseToken } from '../../identity/token-format.js';
import { findCredentialFormats } from '../../scan/formats.js';
import type { KnownSecret } from './context.js';

/**
 * Raw credentials in a command. An agent holds an Airlock token and nothing else; a command
 * that carries a real secret Airlock holds, another bearer or basic credential, or a token of
 * a known format means the agent found a credential that is not its own and is using it to go
 * around Airlock. Findings describe what was found, never the value.
 */
export interface RawCredential {
  /** What was found, in words an operator reads: `the credential Airlock holds for upstream railway`. */
  readonly what: string;
}

const MIN_SECRET_LENGTH = 8;

/** Names under which a credential is usually passed in the environment. */
const CREDENTIAL_NAME = /(TOKEN|SECRET|PASSWORD|PASSWD|API_?KEY|ACCESS_?KEY|PRIVATE_?KEY|CREDENTIALS?)$/i;

/** Values that stand for a credential in documentation rather than being one. */
function isPlaceholder(value: string): boolean {
  const v = value.trim();
  return (
    v.length < MIN_SECRET_LENGTH ||
    /^<[^>]*>$/.test(v) ||
    /^(x+|X+|\*+|\.+|…+|0+)$/.test(v) ||
    /^[A-Z][A-Z0-9_]*$/.test(v) ||
    /^(your|my|example|sample|dummy|fake|test|changeme|placeholder)[-_]?/i.test(v)
  );
}

export function isAirlockToken(value: string): boolean {
  return parseToken(value.trim()).ok;
}

export interface CredentialEvidence {
  /** The whole command as written. */
  readonly text: string;
  /** Every word of every command after quote removal, here-document bodies included. */
  readonly values: readonly string[];
  /** `Authorization`-style header values (`Bearer abc`), from the HTTP tools. */
  readonly authorizations: readonly string[];
  /** `user:password` pairs given to the HTTP tools (`curl -u`). */
  readonly userPasswords: readonly string[];
  /** Bare tokens given as such (`--oauth2-bearer`, `redis-cli -a`). */
  readonly tokens: readonly string[];
  /** Variables set for a command or exported: name and static value. */
  readonly assignments: readonly { readonly name: string; readonly value: string }[];
}

export async function findRawCredentials(evidence: CredentialEvidence, secrets: readonly KnownSecret[]): Promise<RawCredential[]> {
  const found: RawCredential[] = [];
  const seen = new Set<string>();
  const add = (what: string) => {
    if (!seen.has(what)) {
      seen.add(what);
      found.push({ what });
    }
  };

  const haystacks = [evidence.text, ...evidence.values, ...evidence.authorizations.flatMap(decodedBasic)];
  for (const secret of secrets) {
    if (secret.value.length < MIN_SECRET_LENGTH) continue;
    if (haystacks.some((h) => h.includes(secret.value))) add(`the credential Airlock holds for ${secret.label}`);
  }

  for (const header of evidence.authorizations) {
    const match = /^\s*(\S+)\s+(\S+)\s*$/.exec(header);
    if (!match) continue;
    const scheme = match[1]!.toLowerCase();
    const credential = match[2]!;
    if (scheme === 'basic') {
      const pair = decodedBasic(header)[0];
      const password = pair?.slice(pair.indexOf(':') + 1);
      if (password && !isAirlockToken(password) && !isPlaceholder(password)) add('a basic-auth password that is not an Airlock token');
    } else if (!isAirlockToken(credential) && !isPlaceholder(credential)) {
      add(`a ${scheme === 'bearer' ? 'bearer token' : `${match[1]} credential`} that is not an Airlock token`);
    }
  }
  for (const pair of evidence.userPasswords) {
    const at = pair.indexOf(':');
    const password = at >= 0 ? pair.slice(at + 1) : '';
    if (password && !isAirlockToken(password) && !isPlaceholder(password)) add('a password that is not an Airlock token');
  }
  for (const token of evidence.tokens) {
    if (!isAirlockToken(token) && !isPlaceholder(token)) add('a token that is not an Airlock token');
  }
  for (const { name, value } of evidence.assignments) {
    if (CREDENTIAL_NAME.test(name) && value.length >= 16 && !isAirlockToken(value) && !isPlaceholder(value)) add(`a credential in ${name}`);
  }
  for (const value of [evidence.text, ...evidence.values]) {
    for (const url of value.matchAll(/(?<![a-z0-9+.-])[a-z][a-z0-9+.-]*:\/\/([^/\s:@]+):([^@\s/]+)@/gi)) {
      const password = decodeURIComponentSafe(url[2]!);
      if (!isAirlockToken(password) && !isPlaceholder(password) && !password.startsWith('$')) add('a password in a URL');
    }
  }

  const formats = await findCredentialFormats([evidence.text, ...evidence.values].join('\n'), 'command.sh');
  for (const finding of formats) {
    // Passwords in URLs are reported above, with the Airlock-token exception applied.
    if (finding.rule.endsWith('basicauth') || finding.rule.endsWith('database-connection-string')) continue;
    add(`a ${finding.kind}`);
  }
  return found;
}

function decodedBasic(header: string): string[] {
  const match = /^\s*basic\s+([A-Za-z0-9+/=_-]+)\s*$/i.exec(header);
  if (!match) return [];
  const decoded = Buffer.from(match[1]!, 'base64').toString('utf8');
  return decoded.includes(':') ? [decoded] : [];
}

function decodeURIComponentSafe(text: string): string {
  try {
    return decodeURIComponent(text);
  } catch {
    return text;
  }
}
