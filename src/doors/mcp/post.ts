import type { IncomingHttpHeaders } from 'node:http';
import { PassThrough, type Readable } from 'node:stream';
import type { Dispatcher } from 'undici';
import { upstreamDispatcher } from './fetch.js';

/** One POST's answer: its status and headers, and its body whole, or as a stream for an event stream. */
export interface Reply {
  readonly status: number;
  readonly headers: IncomingHttpHeaders;
  /** The media type, lower case, without parameters. */
  readonly type: string;
  /** The body as text (UTF-8, a byte-order mark dropped, as a Response reads it); for anything but an event stream. */
  readonly text: Promise<string> | undefined;
  /** An event stream's body, as it arrives. */
  readonly stream: Readable | undefined;
}

/** A call's requests in flight, abandoned on a timeout, when the connection closes, or once the answer is read. */
export class Call {
  private aborted = false;
  private current: Dispatcher.DispatchController | undefined;

  abort(): void {
    this.aborted = true;
    this.current?.abort(new AbortedError());
  }

  /** @internal post's: the request being made for this call. */
  started(controller: Dispatcher.DispatchController): void {
    this.current = controller;
    if (this.aborted) controller.abort(new AbortedError());
  }
}

const decoder = new TextDecoder();

/**
 * POSTs on the kept-open upstream connections with undici's dispatch handler rather than its
 * `request`, whose body stream, abort signal and event emitters cost about a third of the
 * POST's CPU here for an answer that is read whole anyway.
 */
export function post(url: URL, headers: Record<string, string>, body: string, call: Call): Promise<Reply> {
  return new Promise((resolve, reject) => {
    let chunks: Buffer[] = [];
    let stream: PassThrough | undefined;
    let settle: { resolve: (text: string) => void; reject: (error: Error) => void } | undefined;
    let started = false;
    const handler: Dispatcher.DispatchHandler = {
      onRequestStart(controller) {
        call.started(controller);
      },
      onResponseStart(_controller, status, responseHeaders) {
        started = true;
        const type = String(responseHeaders['content-type'] ?? '')
          .split(';', 1)[0]!
          .trim()
          .toLowerCase();
        if (type === 'text/event-stream') {
          stream = new PassThrough();
          // Its reader sees an error itself; one after the reader is done must not go unheard.
          stream.on('error', () => undefined);
          resolve({ status, headers: responseHeaders, type, text: undefined, stream });
          return;
        }
        const text = new Promise<string>((resolveText, rejectText) => (settle = { resolve: resolveText, reject: rejectText }));
        // A caller that never reads a refused answer's body must not leave a rejection unhandled.
        text.catch(() => undefined);
        resolve({ status, headers: responseHeaders, type, text, stream: undefined });
      },
      onResponseData(_controller, chunk) {
        if (stream) stream.write(chunk);
        else chunks.push(chunk);
      },
      onResponseEnd() {
        if (stream) stream.end();
        else settle?.resolve(decoder.decode(chunks.length === 1 ? chunks[0] : Buffer.concat(chunks)));
        chunks = [];
      },
      onResponseError(_controller, error) {
        if (!started) reject(error);
        else if (stream) {
          if (!stream.destroyed) stream.destroy(error);
        } else settle?.reject(error);
      },
    };
    try {
      upstreamDispatcher.dispatch({ origin: url.origin, path: `${url.pathname}${url.search}`, method: 'POST', headers, body }, handler);
    } catch (error) {
      reject(error);
    }
  });
}

/** A request Airlock abandoned (timed out, closed, answered): undici's own name for it. */
class AbortedError extends Error {
  override readonly name = 'AbortError';
  readonly code = 'UND_ERR_ABORTED';
  constructor() {
    super('Request aborted');
  }
}
