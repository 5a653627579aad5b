import { createHash, randomBytes, timingSafeEqual } from 'node:crypto';

/**
 * Operator API keys, for the CLI against a remote Airlock: `alkop_` + 16-character id + 43-
 * character secret (base64url of 32 random bytes). The prefix differs from agent tokens (`alk_`)
 * so that neither can be mistaken for the other, by people or by secret scanners; the id finds
 * the stored SHA-256, compared in constant time.
 */
export const API_KEY_PREFIX = 'alkop_';
const ID_LENGTH = 16;
const KEY_PATTERN = /^alkop_([0-9a-f]{16})([A-Za-z0-9_-]{43})$/;

export function generateApiKey(): { key: string; id: string; hash: string } {
  const id = randomBytes(ID_LENGTH / 2).toString('hex');
  const key = `${API_KEY_PREFIX}${id}${randomBytes(32).toString('base64url')}`;
  return { key, id, hash: hashApiKey(key) };
}

/** The key's id, when it has the shape of a key; says nothing about whether it exists. */
export function apiKeyId(presented: string): string | undefined {
  return KEY_PATTERN.exec(presented)?.[1];
}

export function hashApiKey(key: string): string {
  return createHash('sha256').update(key).digest('hex');
}

export function apiKeyMatchesHash(presented: string, storedHash: string): boolean {
  const a = Buffer.from(hashApiKey(presented), 'hex');
  const b = Buffer.from(storedHash, 'hex');
  return a.length === b.length && timingSafeEqual(a, b);
}
