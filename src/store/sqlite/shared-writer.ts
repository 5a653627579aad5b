/**
 * One audit writer for a group of worker processes on one SQLite file (`workers: N`). Each
 * process with a writer of its own would take the file's write lock in turn with the others,
 * each batch waiting on the other's commit (SQLite's busy handler sleeps) and re-chained after
 * it; here the primary runs the one writer thread (audit-writer.ts, as a single server does) and
 * the workers hand it their records over the cluster's IPC channel. A worker waits for the
 * commit its caller needs, as it would on its own writer: the answer comes after the commit (and
 * its sync, when asked for), and a failure, or a primary gone, fails the append, which refuses
 * the decision. Records of different workers queued together are committed in one batch.
 */
import type { Worker as ClusterWorker } from 'node:cluster';
import { prepareEntry, type PreparedEntry } from '../../audit/chain.js';
import type { AuditRecord, TimedAuditEntry } from '../records.js';
import type { AppendOptions } from '../store.js';
import type { WriterInit, WriterRequest, WriterResponse } from './audit-writer.js';
import { startStoreThread } from './thread.js';

/** Set by the primary in its workers' environment when it runs their one writer. */
export const SHARED_WRITER_ENV = 'AIRLOCK_SHARED_AUDIT_WRITER';

interface AppendMessage {
  readonly airlock: 'audit-append';
  readonly id: number;
  /** Encoded in the worker, as a single server encodes them on its request thread. */
  readonly entries: readonly PreparedEntry[];
  readonly sync: boolean;
  readonly releaseClaims?: readonly string[];
}
interface AppendedMessage {
  readonly airlock: 'audit-appended';
  readonly response: WriterResponse;
}

/** In a worker: appends through the primary's writer. */
export function sharedAppend(): {
  append(entries: readonly TimedAuditEntry[], options: AppendOptions): Promise<AuditRecord[]>;
  close(): Promise<void>;
} {
  let nextId = 0;
  const waiting = new Map<number, { entries: readonly TimedAuditEntry[]; resolve: (records: AuditRecord[]) => void; reject: (error: Error) => void }>();
  let failure: Error | undefined;
  let drained: (() => void) | undefined;
  const settle = (id: number) => {
    waiting.delete(id);
    if (waiting.size === 0) drained?.();
  };
  process.on('message', (message: unknown) => {
    if ((message as { airlock?: unknown } | null)?.airlock !== 'audit-appended') return;
    const { response } = message as AppendedMessage;
    const pending = waiting.get(response.id);
    if (!pending) return;
    settle(response.id);
    if (response.ok) pending.resolve(pending.entries.map((entry, i) => ({ ...entry, ...response.chained[i]! })));
    else pending.reject(new Error(`audit write failed: ${response.error}`));
  });
  process.once('disconnect', () => {
    failure = new Error('audit writer stopped: the primary process is gone');
    for (const [id, { reject }] of waiting) {
      settle(id);
      reject(failure);
    }
  });
  return {
    append(entries, { sync = true, releaseClaims }) {
      if (failure) return Promise.reject(failure);
      if (!process.connected || !process.send) return Promise.reject(new Error('audit writer stopped: the primary process is gone'));
      return new Promise((resolve, reject) => {
        const id = nextId++;
        waiting.set(id, { entries, resolve, reject });
        const message: AppendMessage = {
          airlock: 'audit-append',
          id,
          entries: entries.map(prepareEntry),
          sync,
          ...(releaseClaims?.length ? { releaseClaims } : {}),
        };
        process.send!(message, undefined, undefined, (error) => {
          if (!error || !waiting.has(id)) return;
          settle(id);
          reject(new Error(`audit write failed: ${error.message}`));
        });
      });
    },
    async close() {
      if (waiting.size === 0 || failure) return;
      await new Promise<void>((resolve) => (drained = resolve));
    },
  };
}

/** In the primary: the one writer thread, serving the appends of every worker it is given. */
export function startSharedWriter(init: WriterInit, onStopped: (error: Error) => void): { serve(worker: ClusterWorker): void; close(): Promise<void> } {
  const thread = startStoreThread('audit-writer', init);
  let nextId = 0;
  const from = new Map<number, { worker: ClusterWorker; id: number }>();
  let stopped: Error | undefined;
  const answer = (worker: ClusterWorker, response: WriterResponse) => {
    if (worker.isConnected()) worker.send({ airlock: 'audit-appended', response } satisfies AppendedMessage);
  };
  thread.on('message', (response: WriterResponse) => {
    const origin = from.get(response.id);
    from.delete(response.id);
    if (origin) answer(origin.worker, { ...response, id: origin.id });
  });
  let closing = false;
  const fail = (error: Error) => {
    if (stopped) return;
    stopped = error;
    for (const [id, origin] of from) {
      from.delete(id);
      answer(origin.worker, { id: origin.id, ok: false, error: error.message });
    }
    if (!closing) onStopped(error);
  };
  thread.on('error', (error) => fail(new Error(`audit writer failed: ${error.message}`)));
  thread.on('exit', () => fail(new Error('audit writer stopped')));
  return {
    serve(worker) {
      worker.on('message', (message: unknown) => {
        if ((message as { airlock?: unknown } | null)?.airlock !== 'audit-append') return;
        const request = message as AppendMessage;
        if (stopped) {
          answer(worker, { id: request.id, ok: false, error: stopped.message });
          return;
        }
        const id = nextId++;
        from.set(id, { worker, id: request.id });
        thread.postMessage({
          id,
          entries: request.entries,
          sync: request.sync,
          ...(request.releaseClaims ? { releaseClaims: request.releaseClaims } : {}),
        } satisfies WriterRequest);
      });
    },
    async close() {
      if (stopped) return;
      closing = true;
      await new Promise<void>((resolve) => {
        thread.once('exit', () => resolve());
        thread.postMessage('close');
      });
    },
  };
}
