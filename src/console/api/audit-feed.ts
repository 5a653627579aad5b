import type { Runtime } from '../../server/runtime.js';
import type { AuditRecord } from '../../store/records.js';

type Listener = (record: AuditRecord) => void;

const PAGE = 500;

/**
 * Every durable audit record, in order, once, for the console's live streams. Records this
 * process writes wake it at once (runtime.audit.subscribe); records other processes write (the
 * CLI on this host, other replicas on a shared store) are found by polling the store. Either
 * way the records are read back from the store after the last one sent, so the stream has no
 * gaps and no repeats even when several writers interleave.
 */
export class AuditFeed {
  private readonly listeners = new Set<Listener>();
  private lastSeq: number | undefined;
  private reading = false;
  private readAgain = false;
  private timer: NodeJS.Timeout | undefined;
  private unsubscribe: (() => void) | undefined;
  private starting: Promise<void> | undefined;
  /** Bumped on stop, so that a read still in flight from before cannot move the new position. */
  private generation = 0;

  constructor(
    private readonly runtime: Runtime,
    private readonly pollMs = 1000,
  ) {}

  /** The seq of the last record sent to listeners, once the feed has started. */
  get position(): number | undefined {
    return this.lastSeq;
  }

  async subscribe(listener: Listener): Promise<() => void> {
    // Two streams opening at once must start the feed once.
    if (this.listeners.size === 0 && !this.unsubscribe) {
      this.starting ??= this.start().finally(() => (this.starting = undefined));
    }
    await this.starting;
    this.listeners.add(listener);
    return () => {
      this.listeners.delete(listener);
      if (this.listeners.size === 0) this.stop();
    };
  }

  private async start(): Promise<void> {
    this.lastSeq ??= (await this.runtime.store.audit.head()).seq;
    this.unsubscribe = this.runtime.audit.subscribe(() => void this.read());
    this.timer = setInterval(() => void this.read(), this.pollMs);
    this.timer.unref();
  }

  private stop(): void {
    this.generation++;
    clearInterval(this.timer);
    this.unsubscribe?.();
    this.unsubscribe = undefined;
    // Forget the position: a feed restarted later begins at the head, not with a backlog.
    this.lastSeq = undefined;
  }

  private async read(): Promise<void> {
    if (this.reading) {
      this.readAgain = true;
      return;
    }
    this.reading = true;
    try {
      let full: boolean;
      do {
        this.readAgain = false;
        if (this.lastSeq === undefined) return;
        const generation = this.generation;
        const records = await this.runtime.store.audit.list({ afterSeq: this.lastSeq, limit: PAGE });
        if (generation !== this.generation) return;
        for (const record of records) {
          this.lastSeq = record.seq;
          for (const listener of this.listeners) {
            try {
              listener(record);
            } catch {
              // One broken stream must not stop the others.
            }
          }
        }
        full = records.length === PAGE;
      } while (this.readAgain || full);
    } catch (error) {
      this.runtime.log.warn({ err: (error as Error).message }, 'console audit feed could not read the store; retrying');
    } finally {
      this.reading = false;
    }
  }
}
