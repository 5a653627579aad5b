import { createHash, randomBytes, timingSafeEqual } from 'node:crypto';
import { crc32 } from 'node:zlib';

/**
 * Agent tokens: `alk_` + 12-character id + 32-character secret + 6-character checksum, all
 * base62. The prefix lets secret scanners find a leaked token; the CRC-32 checksum lets Airlock
 * (and scanners) reject a typo or a truncated copy without a store look-up; the id finds the
 * stored hash, which is compared in constant time.
 */
export const TOKEN_PREFIX = 'alk_';
const ID_LENGTH = 12;
const SECRET_LENGTH = 32;
const CHECKSUM_LENGTH = 6;
export const TOKEN_LENGTH = TOKEN_PREFIX.length + ID_LENGTH + SECRET_LENGTH + CHECKSUM_LENGTH;
const BASE62 = '0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz';
/** Matches a whole token anywhere in text; for scanners and for redaction. */
export const TOKEN_PATTERN = /\balk_[0-9A-Za-z]{50}\b/g;

function randomBase62(length: number): string {
  // 62 does not divide 256: reject bytes >= 248 so every character is equally likely.
  let out = '';
  while (out.length < length) {
    for (const byte of randomBytes(length * 2)) {
      if (byte < 248 && out.length < length) out += BASE62[byte % 62];
    }
  }
  return out;
}

function checksumOf(body: string): string {
  let value = crc32(body) >>> 0;
  let out = '';
  for (let i = 0; i < CHECKSUM_LENGTH; i++) {
    out = BASE62[value % 62] + out;
    value = Math.floor(value / 62);
  }
  return out;
}

export interface NewToken {
  /** The token, shown once to the user and never stored. */
  readonly token: string;
  readonly id: string;
  readonly hash: string;
}

export function generateToken(): NewToken {
  const body = `${TOKEN_PREFIX}${randomBase62(ID_LENGTH)}${randomBase62(SECRET_LENGTH)}`;
  const token = body + checksumOf(body);
  return { token, id: token.slice(TOKEN_PREFIX.length, TOKEN_PREFIX.length + ID_LENGTH), hash: hashToken(token) };
}

export type ParsedToken = { readonly ok: true; readonly id: string } | { readonly ok: false; readonly problem: string };

/** Checks shape and checksum only; says nothing about whether the token exists. */
export function parseToken(presented: string): ParsedToken {
  if (!presented.startsWith(TOKEN_PREFIX)) return { ok: false, problem: 'it is not an Airlock token (they start with alk_)' };
  if (presented.length !== TOKEN_LENGTH) return { ok: false, problem: 'it has the wrong length (a truncated or extended copy?)' };
  for (let i = TOKEN_PREFIX.length; i < presented.length; i++) {
    if (!BASE62.includes(presented[i]!)) return { ok: false, problem: 'it contains characters an Airlock token never has' };
  }
  const body = presented.slice(0, -CHECKSUM_LENGTH);
  if (checksumOf(body) !== presented.slice(-CHECKSUM_LENGTH)) {
    return { ok: false, problem: 'its checksum does not match (a typo or a damaged copy)' };
  }
  return { ok: true, id: presented.slice(TOKEN_PREFIX.length, TOKEN_PREFIX.length + ID_LENGTH) };
}

/** SHA-256 suffices: tokens carry 190 bits of randomness, so there is nothing to brute-force. */
export function hashToken(token: string): string {
  return createHash('sha256').update(token).digest('hex');
}

export function tokenMatchesHash(presented: string, storedHash: string): boolean {
  const a = Buffer.from(hashToken(presented), 'hex');
  const b = Buffer.from(storedHash, 'hex');
  return a.length === b.length && timingSafeEqual(a, b);
}

/** The first characters of a token, safe to show: enough to recognise it, useless to use it. */
export function tokenHint(id: string): string {
  return `${TOKEN_PREFIX}${id}…`;
}
