import cluster, { type Worker } from 'node:cluster';
import { availableParallelism } from 'node:os';
import { AggregatorRegistry, type MetricObjectWithValues, type MetricValue } from 'prom-client';
import type { AirlockConfig } from '../config/load.js';
import type { Logger } from './log.js';
import type { RunningAirlock } from './start.js';

/**
 * `workers: N` runs the doors in N processes of node:cluster. The primary forks them and does
 * little on the request path: each worker is a whole Airlock (every door, the API, the console,
 * the hold worker) on the same listeners, whose connections the primary accepts and deals out in
 * turn, and on the one store, which already serves several processes (the change epoch, leases,
 * MCP sessions taken up from the store, the chain re-linked after another writer's append). On
 * SQLite the primary also runs the one audit writer for them all (store/sqlite/shared-writer.ts).
 * Processes rather than threads: Node 20 cannot share a listening socket between threads.
 */

type Settings = AirlockConfig['workers'];

/** How many processes `workers` asks for: `auto` is one per core. */
export function workerCount(setting: Settings): number {
  return setting === 'auto' ? availableParallelism() : setting;
}

/** `--workers`: a whole number from 1 up, or `auto`; undefined when it is neither. */
export function parseWorkers(value: string): Settings | undefined {
  if (value === 'auto') return 'auto';
  return /^[1-9]\d*$/.test(value) && Number(value) <= 256 ? Number(value) : undefined;
}

/** This process's number in its group (1 to N) when it is a worker of `airlock start`. */
export const WORKER_NUMBER: number | undefined = cluster.isWorker ? Number(process.env.AIRLOCK_WORKER) || undefined : undefined;

/** What a worker tells the primary once every door listens: what the start banner prints. */
export interface WorkerStarted {
  readonly addresses: Readonly<Record<string, string>>;
  readonly store: string;
  readonly policies: number;
  readonly agents: number;
}

type MetricsPart = MetricObjectWithValues<MetricValue<string>>[];

type ToPrimary =
  | { readonly airlock: 'ready'; readonly started: WorkerStarted }
  | { readonly airlock: 'failed'; readonly message: string }
  | { readonly airlock: 'metrics'; readonly id: number }
  | { readonly airlock: 'metrics-part'; readonly id: number; readonly metrics?: MetricsPart; readonly error?: string };

type ToWorker =
  | { readonly airlock: 'reload'; readonly by: string; readonly request: boolean; readonly direct: boolean }
  | { readonly airlock: 'metrics-collect'; readonly id: number }
  | { readonly airlock: 'metrics-result'; readonly id: number; readonly text?: string; readonly error?: string };

const isMessage = (message: unknown): message is { airlock: string } =>
  typeof message === 'object' && message !== null && typeof (message as { airlock?: unknown }).airlock === 'string';

/** How long a scrape waits for every worker's series. */
const METRICS_TIMEOUT_MS = 3_000;
/** On SIGTERM each worker has its own grace (10 s); one that is still up after this is killed. */
const STOP_DEADLINE_MS = 30_000;
/** A worker that lived this long before it died is replaced at once; one that died sooner, after a growing pause. */
const STEADY_MS = 30_000;
const BACKOFF_FIRST_MS = 500;
const BACKOFF_MAX_MS = 30_000;

function send(message: ToPrimary, then?: () => void): void {
  if (process.connected && process.send) process.send(message, undefined, undefined, () => then?.());
  else then?.();
}

/** In a worker: tells the primary it could not start, then exits (the primary reports it, once). */
export function reportStartFailure(message: string): void {
  send({ airlock: 'failed', message }, () => process.exit(1));
}

/**
 * In a worker, once Airlock runs: answers the primary's reload and metrics requests, makes this
 * worker's /metrics the whole group's, and tells the primary it is ready.
 */
export function serveAsWorker(airlock: RunningAirlock, started: WorkerStarted): void {
  const { runtime } = airlock;
  let nextId = 0;
  const waiting = new Map<number, { resolve(text: string): void; reject(error: Error): void }>();
  runtime.metrics.renderWith(
    () =>
      new Promise<string>((resolve, reject) => {
        const id = nextId++;
        const timer = setTimeout(() => {
          waiting.delete(id);
          reject(new Error('the metrics of every worker could not be gathered in time'));
        }, METRICS_TIMEOUT_MS + 1_000);
        waiting.set(id, {
          resolve(text) {
            clearTimeout(timer);
            resolve(text);
          },
          reject(error) {
            clearTimeout(timer);
            reject(error);
          },
        });
        if (!process.connected) waiting.get(id)!.reject(new Error('this worker has lost its primary'));
        else send({ airlock: 'metrics', id });
      }),
  );
  process.on('message', (message: unknown) => {
    if (!isMessage(message)) return;
    const m = message as ToWorker;
    if (m.airlock === 'metrics-collect') {
      runtime.metrics.registry.getMetricsAsJSON().then(
        (metrics) => send({ airlock: 'metrics-part', id: m.id, metrics: metrics as MetricsPart }),
        (error: Error) => send({ airlock: 'metrics-part', id: m.id, error: error.message }),
      );
    } else if (m.airlock === 'metrics-result') {
      const pending = waiting.get(m.id);
      waiting.delete(m.id);
      if (m.text !== undefined) pending?.resolve(m.text);
      else pending?.reject(new Error(m.error ?? 'no metrics'));
    } else if (m.airlock === 'reload') {
      const asked = m.request ? runtime.store.control.requestReload({ by: m.by, at: new Date().toISOString() }) : Promise.resolve();
      asked
        .then(() => (m.direct ? runtime.reloadConfig() : undefined))
        .catch((error: Error) => runtime.log.error({ err: error.message }, 'config reload failed; the previous config stays in force'));
    }
  });
  send({ airlock: 'ready', started });
}

interface Slot {
  readonly number: number;
  worker?: Worker;
  ready: boolean;
  startedAt: number;
  failures: number;
  timer?: NodeJS.Timeout;
}

export interface WorkerGroupOptions {
  readonly count: number;
  readonly log: Logger;
  /**
   * Whether a reload asked through the store reaches every process (PostgreSQL's change feed):
   * then one worker asks and each reloads when it hears it; on SQLite each is told directly.
   */
  readonly storePushesChanges: boolean;
  /** Added to each worker's environment. */
  readonly env?: Readonly<Record<string, string>>;
  /** Called with each worker as it is forked (before it sends anything). */
  readonly onFork?: (worker: Worker) => void;
}

/** The primary's side: forks the workers, replaces one that dies, stops and reloads them all. */
export class WorkerGroup {
  private readonly slots: Slot[];
  private readonly log: Logger;
  private stopping: Promise<number> | undefined;
  private startup: { resolve(started: WorkerStarted): void; reject(error: Error): void; first?: WorkerStarted; failure?: string; failed: boolean } | undefined;
  private nextCollect = 0;
  private readonly collecting = new Map<number, { parts: MetricsPart[]; waitingFor: Set<number>; done(error?: string): void }>();
  private exitCodes: number[] = [];
  private onAllExited: (() => void) | undefined;

  constructor(private readonly options: WorkerGroupOptions) {
    this.log = options.log;
    this.slots = Array.from({ length: options.count }, (_, i) => ({ number: i + 1, ready: false, startedAt: 0, failures: 0 }));
  }

  /** The process ids of the workers running now. */
  get pids(): number[] {
    return this.slots.flatMap((slot) => (slot.worker?.process.pid ? [slot.worker.process.pid] : []));
  }

  /**
   * Forks every worker and resolves, with what the first one reports, once all listen. If any
   * cannot start, stops the others and rejects with its reason: never half a group.
   */
  start(): Promise<WorkerStarted> {
    // Audit records cross to the primary's writer on this channel: the structured clone costs
    // less than JSON text for them.
    cluster.setupPrimary({ serialization: 'advanced' });
    return new Promise<WorkerStarted>((resolve, reject) => {
      this.startup = { resolve, reject, failed: false };
      for (const slot of this.slots) this.fork(slot);
    });
  }

  private fork(slot: Slot): void {
    slot.timer = undefined;
    slot.ready = false;
    slot.startedAt = Date.now();
    const worker = cluster.fork({ ...this.options.env, AIRLOCK_WORKER: String(slot.number) });
    slot.worker = worker;
    this.options.onFork?.(worker);
    worker.on('message', (message: unknown) => {
      if (isMessage(message)) this.heard(slot, worker, message as ToPrimary);
    });
    worker.once('exit', (code, signal) => this.exited(slot, worker, code, signal));
  }

  private heard(slot: Slot, worker: Worker, message: ToPrimary): void {
    if (message.airlock === 'ready') {
      slot.ready = true;
      const startup = this.startup;
      if (startup) {
        startup.first ??= message.started;
        if (!startup.failed && this.slots.every((s) => s.ready)) {
          this.startup = undefined;
          startup.resolve(startup.first);
        }
      } else {
        this.log.info({ worker: slot.number, workerPid: worker.process.pid }, 'worker started');
      }
    } else if (message.airlock === 'failed') {
      if (this.startup) this.failStartup(message.message);
      else this.log.error({ worker: slot.number, err: message.message }, 'a replacement worker could not start');
    } else if (message.airlock === 'metrics') {
      this.gatherMetrics((text, error) => {
        if (worker.isConnected()) worker.send({ airlock: 'metrics-result', id: message.id, ...(text !== undefined ? { text } : { error }) } satisfies ToWorker);
      });
    } else if (message.airlock === 'metrics-part') {
      const gathering = this.collecting.get(message.id);
      if (!gathering?.waitingFor.has(slot.number)) return;
      if (message.error !== undefined) {
        gathering.done(message.error);
        return;
      }
      gathering.waitingFor.delete(slot.number);
      gathering.parts.push(message.metrics ?? []);
      if (gathering.waitingFor.size === 0) gathering.done();
    }
  }

  private failStartup(reason: string): void {
    const startup = this.startup;
    if (!startup || startup.failed) return;
    startup.failed = true;
    startup.failure = reason;
    for (const slot of this.slots) if (slot.worker && !slot.worker.isDead()) slot.worker.process.kill('SIGTERM');
    this.whenAllExited(() => {
      this.startup = undefined;
      startup.reject(new Error(reason));
    });
  }

  private exited(slot: Slot, worker: Worker, code: number | null, signal: string | null): void {
    if (slot.worker === worker) slot.worker = undefined;
    slot.ready = false;
    for (const gathering of this.collecting.values()) if (gathering.waitingFor.delete(slot.number) && gathering.waitingFor.size === 0) gathering.done();
    if (this.stopping) {
      this.exitCodes.push(code === 0 || signal === 'SIGTERM' ? 0 : (code ?? 1));
    } else if (this.startup) {
      this.failStartup(`worker ${slot.number} exited ${signal ? `on ${signal}` : `with code ${code}`} before it was ready`);
    } else {
      const lived = Date.now() - slot.startedAt;
      slot.failures = lived >= STEADY_MS ? 0 : slot.failures + 1;
      const pause = slot.failures === 0 ? 0 : Math.min(BACKOFF_FIRST_MS * 2 ** (slot.failures - 1), BACKOFF_MAX_MS);
      this.log.error(
        { worker: slot.number, workerPid: worker.process.pid, code, signal, restartInMs: pause },
        'a worker exited unexpectedly: its requests in flight were cut; starting another',
      );
      slot.timer = setTimeout(() => this.fork(slot), pause);
    }
    if (this.slots.every((s) => !s.worker)) this.onAllExited?.();
  }

  private whenAllExited(then: () => void): void {
    if (this.slots.every((s) => !s.worker)) {
      then();
      return;
    }
    this.onAllExited = () => {
      this.onAllExited = undefined;
      then();
    };
  }

  /** Each worker finishes its requests in flight and exits; resolves with 0 when every one exited cleanly. */
  stop(): Promise<number> {
    this.stopping ??= new Promise<number>((resolve) => {
      for (const slot of this.slots) clearTimeout(slot.timer);
      const deadline = setTimeout(() => {
        for (const slot of this.slots) slot.worker?.process.kill('SIGKILL');
      }, STOP_DEADLINE_MS);
      deadline.unref();
      for (const slot of this.slots) slot.worker?.process.kill('SIGTERM');
      this.whenAllExited(() => {
        clearTimeout(deadline);
        resolve(this.exitCodes.every((code) => code === 0) ? 0 : 1);
      });
    });
    return this.stopping;
  }

  /** Re-reads the config and policy files in every worker, once each (and, on a shared store, on every replica). */
  reload(by: string): void {
    const ready = this.slots.filter((slot) => slot.ready && slot.worker?.isConnected());
    if (ready.length === 0) {
      this.log.warn('no worker is running to reload its config');
      return;
    }
    const pushed = this.options.storePushesChanges;
    ready.forEach((slot, i) => {
      if (pushed && i > 0) return;
      slot.worker!.send({ airlock: 'reload', by, request: i === 0, direct: !pushed } satisfies ToWorker);
    });
  }

  private gatherMetrics(answer: (text: string | undefined, error?: string) => void): void {
    const ready = this.slots.filter((slot) => slot.ready && slot.worker?.isConnected());
    const id = this.nextCollect++;
    let finished = false;
    const gathering = {
      parts: [] as MetricsPart[],
      waitingFor: new Set(ready.map((slot) => slot.number)),
      done: (error?: string) => {
        if (finished) return;
        finished = true;
        clearTimeout(timer);
        this.collecting.delete(id);
        if (error !== undefined) {
          answer(undefined, error);
          return;
        }
        AggregatorRegistry.aggregate(gathering.parts)
          .metrics()
          .then(
            (text) => answer(text),
            (failure: Error) => answer(undefined, failure.message),
          );
      },
    };
    const timer = setTimeout(() => gathering.done('a worker did not report its metrics in time'), METRICS_TIMEOUT_MS);
    this.collecting.set(id, gathering);
    for (const slot of ready) slot.worker!.send({ airlock: 'metrics-collect', id } satisfies ToWorker);
    if (ready.length === 0) gathering.done('no worker is running');
  }
}
