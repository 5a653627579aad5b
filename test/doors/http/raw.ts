import { request } from 'node:http';

export interface RawResponse {
  readonly status: number;
  readonly headers: Record<string, string | string[] | undefined>;
  readonly body: string;
}

/**
 * Sends exactly these bytes of method, path and headers with node:http (fetch would normalise
 * the path and headers an evasion depends on).
 */
export function rawRequest(
  base: string,
  options: { method?: string; path: string; headers?: Record<string, string | string[]>; body?: string | Buffer; chunked?: boolean },
): Promise<RawResponse> {
  const url = new URL(base);
  return new Promise((resolve, reject) => {
    const req = request(
      {
        host: url.hostname,
        port: url.port,
        method: options.method ?? 'POST',
        path: options.path,
        headers: {
          ...(options.body !== undefined && !options.chunked ? { 'content-length': Buffer.byteLength(options.body) } : {}),
          ...options.headers,
        },
      },
      (response) => {
        const chunks: Buffer[] = [];
        response.on('data', (chunk: Buffer) => chunks.push(chunk));
        response.on('end', () => resolve({ status: response.statusCode ?? 0, headers: response.headers, body: Buffer.concat(chunks).toString('utf8') }));
        response.on('error', reject);
      },
    );
    req.on('error', reject);
    if (options.body !== undefined) {
      if (options.chunked) {
        const text = Buffer.from(options.body);
        const half = Math.floor(text.length / 2);
        req.write(text.subarray(0, half));
        req.write(text.subarray(half));
      } else req.write(options.body);
    }
    req.end();
  });
}
