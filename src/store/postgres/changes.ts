import pg from 'pg';
import type { StoreChange } from '../store.js';
import { CHANGES_CHANNEL } from './migrations/002-changes.js';
import { connectionConfig, type PostgresConnection, type PostgresPool } from './database.js';

export type ChangeListener = (change: StoreChange | 'resync') => void;

export interface ChangeFeedOptions {
  /** How often the change epoch is read while notifications cannot be trusted (default 250 ms). */
  readonly pollMs?: number;
  /** How long to wait before listening again after the connection drops (default 500 ms, doubling to 10 s). */
  readonly reconnectMs?: number;
}

/**
 * Changes pushed between replicas: one connection LISTENs on the channel the triggers of
 * migration 002 notify. Listeners hear each change, or `resync` when changes may have been
 * missed (the connection dropped, or the epoch moved without a notification reaching us), after
 * which nothing cached can be trusted.
 *
 * The epoch is polled all the time, slowly while listening (a lost notification is then found
 * within a second) and at `pollMs` while not, so a replica whose listening connection is gone
 * still sees a stop within a fraction of a second.
 */
export class ChangeFeed {
  private readonly listeners = new Set<ChangeListener>();
  private client: pg.Client | undefined;
  private closed = false;
  private listeningNow = false;
  private epoch: number | undefined;
  private pollTimer: NodeJS.Timeout | undefined;
  private reconnectTimer: NodeJS.Timeout | undefined;
  private backoff: number;
  private readonly pollMs: number;
  private readonly reconnectMs: number;

  constructor(
    private readonly connection: PostgresConnection,
    private readonly pool: PostgresPool,
    options: ChangeFeedOptions = {},
  ) {
    this.pollMs = options.pollMs ?? 250;
    this.reconnectMs = options.reconnectMs ?? 500;
    this.backoff = this.reconnectMs;
  }

  /** Whether notifications are arriving: while not, callers must not trust what they cached. */
  get listening(): boolean {
    return this.listeningNow;
  }

  subscribe(listener: ChangeListener): () => void {
    this.listeners.add(listener);
    return () => this.listeners.delete(listener);
  }

  async start(): Promise<void> {
    await this.listen().catch(() => this.scheduleReconnect());
    this.schedulePoll();
  }

  async close(): Promise<void> {
    this.closed = true;
    clearTimeout(this.pollTimer);
    clearTimeout(this.reconnectTimer);
    const client = this.client;
    this.client = undefined;
    this.listeningNow = false;
    await client?.end().catch(() => {});
  }

  private emit(change: StoreChange | 'resync'): void {
    for (const listener of this.listeners) {
      try {
        listener(change);
      } catch {
        // One broken listener must not keep the others from hearing a stop.
      }
    }
  }

  private async listen(): Promise<void> {
    const client = new pg.Client({ ...connectionConfig(this.connection), query_timeout: undefined });
    const lost = () => {
      if (this.client !== client) return;
      this.client = undefined;
      this.listeningNow = false;
      this.emit('resync');
      client.end().catch(() => {});
      this.scheduleReconnect();
      this.schedulePoll(true);
    };
    client.on('error', lost);
    client.on('end', lost);
    client.on('notification', (message) => {
      if (message.channel !== CHANGES_CHANNEL) return;
      const payload = message.payload ?? '';
      const colon = payload.indexOf(':');
      this.emit({ table: payload.slice(0, colon), key: payload.slice(colon + 1) });
    });
    await client.connect();
    if (this.closed) {
      await client.end();
      return;
    }
    this.client = client;
    await client.query(`LISTEN ${CHANGES_CHANNEL}`);
    this.listeningNow = true;
    this.backoff = this.reconnectMs;
    // Whatever changed while nobody listened is unknown: start again from the store.
    this.emit('resync');
  }

  private scheduleReconnect(): void {
    if (this.closed || this.reconnectTimer) return;
    this.reconnectTimer = setTimeout(() => {
      this.reconnectTimer = undefined;
      this.listen().catch(() => {
        this.backoff = Math.min(this.backoff * 2, 10_000);
        this.scheduleReconnect();
      });
    }, this.backoff);
    this.reconnectTimer.unref();
  }

  private schedulePoll(now = false): void {
    if (this.closed) return;
    clearTimeout(this.pollTimer);
    const delay = now ? 0 : this.listeningNow ? Math.max(this.pollMs, 1_000) : this.pollMs;
    this.pollTimer = setTimeout(() => void this.poll(), delay);
    this.pollTimer.unref();
  }

  private async poll(): Promise<void> {
    try {
      const result = await this.pool.query<{ n: number }>('SELECT n FROM change_epoch WHERE id = 1');
      const n = result.rows[0]?.n;
      if (n !== undefined && this.epoch !== undefined && n !== this.epoch) this.emit('resync');
      this.epoch = n;
    } catch {
      // The store is unreachable: reads fail too, so nothing stale is served from it.
      this.epoch = undefined;
      this.emit('resync');
    }
    this.schedulePoll();
  }
}
