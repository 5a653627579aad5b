import type { AuditEntry, AuditRecord, TimedAuditEntry } from '../store/records.js';
import type { AuditRepository } from '../store/store.js';
import { currentRequestId } from '../core/request-id.js';

interface Pending {
  readonly entry: TimedAuditEntry;
  readonly sync: boolean;
  readonly resolve: (record: AuditRecord) => void;
  readonly reject: (error: Error) => void;
}

type Listener = (record: AuditRecord) => void;

/** Batches with the writer at once: one committing, one queued behind it. */
const MAX_IN_FLIGHT = 2;

/**
 * The audit log as the rest of Airlock sees it: `append` resolves once the record is durable.
 * Group commit: everything appended in one turn of the event loop is one batch, and at most two
 * batches are with the writer at a time — one being committed, the next ready behind it — so
 * the cost of a sync to disk is shared by every request waiting for it, batches grow with load,
 * and the doors keep deciding while the writer commits.
 */
export class AuditLog {
  private queue: Pending[] = [];
  private inFlight = 0;
  private committing = 0;
  private scheduled = false;
  private readonly listeners = new Set<Listener>();
  private readonly syncedListeners = new Set<Listener>();

  constructor(
    private readonly repository: AuditRepository,
    private readonly clock: () => Date = () => new Date(),
  ) {}

  /**
   * Resolves once the record is committed. With `sync` (the default) the commit is also synced
   * to disk first; without, the record reaches the disk with the next synced commit.
   */
  append(entry: AuditEntry, options: { sync?: boolean } = {}): Promise<AuditRecord> {
    // Read here, in the caller's context: the batch is written later, outside it.
    const requestId = entry.requestId ?? currentRequestId();
    return new Promise((resolve, reject) => {
      this.queue.push({
        entry: { ...entry, ...(requestId ? { requestId } : {}), at: this.clock().toISOString() },
        sync: options.sync ?? true,
        resolve,
        reject,
      });
      this.schedule();
    });
  }

  /** Records appended and not yet committed (queued, or with the writer): what /metrics reports. */
  get depth(): number {
    return this.queue.length + this.committing;
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
    while (this.inFlight > 0 || this.queue.length > 0) await new Promise((resolve) => setImmediate(resolve));
  }

  private schedule(): void {
    if (this.scheduled || this.inFlight >= MAX_IN_FLIGHT || this.queue.length === 0) return;
    this.scheduled = true;
    setImmediate(() => {
      this.scheduled = false;
      this.flush();
    });
  }

  private flush(): void {
    if (this.inFlight >= MAX_IN_FLIGHT || this.queue.length === 0) return;
    const batch = this.queue;
    this.queue = [];
    this.inFlight++;
    this.committing += batch.length;
    const sync = batch.some((pending) => pending.sync);
    this.repository
      .appendBatch(
        batch.map((p) => p.entry),
        { sync },
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
        this.inFlight--;
        this.committing -= batch.length;
        this.schedule();
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
