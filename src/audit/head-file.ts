import type { HeadFileInit, HeadFileRequest, HeadFileResponse } from './head-file-thread.js';
import type { Worker } from 'node:worker_threads';
import { startThread } from '../core/thread.js';

export interface HeadFile {
  /** Resolves once the head file names this record or a later one; rejects if writing it failed (the next head tries again). */
  advance(head: { seq: number; hash: string; at: string }): Promise<void>;
  close(): Promise<void>;
}

/**
 * The head file (checkpoint.ts) of a long-running process whose own thread serves requests: its
 * writes are made on a thread of their own (head-file-thread.ts), so that the event loop never
 * waits for the disk, and a caller still learns when the file names its record.
 */
export function headFileOnThread(path: string, key: string | undefined): HeadFile {
  // Started with the first head: a short-lived command that records nothing synced never pays for it.
  let worker: Worker | undefined;
  const waiting: { seq: number; resolve: () => void; reject: (error: Error) => void }[] = [];
  let stopped: Error | undefined;
  const settle = (upTo: number, error?: Error) => {
    for (let i = waiting.length - 1; i >= 0; i--) {
      const waiter = waiting[i]!;
      if (waiter.seq > upTo) continue;
      waiting.splice(i, 1);
      if (error) waiter.reject(error);
      else waiter.resolve();
    }
    // Keep the process alive only while someone waits for the file.
    if (waiting.length === 0) worker?.unref();
  };
  const fail = (error: Error) => {
    stopped = error;
    settle(Number.POSITIVE_INFINITY, error);
  };
  const started = (): Worker => {
    if (worker) return worker;
    const thread = startThread(import.meta.url, 'head-file-thread', { path, key } satisfies HeadFileInit);
    thread.on('message', (response: HeadFileResponse) => ('named' in response ? settle(response.named) : settle(response.failed, new Error(response.error))));
    thread.on('error', (error) => fail(new Error(`the audit head file's thread failed: ${error.message}`)));
    thread.on('exit', () => fail(new Error("the audit head file's thread stopped")));
    worker = thread;
    return thread;
  };
  return {
    advance(head) {
      if (stopped) return Promise.reject(stopped);
      const thread = started();
      return new Promise((resolve, reject) => {
        waiting.push({ seq: head.seq, resolve, reject });
        thread.ref();
        thread.postMessage({ head } satisfies HeadFileRequest);
      });
    },
    async close() {
      if (stopped || !worker) return;
      await worker.terminate();
    },
  };
}
