/**
 * The checkpointer thread: copies the WAL back into the database file once a second, so that the
 * log stays small, on a connection of its own. A checkpoint syncs the database file and can take
 * tens of milliseconds; here it never holds up a commit, because a PASSIVE checkpoint takes no
 * write lock and the writer thread goes on committing meanwhile. It also checkpoints what the
 * request thread's connection writes (holds, baselines): no connection of the server
 * checkpoints by itself.
 */
import { parentPort, workerData } from 'node:worker_threads';
import { checkpointPassively, openDatabase } from './database.js';

export interface CheckpointerInit {
  readonly path: string;
}

const CHECKPOINT_EVERY_MS = 1000;

const db = openDatabase((workerData as CheckpointerInit).path);
db.pragma('wal_autocheckpoint = 0');

const checkpoint = () => checkpointPassively(db);

const timer = setInterval(checkpoint, CHECKPOINT_EVERY_MS);

parentPort!.on('message', (message: 'close') => {
  if (message !== 'close') return;
  clearInterval(timer);
  checkpoint();
  db.close();
  parentPort!.close();
});
