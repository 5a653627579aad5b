import { BUSY_TIMEOUT_MS, type SqliteDatabase } from './database.js';

/** Runs `work` (statements, or a transaction function) holding the database's write lock. */
export type Write = <T>(work: () => T) => Promise<T>;

/** Waits between attempts: the next turns first (an audit commit holds the lock for ~0.1 ms), then longer. */
const BACKOFF_MS = [0, 0, 0, 1, 1, 2, 5, 10, 20];

export class WriteLockTimeout extends Error {
  constructor(waitedMs: number) {
    super(`the SQLite store's write lock was held by another connection for ${waitedMs} ms; nothing was written`);
    this.name = 'WriteLockTimeout';
  }
}

function isBusy(error: unknown): boolean {
  return typeof (error as { code?: unknown })?.code === 'string' && (error as { code: string }).code.startsWith('SQLITE_BUSY');
}

const nextTurn = (ms: number) => new Promise<void>((resolve) => (ms === 0 ? setImmediate(resolve) : setTimeout(resolve, ms)));

/**
 * Writes on the doors' connection that never wait on the event loop. While another connection
 * holds the write lock — the audit writer thread committing a batch, the CLI, another process —
 * SQLite's busy handler would sleep the calling thread, in steps of 1 to 100 ms: here, every
 * request in flight. Each write is instead tried with no busy wait and, while the lock is taken,
 * tried again on a later turn of the event loop, until it has waited as long as the busy timeout
 * would have; then it fails and writes nothing.
 */
export function writesThatYield(db: SqliteDatabase, lockWaitMs = BUSY_TIMEOUT_MS): Write {
  const attempt = <T>(work: () => T): { done: true; value: T } | { done: false } => {
    db.pragma('busy_timeout = 0');
    try {
      return { done: true, value: work() };
    } catch (error) {
      if (isBusy(error)) return { done: false };
      throw error;
    } finally {
      db.pragma(`busy_timeout = ${BUSY_TIMEOUT_MS}`);
    }
  };
  return async (work) => {
    const started = performance.now();
    for (let tries = 0; ; tries++) {
      const result = attempt(work);
      if (result.done) return result.value;
      const waited = performance.now() - started;
      if (waited >= lockWaitMs) throw new WriteLockTimeout(Math.round(waited));
      await nextTurn(BACKOFF_MS[Math.min(tries, BACKOFF_MS.length - 1)]!);
    }
  };
}
