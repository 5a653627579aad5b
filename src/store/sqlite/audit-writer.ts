/**
 * The audit writer thread: the only place the server commits, syncs and checkpoints the audit
 * log. Commits with a sync to disk take a fraction of a millisecond to many milliseconds, and a
 * WAL checkpoint longer still; doing them all here keeps the doors' event loop serving requests
 * meanwhile, and the next batch gathers while this one commits.
 */
import { parentPort, workerData } from 'node:worker_threads';
import type { PreparedEntry } from '../../audit/chain.js';
import { createAppender, type CheckpointSettings } from './audit-append.js';
import { openDatabase } from './database.js';

export interface WriterInit {
  readonly path: string;
  readonly checkpoint: CheckpointSettings | undefined;
}
export interface WriterRequest {
  readonly id: number;
  readonly entries: readonly PreparedEntry[];
  readonly sync: boolean;
}

/** How long a record committed without a sync may wait for one. */
const SYNC_WITHIN_MS = 100;
/** How often the WAL is copied back into the database file, so that it stays small. */
const CHECKPOINT_EVERY_MS = 1000;
export type WriterResponse =
  | { readonly id: number; readonly ok: true; readonly chained: { seq: number; prev: string; hash: string }[] }
  | { readonly id: number; readonly ok: false; readonly error: string };

const init = workerData as WriterInit;
const db = openDatabase(init.path);
// Checkpoints run when this thread chooses, after the waiting requests were answered, never
// inside a commit someone waits for.
db.pragma('wal_autocheckpoint = 0');
const appender = createAppender(db, init.checkpoint, { syncOutsideLock: init.path });
let syncTimer: NodeJS.Timeout | undefined;
let lastCheckpoint = performance.now();
let queue: WriterRequest[] = [];
let scheduled = false;

function checkpointIfDue(): void {
  if (performance.now() - lastCheckpoint < CHECKPOINT_EVERY_MS) return;
  lastCheckpoint = performance.now();
  try {
    // PASSIVE: copies what no reader still needs, and never waits for anyone.
    db.pragma('wal_checkpoint(PASSIVE)');
  } catch {
    // The next one catches up; a checkpoint loses nothing by being late.
  }
}

/** Syncs within SYNC_WITHIN_MS what was committed here without a sync. */
function syncSoon(): void {
  if (syncTimer) return;
  syncTimer = setTimeout(() => {
    syncTimer = undefined;
    try {
      appender.sync(new Date().toISOString());
    } catch {
      // The next synced commit syncs these records too; its failure is reported to its callers.
      syncSoon();
    }
    checkpointIfDue();
  }, SYNC_WITHIN_MS);
}

// Also checkpoints what the request thread's own connection wrote (holds, baselines), which
// never checkpoints itself.
setInterval(checkpointIfDue, CHECKPOINT_EVERY_MS * 5).unref();

/**
 * Commits every request that arrived while the previous commit ran as one transaction: one
 * sync (if any of them needs it) for all of them.
 */
function drain(): void {
  scheduled = false;
  const batch = queue;
  queue = [];
  if (batch.length === 0) return;
  const sync = batch.some((request) => request.sync);
  const entries = batch.length === 1 ? batch[0]!.entries : batch.flatMap((request) => request.entries);
  try {
    const links = appender.appendPrepared(entries, { sync });
    let offset = 0;
    for (const request of batch) {
      // Only what the caller cannot know is sent back: cloning whole records costs more than the commit.
      const chained = links.slice(offset, offset + request.entries.length).map(({ seq, prev, hash }) => ({ seq, prev, hash }));
      offset += request.entries.length;
      parentPort!.postMessage({ id: request.id, ok: true, chained } satisfies WriterResponse);
    }
  } catch (error) {
    for (const request of batch) parentPort!.postMessage({ id: request.id, ok: false, error: (error as Error).message } satisfies WriterResponse);
  }
  if (appender.pending) syncSoon();
  else checkpointIfDue();
}

parentPort!.on('message', (request: WriterRequest | 'close') => {
  if (request === 'close') {
    drain();
    clearTimeout(syncTimer);
    appender.sync(new Date().toISOString(), true);
    db.pragma('wal_checkpoint(PASSIVE)');
    db.close();
    parentPort!.close();
    return;
  }
  queue.push(request);
  if (!scheduled) {
    scheduled = true;
    setImmediate(drain);
  }
});
