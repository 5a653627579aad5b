import { createHash } from 'node:crypto';

/**
 * The digest an approval binds to. Doors pass the parts of the exact request (method, path,
 * body; or the SQL text and its parameters) so that a different request cannot reuse a hold.
 * Each part is length-prefixed so that moving bytes between parts changes the digest.
 */
export function requestDigest(...parts: ReadonlyArray<string | Uint8Array>): string {
  const hash = createHash('sha256');
  for (const part of parts) {
    if (typeof part === 'string') hash.update(`${Buffer.byteLength(part, 'utf8')}:${part}`, 'utf8');
    else hash.update(`${part.length}:`).update(part);
  }
  return hash.digest('hex');
}
