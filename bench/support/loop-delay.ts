/**
 * The event-loop delay of the process under test: how long its main thread was kept from
 * serving, as p99 and max over a measurement. A stall there delays every request in flight.
 */
import type { ChildProcess } from 'node:child_process';
import { monitorEventLoopDelay } from 'node:perf_hooks';
import { pathToFileURL } from 'node:url';

export interface LoopDelay {
  readonly p50: number;
  readonly p99: number;
  readonly max: number;
}

/** Environment that loads the monitor into a spawned Node process (see loop-delay-preload.mjs). */
export function loopDelayEnv(): NodeJS.ProcessEnv {
  const preload = pathToFileURL(new URL('./loop-delay-preload.mjs', import.meta.url).pathname).href;
  return { NODE_OPTIONS: `${process.env.NODE_OPTIONS ?? ''} --import=${preload}`.trim() };
}

/** What the child saw since the last call (the first call only starts the count). */
export function readLoopDelay(child: ChildProcess): Promise<LoopDelay> {
  return new Promise((resolve) => {
    let text = '';
    const onData = (chunk: Buffer) => {
      text += chunk.toString();
      const match = /loop-delay (\{.*\})\n/.exec(text);
      if (!match) return;
      child.stderr!.off('data', onData);
      resolve(JSON.parse(match[1]!) as LoopDelay);
    };
    child.stderr!.on('data', onData);
    child.kill('SIGUSR2');
  });
}

/**
 * The same for each worker of an `airlock start --workers N` group (they write on the primary's
 * stderr): the worst p99 and max among them.
 */
export function readGroupLoopDelay(primary: ChildProcess, workers: readonly number[]): Promise<LoopDelay> {
  return new Promise((resolve) => {
    let text = '';
    const onData = (chunk: Buffer) => {
      text += chunk.toString();
      const seen = [...text.matchAll(/loop-delay (\{.*\})\n/g)].map((match) => JSON.parse(match[1]!) as LoopDelay);
      if (seen.length < workers.length) return;
      primary.stderr!.off('data', onData);
      resolve({ p50: Math.max(...seen.map((s) => s.p50)), p99: Math.max(...seen.map((s) => s.p99)), max: Math.max(...seen.map((s) => s.max)) });
    };
    primary.stderr!.on('data', onData);
    for (const pid of workers) process.kill(pid, 'SIGUSR2');
  });
}

/** The pids of the workers `airlock start` printed, from its banner (none for a single process). */
export function workerPids(output: string): number[] {
  const listed = /^ {2}workers +\d+ processes \(([\d, ]+)\)/m.exec(output)?.[1];
  return listed ? listed.split(', ').map(Number) : [];
}

/** The same for this process: start before a measurement, read after it. */
export function monitorOwnLoop(): { read(): LoopDelay } {
  const histogram = monitorEventLoopDelay({ resolution: 1 });
  histogram.enable();
  return {
    read() {
      const ms = (ns: number) => Math.round(ns / 1e4) / 100;
      const result = { p50: ms(histogram.percentile(50)), p99: ms(histogram.percentile(99)), max: ms(histogram.max) };
      histogram.disable();
      return result;
    },
  };
}
