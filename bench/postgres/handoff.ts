/**
 * What a read's wait for its audit record costs at 1 in flight, taken apart: a bare round trip
 * to a worker thread by each way of waking it, and the real append (hand-off, SQLite commit
 * without a sync, answer) through the store the server uses.
 *
 *   npx tsx bench/postgres/handoff.ts [--count 20000] [--rounds 3]
 *
 * Ways of waking measured: `postMessage` both ways, answered in the message handler; the same,
 * answered from setImmediate (as the audit writer schedules its batch); and a shared-memory
 * slot the worker blocks on with Atomics.wait, the main thread waiting with Atomics.waitAsync.
 * Each round trip carries ~600 bytes of text, about one encoded record.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import { Worker } from 'node:worker_threads';
import { openSqliteStore } from '../../src/store/sqlite/index.js';
import { machine, median, printTable, summarize } from '../stats.js';
import { machineLoad } from '../support/load.js';

const { values: args } = parseArgs({ options: { count: { type: 'string', default: '20000' }, rounds: { type: 'string', default: '3' } } });
const COUNT = Number(args.count);
const ROUNDS = Number(args.rounds);
const RECORD = 'x'.repeat(600);

const ECHO = `
const { parentPort, workerData } = require('node:worker_threads');
if (workerData.mode === 'message') parentPort.on('message', (m) => parentPort.postMessage(m.id));
if (workerData.mode === 'immediate') parentPort.on('message', (m) => setImmediate(() => parentPort.postMessage(m.id)));
if (workerData.mode === 'atomics') {
  const slot = new Int32Array(workerData.shared);
  let seen = 0;
  for (;;) {
    Atomics.wait(slot, 0, seen);
    seen = Atomics.load(slot, 0);
    if (seen < 0) break;
    Atomics.store(slot, 1, seen);
    Atomics.notify(slot, 1);
  }
}
`;

interface Trip {
  readonly p50: number;
  readonly p99: number;
  /** This process's CPU (both threads) per round trip. */
  readonly cpuUs: number;
}

async function measure(trip: () => Promise<unknown>): Promise<Trip> {
  for (let i = 0; i < 500; i++) await trip();
  const samples: number[] = [];
  const cpu = process.cpuUsage();
  for (let i = 0; i < COUNT; i++) {
    const started = performance.now();
    await trip();
    samples.push((performance.now() - started) * 1000);
  }
  const used = process.cpuUsage(cpu);
  const { p50, p99 } = summarize(samples);
  return { p50, p99, cpuUs: (used.user + used.system) / COUNT };
}

function messageTrip(mode: 'message' | 'immediate'): { trip: () => Promise<unknown>; close(): Promise<number> } {
  const worker = new Worker(ECHO, { eval: true, workerData: { mode } });
  let waiting: (() => void) | undefined;
  worker.on('message', () => waiting?.());
  let id = 0;
  return {
    trip: () =>
      new Promise<void>((resolve) => {
        waiting = resolve;
        worker.postMessage({ id: id++, record: RECORD });
      }),
    close: () => worker.terminate(),
  };
}

function atomicsTrip(): { trip: () => Promise<unknown>; close(): Promise<number> } {
  const shared = new SharedArrayBuffer(8);
  const slot = new Int32Array(shared);
  const worker = new Worker(ECHO, { eval: true, workerData: { mode: 'atomics', shared } });
  let id = 0;
  return {
    trip: async () => {
      id++;
      Atomics.store(slot, 0, id);
      Atomics.notify(slot, 0);
      while (Atomics.load(slot, 1) !== id) await Atomics.waitAsync(slot, 1, id - 1).value;
    },
    close: () => {
      Atomics.store(slot, 0, -1);
      Atomics.notify(slot, 0);
      return worker.terminate();
    },
  };
}

async function main(): Promise<void> {
  console.log(`audit hand-off at 1 in flight, ${COUNT} round trips × ${ROUNDS} rounds, on ${machine()}; ${machineLoad()}`);
  const dir = mkdtempSync(join(tmpdir(), 'airlock-handoff-'));
  const store = openSqliteStore({ path: join(dir, 'airlock.db'), writerThread: true });
  let seq = 0;
  const ways: Record<string, () => { trip: () => Promise<unknown>; close(): Promise<unknown> }> = {
    'postMessage, answered at once': () => messageTrip('message'),
    'postMessage, answered from setImmediate': () => messageTrip('immediate'),
    'Atomics.wait / waitAsync': () => atomicsTrip(),
    'audit append, no sync (store)': () => ({
      trip: () =>
        store.audit.appendBatch(
          [
            {
              at: new Date().toISOString(),
              type: 'decision',
              agent: 'bench',
              door: 'postgres',
              action: 'sql:SelectStmt',
              verdict: 'allow',
              summary: `${RECORD}${seq++}`,
            },
          ],
          { sync: false },
        ),
      close: async () => undefined,
    }),
  };
  const results = new Map<string, Trip[]>();
  try {
    for (let round = 1; round <= ROUNDS; round++) {
      for (const [name, open] of Object.entries(ways)) {
        const way = open();
        const trip = await measure(way.trip);
        await way.close();
        results.set(name, [...(results.get(name) ?? []), trip]);
        console.log(`  round ${round}  ${name.padEnd(42)} p50 ${trip.p50.toFixed(1)} µs  p99 ${trip.p99.toFixed(1)} µs  CPU ${trip.cpuUs.toFixed(1)} µs`);
      }
    }
    printTable(
      `round trip main → thread → main, 1 in flight (median of ${ROUNDS} rounds)`,
      [...results].map(([name, trips]) => ({
        way: name,
        'p50 µs': median(trips.map((t) => t.p50)),
        'p99 µs': median(trips.map((t) => t.p99)),
        'CPU µs (both threads)': median(trips.map((t) => t.cpuUs)),
      })),
    );
    console.log(`\n${machineLoad()}`);
  } finally {
    await store.close();
    rmSync(dir, { recursive: true, force: true });
  }
}

await main();
