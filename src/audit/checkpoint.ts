import { createHmac, timingSafeEqual } from 'node:crypto';
import { mkdirSync, readFileSync, renameSync, writeFileSync } from 'node:fs';
import { dirname } from 'node:path';

/**
 * The chain head kept apart from the log: the last seq and hash Airlock wrote, in a small file
 * beside (ideally on other storage than) the database. Verification checks that the log still
 * reaches it, which catches a log whose newest records were cut off; a chain alone cannot, since
 * a shorter chain is still a valid chain.
 *
 * With a key (AIRLOCK_AUDIT_KEY) the head carries an HMAC, so rewriting the log *and* the head
 * consistently needs the key too. Without one, it protects against truncation by anyone who
 * cannot also edit this file.
 */
export interface Checkpoint {
  readonly seq: number;
  readonly hash: string;
  readonly at: string;
  readonly mac?: string;
}

function macOf(key: string, seq: number, hash: string): string {
  return createHmac('sha256', key).update(`${seq}:${hash}`).digest('hex');
}

/** The head as it is kept apart, signed with the key when there is one. */
export function signedCheckpoint(head: { seq: number; hash: string }, key: string | undefined, at: string): Checkpoint {
  return { seq: head.seq, hash: head.hash, at, ...(key ? { mac: macOf(key, head.seq, head.hash) } : {}) };
}

export function writeCheckpoint(path: string, head: { seq: number; hash: string }, key: string | undefined, at: string): void {
  const checkpoint = signedCheckpoint(head, key, at);
  mkdirSync(dirname(path), { recursive: true });
  // Readers never see a half-written head: write beside it, then rename over it.
  const temporary = `${path}.${process.pid}.tmp`;
  writeFileSync(temporary, `${JSON.stringify(checkpoint)}\n`, { mode: 0o600 });
  renameSync(temporary, path);
}

/** Writes the head only when it moves forward: two writers never move it back. */
export function advanceCheckpoint(path: string, head: { seq: number; hash: string }, key: string | undefined, at: string): void {
  const current = readCheckpoint(path);
  if (current.kind === 'ok' && current.checkpoint.seq >= head.seq) return;
  writeCheckpoint(path, head, key, at);
}

export type CheckpointRead =
  | { readonly kind: 'ok'; readonly checkpoint: Checkpoint }
  | { readonly kind: 'missing' }
  | { readonly kind: 'invalid'; readonly problem: string };

export function readCheckpoint(path: string, key?: string): CheckpointRead {
  let text: string;
  try {
    text = readFileSync(path, 'utf8');
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'ENOENT') return { kind: 'missing' };
    return { kind: 'invalid', problem: (error as Error).message };
  }
  let checkpoint: Checkpoint;
  try {
    checkpoint = JSON.parse(text) as Checkpoint;
  } catch {
    return { kind: 'invalid', problem: 'the head file is not valid JSON' };
  }
  return checkedCheckpoint(checkpoint, key, 'the head file');
}

/** A stored head, checked: whole, and signed with the key when there is one. `where` names it in problems. */
export function checkedCheckpoint(checkpoint: Checkpoint, key: string | undefined, where: string): CheckpointRead {
  if (!Number.isInteger(checkpoint.seq) || typeof checkpoint.hash !== 'string') {
    return { kind: 'invalid', problem: `${where} has no seq and hash` };
  }
  if (key) {
    if (!checkpoint.mac) return { kind: 'invalid', problem: `${where} is not signed, but AIRLOCK_AUDIT_KEY is set` };
    const expected = Buffer.from(macOf(key, checkpoint.seq, checkpoint.hash), 'hex');
    const actual = Buffer.from(checkpoint.mac, 'hex');
    if (expected.length !== actual.length || !timingSafeEqual(expected, actual)) {
      return { kind: 'invalid', problem: `${where} signature does not match (edited, or signed with another key)` };
    }
  }
  return { kind: 'ok', checkpoint };
}
