/**
 * The thread that moves a long-running process's head file (checkpoint.ts) when its own thread
 * must not wait for the disk: replacing the file — a new one renamed over it — takes ~0.3 ms on
 * ext4, which flushes the new file's data at the rename. Heads asked for while one is written are
 * written once, together (the newest).
 */
import { parentPort, workerData } from 'node:worker_threads';
import { advanceCheckpoint } from './checkpoint.js';

export interface HeadFileInit {
  readonly path: string;
  readonly key: string | undefined;
}
/** Asked: name this head (or a later one). */
export interface HeadFileRequest {
  readonly head: { readonly seq: number; readonly hash: string; readonly at: string };
}
/** Answered: the file names `named` or a later record; or writing the head up to `failed` failed. */
export type HeadFileResponse = { readonly named: number } | { readonly failed: number; readonly error: string };

const init = workerData as HeadFileInit;
let wanted: HeadFileRequest['head'] | undefined;
let scheduled = false;

function write(): void {
  scheduled = false;
  const head = wanted;
  wanted = undefined;
  if (!head) return;
  try {
    advanceCheckpoint(init.path, head, init.key, head.at);
    parentPort!.postMessage({ named: head.seq } satisfies HeadFileResponse);
  } catch (error) {
    parentPort!.postMessage({ failed: head.seq, error: `the audit head file could not be written: ${(error as Error).message}` } satisfies HeadFileResponse);
  }
}

parentPort!.on('message', (request: HeadFileRequest) => {
  if (!wanted || request.head.seq > wanted.seq) wanted = request.head;
  if (!scheduled) {
    scheduled = true;
    setImmediate(write);
  }
});
