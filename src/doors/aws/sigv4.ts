import { createHash, createHmac, timingSafeEqual } from 'node:crypto';
import { UNSIGNED_TRAILER } from './chunked.js';

/**
 * AWS Signature Version 4, as the service checks it: the canonical request rebuilt from what
 * arrived, signed again with the secret, compared in constant time. Both forms are read: the
 * `Authorization` header and the presigned query (`X-Amz-Signature=…`).
 * https://docs.aws.amazon.com/IAM/latest/UserGuide/reference_sigv-create-signed-request.html
 */

const ALGORITHM = 'AWS4-HMAC-SHA256';
/** How far a signature's time may be from Airlock's clock, as AWS allows. */
export const ALLOWED_SKEW_MS = 15 * 60_000;
/** A presigned URL lives at most seven days. */
const MAX_EXPIRES_SECONDS = 604_800;
export const UNSIGNED_PAYLOAD = 'UNSIGNED-PAYLOAD';
const EMPTY_SHA256 = createHash('sha256').update('').digest('hex');

/** What arrived, before anything was changed. */
export interface ArrivedRequest {
  readonly method: string;
  /** The request target as sent: path and query string, percent-encoded. */
  readonly target: string;
  /** Name, value, name, value… as received (node's `rawHeaders`). */
  readonly rawHeaders: readonly string[];
  readonly body: Buffer;
}

export interface Signed {
  readonly presigned: boolean;
  readonly accessKeyId: string;
  /** `YYYYMMDDTHHMMSSZ` */
  readonly amzDate: string;
  readonly region: string;
  readonly service: string;
  readonly signedHeaders: readonly string[];
  readonly signature: string;
  readonly expiresSeconds?: number;
  /** The path, percent-encoded as sent. */
  readonly path: string;
  /** The query's pairs, decoded, without SigV4's own `X-Amz-*` parameters. */
  readonly query: readonly (readonly [string, string])[];
  /** The signed headers by lower-case name, values joined as the canonical request has them. */
  readonly headers: ReadonlyMap<string, string>;
}

/** Why a signature is refused: the error code AWS itself would answer, and words for the agent. */
export type SignatureProblem = {
  readonly code: 'MissingAuthenticationToken' | 'SignatureDoesNotMatch' | 'AccessDenied' | 'RequestTimeTooSkewed' | 'InvalidRequest';
  readonly error: string;
};

export type ReadSignature = ({ readonly ok: true } & Signed) | ({ readonly ok: false } & SignatureProblem);

const SIGV4_QUERY = new Set(['x-amz-algorithm', 'x-amz-credential', 'x-amz-date', 'x-amz-expires', 'x-amz-signedheaders', 'x-amz-signature']);

/** RFC 3986 encoding, as SigV4 wants it: everything but `A-Za-z0-9-_.~`. */
export function encodeRfc3986(text: string): string {
  return encodeURIComponent(text).replace(/[!'()*]/g, (c) => `%${c.charCodeAt(0).toString(16).toUpperCase()}`);
}

function decodeComponent(text: string): string | undefined {
  try {
    return decodeURIComponent(text);
  } catch {
    return undefined;
  }
}

/** The pairs of a raw query string, decoded; undefined when a pair cannot be decoded. */
export function queryPairs(raw: string): [string, string][] | undefined {
  const pairs: [string, string][] = [];
  for (const pair of raw.split('&')) {
    if (pair === '') continue;
    const equals = pair.indexOf('=');
    const key = decodeComponent(equals < 0 ? pair : pair.slice(0, equals));
    const value = decodeComponent(equals < 0 ? '' : pair.slice(equals + 1));
    if (key === undefined || value === undefined) return undefined;
    pairs.push([key, value]);
  }
  return pairs;
}

/** Header values by lower-case name, as SigV4 canonicalises them: trimmed, runs of spaces made one, repeats joined by commas. */
export function canonicalHeaderValues(rawHeaders: readonly string[]): Map<string, string> {
  const values = new Map<string, string[]>();
  for (let i = 0; i + 1 < rawHeaders.length; i += 2) {
    const name = rawHeaders[i]!.toLowerCase();
    const value = rawHeaders[i + 1]!.trim().replace(/\s+/g, ' ');
    values.set(name, [...(values.get(name) ?? []), value]);
  }
  return new Map([...values].map(([name, list]) => [name, list.join(',')]));
}

/** Reads the signature of a request (header or presigned query), without checking it yet. */
export function readSignature(request: ArrivedRequest): ReadSignature {
  const question = request.target.indexOf('?');
  const path = question < 0 ? request.target : request.target.slice(0, question);
  const pairs = queryPairs(question < 0 ? '' : request.target.slice(question + 1));
  if (!pairs) return { ok: false, code: 'InvalidRequest', error: 'the query string has a malformed percent-encoding' };
  const headers = canonicalHeaderValues(request.rawHeaders);
  const param = (name: string) => {
    const found = pairs.filter(([key]) => key.toLowerCase() === name);
    return found.length === 1 ? found[0]![1] : found.length === 0 ? undefined : null;
  };
  const authorization = headers.get('authorization');
  const presigned = pairs.some(([key]) => key.toLowerCase() === 'x-amz-signature');
  if (authorization !== undefined && presigned)
    return { ok: false, code: 'InvalidRequest', error: 'the request is signed twice (an Authorization header and a presigned query)' };
  let credential: string;
  let signedHeaders: string;
  let signature: string;
  let amzDate: string | undefined;
  let expiresSeconds: number | undefined;
  if (presigned) {
    const values = [...SIGV4_QUERY].map(param);
    if (values.some((value) => value === null)) return { ok: false, code: 'InvalidRequest', error: 'a presigned URL names a signature parameter twice' };
    const [algorithm, credentialText, date, expires, signedText, signatureText] = values as (string | undefined)[];
    if (algorithm !== ALGORITHM) return { ok: false, code: 'InvalidRequest', error: `Airlock reads ${ALGORITHM} signatures only` };
    if (!credentialText || !date || !expires || !signedText || !signatureText)
      return { ok: false, code: 'InvalidRequest', error: 'the presigned URL lacks one of its X-Amz-* parameters' };
    expiresSeconds = /^\d{1,7}$/.test(expires) ? Number(expires) : Number.NaN;
    if (!(expiresSeconds >= 1 && expiresSeconds <= MAX_EXPIRES_SECONDS))
      return { ok: false, code: 'InvalidRequest', error: 'X-Amz-Expires must be between 1 and 604800 seconds' };
    credential = credentialText;
    signedHeaders = signedText;
    signature = signatureText;
    amzDate = date;
  } else {
    if (authorization === undefined)
      return { ok: false, code: 'MissingAuthenticationToken', error: 'the request is not signed; sign it with your Airlock credentials' };
    const match = /^AWS4-HMAC-SHA256 Credential=([^,\s]+), ?SignedHeaders=([^,\s]+), ?Signature=([0-9a-f]{64})$/.exec(authorization);
    if (!match) return { ok: false, code: 'InvalidRequest', error: `the Authorization header is not an ${ALGORITHM} signature Airlock can read` };
    [, credential, signedHeaders, signature] = match as unknown as [string, string, string, string];
    amzDate = headers.get('x-amz-date');
    if (!amzDate) return { ok: false, code: 'InvalidRequest', error: 'the signed request has no X-Amz-Date header' };
  }
  const scope = /^([^/]+)\/(\d{8})\/([a-z0-9-]+)\/([a-z0-9-]+)\/aws4_request$/.exec(credential);
  if (!scope) return { ok: false, code: 'InvalidRequest', error: 'the credential scope is not <key>/<date>/<region>/<service>/aws4_request' };
  if (!/^\d{8}T\d{6}Z$/.test(amzDate) || amzDate.slice(0, 8) !== scope[2])
    return { ok: false, code: 'InvalidRequest', error: "X-Amz-Date is not a SigV4 time, or not the credential scope's date" };
  const names = signedHeaders.split(';');
  if (!names.includes('host') || names.some((name) => name !== name.toLowerCase() || name === '') || [...names].sort().join(';') !== signedHeaders)
    return { ok: false, code: 'InvalidRequest', error: 'SignedHeaders must list lower-case names in order, including host' };
  const signed = new Map<string, string>();
  for (const name of names) {
    const value = headers.get(name);
    if (value === undefined) return { ok: false, code: 'SignatureDoesNotMatch', error: `the signed header ${name} is not in the request` };
    signed.set(name, value);
  }
  return {
    ok: true,
    presigned,
    accessKeyId: scope[1]!,
    amzDate,
    region: scope[3]!,
    service: scope[4]!,
    signedHeaders: names,
    signature,
    ...(expiresSeconds !== undefined ? { expiresSeconds } : {}),
    path,
    query: pairs.filter(([key]) => !(presigned ? SIGV4_QUERY : new Set<string>()).has(key.toLowerCase())),
    headers: signed,
  };
}

/** The path as the canonical request has it: S3 takes it as sent, other services encode it once more. */
function canonicalPath(path: string, doubleEncode: boolean): string {
  if (!doubleEncode) return path || '/';
  const segments: string[] = [];
  for (const segment of (path || '/').split('/')) {
    if (segment === '.') continue;
    if (segment === '..') segments.pop();
    else segments.push(segment);
  }
  const normalised = segments.join('/') || '/';
  return normalised.replace(/[^A-Za-z0-9\-_.~/]/g, (c) => `%${c.charCodeAt(0).toString(16).toUpperCase().padStart(2, '0')}`);
}

function canonicalQuery(pairs: readonly (readonly [string, string])[]): string {
  return pairs
    .map(([key, value]) => [encodeRfc3986(key), encodeRfc3986(value)] as const)
    .sort(([a, x], [b, y]) => (a < b ? -1 : a > b ? 1 : x < y ? -1 : x > y ? 1 : 0))
    .map(([key, value]) => `${key}=${value}`)
    .join('&');
}

function hmac(key: Buffer | string, text: string): Buffer {
  return createHmac('sha256', key).update(text, 'utf8').digest();
}

/** The signature a request with these parts has, under `secret`. */
export function signatureOf(signed: Signed, method: string, payloadHash: string, secret: string, options: { readonly doubleEncodePath: boolean }): string {
  const presignedQuery: [string, string][] = signed.presigned
    ? [
        ['X-Amz-Algorithm', ALGORITHM],
        ['X-Amz-Credential', `${signed.accessKeyId}/${signed.amzDate.slice(0, 8)}/${signed.region}/${signed.service}/aws4_request`],
        ['X-Amz-Date', signed.amzDate],
        ['X-Amz-Expires', String(signed.expiresSeconds)],
        ['X-Amz-SignedHeaders', signed.signedHeaders.join(';')],
      ]
    : [];
  const canonical = [
    method,
    canonicalPath(signed.path, options.doubleEncodePath),
    canonicalQuery([...signed.query, ...presignedQuery]),
    `${signed.signedHeaders.map((name) => `${name}:${signed.headers.get(name)}`).join('\n')}\n`,
    signed.signedHeaders.join(';'),
    payloadHash,
  ].join('\n');
  const scope = `${signed.amzDate.slice(0, 8)}/${signed.region}/${signed.service}/aws4_request`;
  const toSign = [ALGORITHM, signed.amzDate, scope, createHash('sha256').update(canonical, 'utf8').digest('hex')].join('\n');
  let key = hmac(`AWS4${secret}`, signed.amzDate.slice(0, 8));
  for (const part of [signed.region, signed.service, 'aws4_request']) key = hmac(key, part);
  return hmac(key, toSign).toString('hex');
}

function timeOf(amzDate: string): number {
  return Date.parse(
    `${amzDate.slice(0, 4)}-${amzDate.slice(4, 6)}-${amzDate.slice(6, 8)}T${amzDate.slice(9, 11)}:${amzDate.slice(11, 13)}:${amzDate.slice(13, 15)}Z`,
  );
}

/**
 * Checks a read signature against `secret` and the clock. The body is covered as the request
 * says: its SHA-256 in `x-amz-content-sha256` (checked against the body), `UNSIGNED-PAYLOAD`
 * (S3, and every presigned URL), or, without the header, the hash of the body itself. A body
 * signed chunk by chunk (`STREAMING-AWS4-HMAC-SHA256-PAYLOAD`) is not read, so it is refused; an
 * unsigned trailer (`STREAMING-UNSIGNED-PAYLOAD-TRAILER`) leaves the body out, as `UNSIGNED-PAYLOAD` does.
 */
export function verifySignature(
  signed: Signed,
  request: Pick<ArrivedRequest, 'method' | 'body'>,
  secret: string,
  now: Date,
  options: { readonly doubleEncodePath: boolean },
): { readonly ok: true } | ({ readonly ok: false } & SignatureProblem) {
  const at = timeOf(signed.amzDate);
  if (!Number.isFinite(at)) return { ok: false, code: 'InvalidRequest', error: 'X-Amz-Date is not a time' };
  if (signed.presigned) {
    if (at - now.getTime() > ALLOWED_SKEW_MS) return { ok: false, code: 'AccessDenied', error: 'the presigned URL is dated in the future' };
    if (now.getTime() > at + signed.expiresSeconds! * 1000)
      return {
        ok: false,
        code: 'AccessDenied',
        error: `Request has expired: the presigned URL expired at ${new Date(at + signed.expiresSeconds! * 1000).toISOString()}`,
      };
  } else if (Math.abs(at - now.getTime()) > ALLOWED_SKEW_MS) {
    return {
      ok: false,
      code: 'RequestTimeTooSkewed',
      error: 'the difference between the request time and the current time is too large (more than 15 minutes)',
    };
  }
  const bodyHash = request.body.length === 0 ? EMPTY_SHA256 : createHash('sha256').update(request.body).digest('hex');
  const declared = signed.headers.get('x-amz-content-sha256');
  let candidates: string[];
  if (declared !== undefined) {
    // An unsigned trailer leaves the body out of the signature, as UNSIGNED-PAYLOAD does; signed chunks are not read.
    if (declared.startsWith('STREAMING-') && declared !== UNSIGNED_TRAILER)
      return { ok: false, code: 'InvalidRequest', error: `Airlock does not read uploads signed chunk by chunk (${declared}); send the body whole` };
    if (declared !== UNSIGNED_PAYLOAD && declared !== UNSIGNED_TRAILER && declared !== bodyHash)
      return { ok: false, code: 'SignatureDoesNotMatch', error: 'x-amz-content-sha256 is not the SHA-256 of the body' };
    candidates = [declared];
  } else candidates = signed.presigned ? [UNSIGNED_PAYLOAD, bodyHash] : [bodyHash];
  const presented = Buffer.from(signed.signature, 'hex');
  for (const payloadHash of candidates) {
    const expected = Buffer.from(signatureOf(signed, request.method, payloadHash, secret, options), 'hex');
    if (presented.length === expected.length && timingSafeEqual(presented, expected)) return { ok: true };
  }
  return {
    ok: false,
    code: 'SignatureDoesNotMatch',
    error: 'the request signature does not match; sign with your Airlock credentials (the token as access key id and as secret)',
  };
}
