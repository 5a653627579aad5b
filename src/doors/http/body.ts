import type { IncomingMessage } from 'node:http';
import { brotliDecompressSync, gunzipSync, inflateRawSync, inflateSync } from 'node:zlib';

export type BodyRead = { readonly ok: true; readonly body: Buffer } | { readonly ok: false; readonly status: 400 | 413 | 415; readonly error: string };

/**
 * Reads a request body up to `limit` bytes. A body announced or found to be larger is refused
 * without reading the rest; the caller closes the connection, since the client may still be
 * sending. Rejects when the request fails or ends early (the client went away).
 *
 * Plain 'data' and 'end' listeners rather than an async iterator: the iterator costs a promise
 * per chunk and an end-of-stream watcher per request, a measurable share of a small request.
 */
export function readBody(request: IncomingMessage, limit: number): Promise<BodyRead> {
  const announced = request.headers['content-length'];
  if (announced !== undefined && Number(announced) > limit) return Promise.resolve(tooLarge(limit));
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    let size = 0;
    const stop = () => {
      request.off('data', onData);
      request.off('end', onEnd);
      request.off('error', onError);
      request.off('close', onClose);
    };
    const onData = (chunk: Buffer) => {
      size += chunk.length;
      if (size > limit) {
        // Stop reading at the limit without destroying the socket, so the refusal can still be sent.
        stop();
        request.pause();
        resolve(tooLarge(limit));
        return;
      }
      chunks.push(chunk);
    };
    const onEnd = () => {
      stop();
      resolve({ ok: true, body: chunks.length === 1 ? chunks[0]! : Buffer.concat(chunks, size) });
    };
    const onError = (error: Error) => {
      stop();
      reject(error);
    };
    const onClose = () => {
      stop();
      reject(Object.assign(new Error('the request ended before its body did'), { code: 'ERR_STREAM_PREMATURE_CLOSE' }));
    };
    request.on('data', onData);
    request.on('end', onEnd);
    request.on('error', onError);
    request.on('close', onClose);
  });
}

function tooLarge(limit: number): BodyRead {
  return { ok: false, status: 413, error: `the request body is larger than ${limit} bytes, the most Airlock reads` };
}

/**
 * Undoes Content-Encoding, so the body can be judged and then forwarded exactly as judged (the
 * upstream receives it decoded). The decoded size is held to the same limit: a small gzip
 * bomb is refused, not inflated.
 */
export function decodeBody(body: Buffer, contentEncoding: string | undefined, limit: number): BodyRead {
  if (!contentEncoding) return { ok: true, body };
  const codings = contentEncoding
    .split(',')
    .map((coding) => coding.trim().toLowerCase())
    .filter((coding) => coding !== '' && coding !== 'identity');
  if (codings.length > 2) return { ok: false, status: 415, error: 'the request body is encoded more than twice' };
  let decoded = body;
  for (const coding of codings.reverse()) {
    const options = { maxOutputLength: limit };
    try {
      switch (coding) {
        case 'gzip':
        case 'x-gzip':
          decoded = gunzipSync(decoded, options);
          break;
        case 'deflate':
          // RFC 9110 says zlib-wrapped; some clients send raw deflate.
          try {
            decoded = inflateSync(decoded, options);
          } catch (error) {
            if (error instanceof RangeError) throw error;
            decoded = inflateRawSync(decoded, options);
          }
          break;
        case 'br':
          decoded = brotliDecompressSync(decoded, options);
          break;
        default:
          return { ok: false, status: 415, error: `the request body is encoded with ${coding}; Airlock reads gzip, deflate and br` };
      }
    } catch (error) {
      if (error instanceof RangeError) return { ok: false, status: 413, error: `the request body decodes to more than ${limit} bytes, the most Airlock reads` };
      return { ok: false, status: 400, error: `the request body is not valid ${coding}` };
    }
  }
  return { ok: true, body: decoded };
}
