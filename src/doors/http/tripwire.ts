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
  /** The request target (path and query), where a presigned URL carries its key id. */
  target = '',
): Promise<RawCredential[]> {
  const aws = awsKeysNotTheAgentsOwn(headers, target);
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
  if (values.length === 0) return aws;
  const found = await findRawCredentials({ text: '', values, authorizations, userPasswords: [], tokens, assignments }, secrets);
  return [...aws, ...found.filter((one) => !aws.some((other) => other.what === one.what))];
}

/** What a finding of an AWS access key id says: the door answers it as AWS does (`InvalidAccessKeyId`). */
export const REAL_AWS_KEY = 'a real AWS access key id (AKIA…/ASIA…)';
export const OTHER_AWS_KEY = 'an AWS access key id that is not an Airlock token';

/**
 * An AWS access key id: AKIA (long-term) or ASIA (temporary), then 16 letters and digits. Read
 * without regard to case, so that a rewritten spelling is found as well as the real one.
 */
const AWS_KEY_ID = /(?<![A-Za-z0-9])(?:AKIA|ASIA)[A-Z0-9]{16}(?![A-Za-z0-9])/i;

/**
 * AWS access key ids an agent signs with or sends that are not its Airlock token: the key id of
 * a SigV4 (`AWS4-HMAC-SHA256 Credential=…/…`) or SigV2 (`AWS AKIA…:…`) Authorization header, of
 * a presigned query (`X-Amz-Credential`, `AWSAccessKeyId`), and a key id of AWS's format anywhere
 * in a header or the target, percent-encoded or not. An agent's own AWS credentials are its
 * Airlock token; a real key id is the incident's pattern with an AWS key found in a file.
 */
export function awsKeysNotTheAgentsOwn(headers: IncomingHttpHeaders, target: string): RawCredential[] {
  const found = new Set<string>();
  const judgeKeyId = (keyId: string) => {
    if (isAirlockToken(keyId)) return;
    found.add(AWS_KEY_ID.test(keyId) ? REAL_AWS_KEY : OTHER_AWS_KEY);
  };
  const scan = (text: string) => {
    for (const form of decodings(text)) if (AWS_KEY_ID.test(form)) found.add(REAL_AWS_KEY);
  };
  for (const [name, value] of Object.entries(headers)) {
    if (value === undefined || name === 'host' || name === 'proxy-authorization') continue;
    for (const one of Array.isArray(value) ? value : [value]) {
      scan(one);
      if (name !== 'authorization') continue;
      // Every Credential= of the header, should it name more than one: any of them could be the one read.
      const keyIds = /^\s*AWS4-[A-Z0-9-]+\s/i.test(one)
        ? [...one.matchAll(/\bCredential\s*=\s*([^/,\s]*)/gi)].map((match) => match[1]!)
        : [/^\s*AWS\s+([^:\s]*):/i.exec(one)?.[1]].filter((keyId) => keyId !== undefined);
      for (const keyId of keyIds) judgeKeyId(decodeRepeatedly(keyId));
    }
  }
  const question = target.indexOf('?');
  scan(question < 0 ? target : target.slice(0, question));
  for (const pair of (question < 0 ? '' : target.slice(question + 1)).split('&')) {
    const equals = pair.indexOf('=');
    const key = decodeRepeatedly(equals < 0 ? pair : pair.slice(0, equals)).toLowerCase();
    const value = equals < 0 ? '' : pair.slice(equals + 1);
    scan(key);
    scan(value);
    if (key === 'x-amz-credential') judgeKeyId(decodeRepeatedly(value).split('/')[0]!);
    else if (key === 'awsaccesskeyid') judgeKeyId(decodeRepeatedly(value));
  }
  return [...found].map((what) => ({ what }));
}

/** The text, and what it reads as once, twice and three times percent-decoded (`+` as a space). */
function decodings(text: string): string[] {
  const forms = [text];
  for (let i = 0; i < 3; i++) {
    const next = decodeOnce(forms[forms.length - 1]!);
    if (next === forms[forms.length - 1]) break;
    forms.push(next);
  }
  return forms;
}

function decodeRepeatedly(text: string): string {
  return decodings(text).at(-1)!;
}

function decodeOnce(text: string): string {
  try {
    return decodeURIComponent(text.replace(/\+/g, ' '));
  } catch {
    // A stray % makes the whole text undecodable; decode what can be.
    return text.replace(/(?:%[0-9A-Fa-f]{2})+/g, (run) => {
      try {
        return decodeURIComponent(run);
      } catch {
        return run;
      }
    });
  }
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
