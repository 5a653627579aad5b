import { randomBytes, randomInt, timingSafeEqual } from 'node:crypto';
import type { BackendKeyData } from './messages.js';

/**
 * BackendKeyData, mapped. Each client gets a process id and secret key of Airlock's own; a
 * CancelRequest carrying them (on a new connection, as PostgreSQL's protocol has it) is turned
 * into a CancelRequest to the upstream with the upstream session's real key, which the client
 * never sees.
 */
export interface Cancellable {
  readonly upstreamKey: BackendKeyData;
  cancel(): Promise<void>;
}

interface Entry {
  readonly secretKey: Buffer;
  readonly session: Cancellable;
}

export class CancelRegistry {
  private readonly entries = new Map<number, Entry>();

  /** A fresh key for a session; `release` when it ends. */
  register(session: Cancellable): { processId: number; secretKey: Buffer; release: () => void } {
    let processId: number;
    do processId = randomInt(1, 2 ** 31 - 1);
    while (this.entries.has(processId));
    const secretKey = randomBytes(4);
    this.entries.set(processId, { secretKey, session });
    return { processId, secretKey, release: () => this.entries.delete(processId) };
  }

  /** Cancels the session's running statement when the key matches; silently nothing otherwise, like PostgreSQL. */
  async cancel(processId: number, secretKey: Buffer): Promise<boolean> {
    const entry = this.entries.get(processId);
    if (!entry || entry.secretKey.length !== secretKey.length || !timingSafeEqual(entry.secretKey, secretKey)) return false;
    await entry.session.cancel();
    return true;
  }

  get size(): number {
    return this.entries.size;
  }
}
