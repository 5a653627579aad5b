import type { FetchLike } from '@modelcontextprotocol/sdk/shared/transport.js';

/**
 * The SDK passes one AbortSignal, the connection's, to every request, and undici keeps an
 * abort listener on it per request until the request is garbage-collected: on a busy upstream
 * they pile up by the thousand (slower requests, leak warnings). Each request gets its own
 * signal instead, tied to the connection's for as long as it matters: until the answer's
 * headers for a JSON answer, for the life of the stream for an event stream.
 */
export const fetchWithOwnSignal: FetchLike = async (url, init) => {
  const parent = init?.signal;
  if (!parent) return fetch(url, init);
  const own = new AbortController();
  const abort = () => own.abort(parent.reason);
  if (parent.aborted) abort();
  else parent.addEventListener('abort', abort, { once: true });
  try {
    const response = await fetch(url, { ...init, signal: own.signal });
    if (!response.headers.get('content-type')?.includes('text/event-stream')) parent.removeEventListener('abort', abort);
    return response;
  } catch (error) {
    parent.removeEventListener('abort', abort);
    throw error;
  }
};
