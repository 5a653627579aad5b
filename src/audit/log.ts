import type { AuditEntry, AuditRecord, TimedAuditEntry } from '../store/records.js';
import type { AuditRepository } from '../store/store.js';

interface Pending {
  readonly entry: TimedAuditEntry;
  readonly sync: boolean;
  readonly resolve: (record: AuditRecord) => void;
  readonly reject: (error: Error) => void;
}

type Listener = (record: AuditRecord) => void;

/**
 * The audit log as the rest of Airlock sees it: `append` resolves once the record is durable.
 * Group commit: one batch is being written at a time, and everything that arrives meanwhile
 * goes into the next one, so the cost of a sync to disk is shared by however many requests
 * are waiting for it — batches grow with load, and an idle log writes each record at once.
 */
export class AuditLog {
  private queue: Pending[] = [];
  private writing = false;
  private readonly listeners = new Set<Listener>();

  constructor(
    private readonly repository: AuditRepository,
    private readonly clock: () => Date = () => new Date(),
  ) {}

  /**
   * Resolves once the record is committed. With `sync` (the default) the commit is also synced
   * to disk first; without, the record reaches the disk with the next synced commit.
   */
  append(entry: AuditEntry, options: { sync?: boolean } = {}): Promise<AuditRecord> {
    return new Promise((resolve, reject) => {
      this.queue.push({ entry: { ...entry, at: this.clock().toISOString() }, sync: options.sync ?? true, resolve, reject });
      if (!this.writing) this.flush();
    });
  }

  /** Called with every record once it is durable: the live stream, baselines, notifications. */
  subscribe(listener: Listener): () => void {
    this.listeners.add(listener);
    return () => this.listeners.delete(listener);
  }

  /** Resolves when everything appended so far is on disk. */
  async drain(): Promise<void> {
    while (this.writing || this.queue.length > 0) await new Promise((resolve) => setImmediate(resolve));
  }

  private flush(): void {
    const batch = this.queue;
    this.queue = [];
    this.writing = true;
    const sync = batch.some((pending) => pending.sync);
    this.repository.appendBatch(batch.map((p) => p.entry), { sync }).then(
      (records) => {
        batch.forEach((pending, i) => pending.resolve(records[i]!));
        for (const record of records) for (const listener of this.listeners) safely(listener, record);
      },
      (error: Error) => batch.forEach((pending) => pending.reject(error)),
    ).finally(() => {
      this.writing = false;
      if (this.queue.length > 0) this.flush();
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
