/**
 * The audit writer thread. Commits with a sync to disk take a fraction of a millisecond to a few
 * milliseconds; doing them here keeps the doors' event loop serving requests meanwhile, and the
 * next batch gathers while this one syncs.
 */
import { parentPort, workerData } from 'node:worker_threads';
import type { TimedAuditEntry } from '../records.js';
import { createAppender, type CheckpointSettings } from './audit-append.js';
import { openDatabase } from './database.js';

export interface WriterInit {
  readonly path: string;
  readonly checkpoint: CheckpointSettings | undefined;
}
export interface WriterRequest {
  readonly id: number;
  readonly entries: readonly TimedAuditEntry[];
  readonly sync: boolean;
}

/** How long a record committed without a sync may wait for one. */
const SYNC_WITHIN_MS = 100;
export type WriterResponse =
  | { readonly id: number; readonly ok: true; readonly chained: { seq: number; prev: string; hash: string }[] }
  | { readonly id: number; readonly ok: false; readonly error: string };

const init = workerData as WriterInit;
const db = openDatabase(init.path);
const appender = createAppender(db, init.checkpoint);
let syncTimer: NodeJS.Timeout | undefined;

/** Syncs within SYNC_WITHIN_MS what was committed without a sync, here or on the main thread. */
function syncSoon(always: boolean): void {
  if (syncTimer) return;
  syncTimer = setTimeout(() => {
    syncTimer = undefined;
    try {
      appender.sync(new Date().toISOString(), always);
    } catch {
      // The next synced commit syncs these records too; its failure is reported to its callers.
    }
  }, SYNC_WITHIN_MS);
}

parentPort!.on('message', (request: WriterRequest | 'close' | 'sync-soon') => {
  if (request === 'close') {
    clearTimeout(syncTimer);
    appender.sync(new Date().toISOString(), true);
    db.close();
    parentPort!.close();
    return;
  }
  if (request === 'sync-soon') {
    syncSoon(true);
    return;
  }
  let response: WriterResponse;
  try {
    // Only what the caller cannot know is sent back: cloning whole records costs more than the commit.
    response = {
      id: request.id,
      ok: true,
      chained: appender.append(request.entries, { sync: request.sync }).map(({ seq, prev, hash }) => ({ seq, prev, hash })),
    };
    if (appender.pending) syncSoon(false);
  } catch (error) {
    response = { id: request.id, ok: false, error: (error as Error).message };
  }
  parentPort!.postMessage(response);
});
