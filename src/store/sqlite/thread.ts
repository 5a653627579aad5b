import type { Worker } from 'node:worker_threads';
import { startThread } from '../../core/thread.js';

/** Starts one of the SQLite store's threads, from its module beside this one. */
export function startStoreThread(name: 'audit-writer' | 'audit-checkpointer', workerData: unknown): Worker {
  return startThread(import.meta.url, name, workerData);
}
