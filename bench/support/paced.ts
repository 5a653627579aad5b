/**
 * An open-loop load at a fixed rate: request i is due at start + i / rate, whatever became of
 * the ones before it, and its latency is counted from when it was due, not from when a free
 * connection sent it (wrk2's way, which does not hide a stall behind the requests it delayed).
 *
 * autocannon's `overallRate` is not that: each connection sends its quota for the second as fast
 * as it can when the second begins, then idles, and its correction for coordinated omission
 * assumes a 1 ms interval — so a "500 requests/s" run there is a burst of 500 at full speed each
 * second, and one 30 ms pause is counted as thirty samples.
 */
import { Pool } from 'undici';
import { percentile } from '../stats.js';

export interface PacedRequest {
  readonly url: string;
  readonly method: string;
  readonly headers: Record<string, string>;
  readonly body: string;
}

export interface PacedResult {
  /** Requests answered per second over the run. */
  readonly rps: number;
  readonly p50: number;
  readonly p99: number;
  readonly p999: number;
  readonly max: number;
  /** Requests that failed, timed out or were not answered with 2xx. */
  readonly failures: number;
  readonly total: number;
}

export async function paced(request: PacedRequest, options: { rate: number; seconds: number; connections: number }): Promise<PacedResult> {
  const url = new URL(request.url);
  const pool = new Pool(url.origin, { connections: options.connections, pipelining: 1 });
  const total = Math.round(options.rate * options.seconds);
  const interval = 1000 / options.rate;
  const latencies = new Float64Array(total);
  let answered = 0;
  let failures = 0;
  const start = performance.now();
  const last = new Promise<void>((resolve) => {
    let sent = 0;
    const finish = () => {
      if (++answered === total) resolve();
    };
    const send = (due: number, index: number) => {
      pool
        .request({ method: request.method as 'POST', path: url.pathname + url.search, headers: request.headers, body: request.body })
        .then(async (response) => {
          await response.body.dump();
          if (response.statusCode < 200 || response.statusCode >= 300) failures++;
        })
        .catch(() => failures++)
        .finally(() => {
          latencies[index] = performance.now() - due;
          finish();
        });
    };
    const tick = () => {
      const now = performance.now();
      // Every request whose time has come goes now: a late timer sends them together, and each
      // is still timed from when it was due.
      while (sent < total && start + sent * interval <= now) {
        send(start + sent * interval, sent);
        sent++;
      }
      if (sent < total) setTimeout(tick, Math.max(0, start + sent * interval - performance.now()));
    };
    tick();
  });
  await last;
  const elapsed = (performance.now() - start) / 1000;
  await pool.close();
  const sorted = latencies.sort();
  return {
    rps: total / elapsed,
    p50: percentile(sorted, 50),
    p99: percentile(sorted, 99),
    p999: percentile(sorted, 99.9),
    max: sorted[sorted.length - 1]!,
    failures,
    total,
  };
}
