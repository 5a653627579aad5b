import type { AuditEntry, AuditRecord, TimedAuditEntry } from '../store/records.js';
import type { AuditRepository } from '../store/store.js';

interface Pending {
  readonly entry: TimedAuditEntry;
  readonly releaseClaims: readonly string[] | undefined;
  readonly resolve: (record: AuditRecord) => void;
  readonly reject: (error: Error) => void;
}

type Listener = (record: AuditRecord) => void;

/** Batches of one lane with the writer at once: one being committed, one queued behind it. */
const MAX_IN_FLIGHT = 2;

/** The appends of one durability: reads (committed) and writes (synced) never wait in each other's batches. */
class Lane {
  queue: Pending[] = [];
  inFlight = 0;
  committing = 0;
  scheduled = false;
}

/**
 * The audit log as the rest of Airlock sees it: `append` resolves once the record is durable.
 * Group commit: everything appended in one turn of the event loop is one batch, and at most two
 * batches are with the writer at a time — one being committed, the next ready behind it — so
 * the cost of a sync to disk is shared by every request waiting for it, batches grow with load,
 * and the doors keep deciding while the writer commits. Appends that need a sync and appends
 * that do not go in separate batches, each kind with its own two: a read never waits for a
 * write's disk sync.
 */
export class AuditLog {
  private readonly lanes = { synced: new Lane(), committed: new Lane() };
  private readonly listeners = new Set<Listener>();
  private readonly syncedListeners = new Set<Listener>();

  constructor(
    private readonly repository: AuditRepository,
    private readonly clock: () => Date = () => new Date(),
  ) {}

  /**
   * Resolves once the record is committed. With `sync` (the default) the commit is also synced
   * to disk first; without, the record reaches the disk with the next synced commit. A record
   * caused by a request names it in `requestId`, which its caller passes (core/request-id.ts).
   * `releaseClaims`: the budget claims this record takes over, removed as it is committed.
   */
  append(entry: AuditEntry, options: { sync?: boolean; releaseClaims?: readonly string[] } = {}): Promise<AuditRecord> {
    const sync = options.sync ?? true;
    const lane = sync ? this.lanes.synced : this.lanes.committed;
    return new Promise((resolve, reject) => {
      lane.queue.push({ entry: { ...entry, at: this.clock().toISOString() }, releaseClaims: options.releaseClaims, resolve, reject });
      this.schedule(lane);
    });
  }

  /** Records appended and not yet committed (queued, or with the writer): what /metrics reports. */
  get depth(): number {
    const { synced, committed } = this.lanes;
    return synced.queue.length + synced.committing + committed.queue.length + committed.committing;
  }

  /** Called with every record once it is durable: the live stream, baselines, notifications. */
  subscribe(listener: Listener): () => void {
    this.listeners.add(listener);
    return () => this.listeners.delete(listener);
  }

  /** Called with the last record of each batch committed with a disk sync: a head that survives a crash of the store. */
  onSyncedHead(listener: Listener): () => void {
    this.syncedListeners.add(listener);
    return () => this.syncedListeners.delete(listener);
  }

  /** Resolves when everything appended so far is on disk. */
  async drain(): Promise<void> {
    const busy = (lane: Lane) => lane.inFlight > 0 || lane.queue.length > 0;
    while (busy(this.lanes.synced) || busy(this.lanes.committed)) await new Promise((resolve) => setImmediate(resolve));
  }

  private schedule(lane: Lane): void {
    if (lane.scheduled || lane.inFlight >= MAX_IN_FLIGHT || lane.queue.length === 0) return;
    lane.scheduled = true;
    setImmediate(() => {
      lane.scheduled = false;
      this.flush(lane);
    });
  }

  private flush(lane: Lane): void {
    if (lane.inFlight >= MAX_IN_FLIGHT || lane.queue.length === 0) return;
    const batch = lane.queue;
    lane.queue = [];
    lane.inFlight++;
    lane.committing += batch.length;
    const sync = lane === this.lanes.synced;
    const releaseClaims = batch.flatMap((p) => p.releaseClaims ?? []);
    this.repository
      .appendBatch(
        batch.map((p) => p.entry),
        releaseClaims.length > 0 ? { sync, releaseClaims } : { sync },
      )
      .then(
        (records) => {
          batch.forEach((pending, i) => {
            pending.resolve(records[i]!);
          });
          for (const record of records) for (const listener of this.listeners) safely(listener, record);
          const last = records[records.length - 1];
          if (sync && last) for (const listener of this.syncedListeners) safely(listener, last);
        },
        (error: Error) => {
          for (const pending of batch) pending.reject(error);
        },
      )
      .finally(() => {
        lane.inFlight--;
        lane.committing -= batch.length;
        this.schedule(lane);
      });
  }
}

function safely(listener: Listener, record: AuditRecord): void {
  try {
    listener(record);
  } catch {
    // A broken subscriber must not break the log or the other subscribers.
  }
}
