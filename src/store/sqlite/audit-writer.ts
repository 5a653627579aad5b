/**
 * The audit writer thread: the only place the server commits and syncs the audit log. Commits
 * take a fraction of a millisecond; a sync to disk takes from one to many milliseconds, and runs
 * on libuv's thread pool (wal-sync.ts) while this thread goes on committing. So a read, whose
 * record needs only its commit, is answered after that commit even while a write's sync is under
 * way; a write is answered after the first sync that began once its record was committed, and
 * every write committed while one sync ran shares the next. Checkpoints run on a thread of their
 * own (audit-checkpointer.ts). The doors' event loop does none of this work.
 */
import { parentPort, workerData } from 'node:worker_threads';
import type { PreparedEntry } from '../../audit/chain.js';
import { createAppender, type CheckpointSettings } from './audit-append.js';
import type { CheckpointerInit } from './audit-checkpointer.js';
import { checkpointPassively, openDatabase } from './database.js';
import { startStoreThread } from './thread.js';
import { walSyncer } from './wal-sync.js';

export interface WriterInit {
  readonly path: string;
  readonly checkpoint: CheckpointSettings | undefined;
}
export interface WriterRequest {
  readonly id: number;
  readonly entries: readonly PreparedEntry[];
  readonly sync: boolean;
  /** Budget claims the entries take over, removed in their commit. */
  readonly releaseClaims?: readonly string[];
}
export type WriterResponse =
  | { readonly id: number; readonly ok: true; readonly chained: { seq: number; prev: string; hash: string }[] }
  | { readonly id: number; readonly ok: false; readonly error: string };

/** How long a record committed without a sync may wait for one. */
const SYNC_WITHIN_MS = 100;

const init = workerData as WriterInit;
const db = openDatabase(init.path);
// Checkpoints are the checkpointer's: one inside a commit would hold up whoever waits for it.
db.pragma('wal_autocheckpoint = 0');
const appender = createAppender(db, init.checkpoint);
const syncWal = walSyncer(init.path);
const checkpointer = startStoreThread('audit-checkpointer', { path: init.path } satisfies CheckpointerInit);
// Should the checkpointer fail, this thread checkpoints in its place, as it did before there was
// one: later than a commit would like, but the log must not grow without end.
checkpointer.once('error', () => setInterval(() => checkpointPassively(db), 1000).unref());

/** A committed write waiting for a sync: answered once a sync that began after seq was committed is done. */
interface AwaitingSync {
  readonly seq: number;
  readonly response: WriterResponse;
}

let queue: WriterRequest[] = [];
let scheduled = false;
let awaitingSync: AwaitingSync[] = [];
/** The sync under way, if any. */
let syncing: Promise<void> | undefined;
let syncTimer: NodeJS.Timeout | undefined;

function answer(response: WriterResponse): void {
  parentPort!.postMessage(response);
}

/**
 * Syncs the WAL file, covering everything committed so far, then answers the writes it covers.
 * One sync at a time: writes committed while it runs wait for the next, which starts as soon as
 * it ends and covers them all.
 */
function syncNow(): void {
  if (syncing) return;
  clearTimeout(syncTimer);
  syncTimer = undefined;
  const upTo = appender.head;
  if (!upTo) return;
  syncing = syncWal().then(
    () => {
      appender.synced(upTo);
      const [covered, later] = partition(awaitingSync, (waiting) => waiting.seq <= upTo.seq);
      awaitingSync = later;
      for (const waiting of covered) answer(waiting.response);
    },
    (error: Error) => {
      // The records are committed but not known to be on disk: the writes waiting are refused,
      // and the unsynced reads are synced by the next sync.
      const [covered, later] = partition(awaitingSync, (waiting) => waiting.seq <= upTo.seq);
      awaitingSync = later;
      for (const waiting of covered) answer({ id: waiting.response.id, ok: false, error: `the disk sync failed: ${error.message}` });
    },
  );
  void syncing.finally(() => {
    syncing = undefined;
    if (awaitingSync.length > 0) syncNow();
    else if (appender.pending) syncSoon();
  });
}

/** Syncs within SYNC_WITHIN_MS what was committed without a sync. */
function syncSoon(): void {
  if (syncTimer || syncing) return;
  syncTimer = setTimeout(() => {
    syncTimer = undefined;
    syncNow();
  }, SYNC_WITHIN_MS);
}

function partition<T>(items: readonly T[], test: (item: T) => boolean): [T[], T[]] {
  const yes: T[] = [];
  const no: T[] = [];
  for (const item of items) (test(item) ? yes : no).push(item);
  return [yes, no];
}

/**
 * Commits every request that arrived while the previous commit ran as one transaction. Reads are
 * answered at once; writes once a sync covers them.
 */
function drain(): void {
  scheduled = false;
  const batch = queue;
  queue = [];
  if (batch.length === 0) return;
  const entries = batch.length === 1 ? batch[0]!.entries : batch.flatMap((request) => request.entries);
  let links: ReturnType<typeof appender.appendPrepared>;
  try {
    links = appender.appendPrepared(entries, { sync: false, releaseClaims: batch.flatMap((request) => request.releaseClaims ?? []) });
  } catch (error) {
    for (const request of batch) answer({ id: request.id, ok: false, error: (error as Error).message });
    return;
  }
  let offset = 0;
  let writes = false;
  for (const request of batch) {
    // Only what the caller cannot know is sent back: cloning whole records costs more than the commit.
    const chained = links.slice(offset, offset + request.entries.length).map(({ seq, prev, hash }) => ({ seq, prev, hash }));
    offset += request.entries.length;
    const response: WriterResponse = { id: request.id, ok: true, chained };
    if (!request.sync) answer(response);
    else {
      awaitingSync.push({ seq: links[offset - 1]!.seq, response });
      writes = true;
    }
  }
  if (writes) syncNow();
  else syncSoon();
}

async function close(): Promise<void> {
  drain();
  await syncing;
  // One last sync for what is still unsynced; if it fails, its writes were told so.
  if (awaitingSync.length > 0 || appender.pending) {
    syncNow();
    await syncing;
  }
  clearTimeout(syncTimer);
  if (checkpointer.threadId >= 0) {
    await new Promise<void>((resolve) => {
      checkpointer.once('exit', () => resolve());
      checkpointer.postMessage('close');
    });
  }
  db.close();
  parentPort!.close();
}

parentPort!.on('message', (request: WriterRequest | 'close') => {
  if (request === 'close') {
    void close();
    return;
  }
  queue.push(request);
  if (!scheduled) {
    scheduled = true;
    setImmediate(drain);
  }
});
