/**
 * Loaded into Airlock's process by the benchmarks (NODE_OPTIONS=--import): measures how long
 * its main thread's event loop is kept from running. On SIGUSR2 it prints what it saw since the
 * last signal on stderr, as one `loop-delay {json}` line, and starts afresh.
 */
import { monitorEventLoopDelay } from 'node:perf_hooks';
import { isMainThread } from 'node:worker_threads';

if (isMainThread) {
  const histogram = monitorEventLoopDelay({ resolution: 1 });
  histogram.enable();
  process.on('SIGUSR2', () => {
    const ms = (ns) => Math.round(ns / 1e4) / 100;
    const report = { p50: ms(histogram.percentile(50)), p99: ms(histogram.percentile(99)), max: ms(histogram.max), samples: histogram.count };
    histogram.reset();
    process.stderr.write(`loop-delay ${JSON.stringify(report)}\n`);
  });
}
