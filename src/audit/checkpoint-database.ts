import pg from 'pg';
import type { AirlockConfig } from '../config/load.js';
import { resolveSecret } from '../config/secret.js';
import { connectionConfig } from '../store/postgres/database.js';
import { checkedCheckpoint, signedCheckpoint, type Checkpoint, type CheckpointRead } from './checkpoint.js';

/**
 * The audit chain's head kept in a database no replica owns (`audit.checkpoint.postgres`): a
 * second PostgreSQL, on another server with other credentials than the store's. Every replica
 * advances one signed head there after its synced commits — never back: an older head loses to
 * the one stored — and `airlock audit verify` checks that the log still reaches it. Someone who
 * can rewrite the main database, and cut off its newest records, cannot also move this head
 * back without these credentials, nor sign one without AIRLOCK_AUDIT_KEY.
 *
 * @example
 * // airlock.yaml
 * // audit:
 * //   checkpoint:
 * //     postgres: { url: postgres://airlock_head@audit-db.internal/airlock_head, password: { env: AIRLOCK_HEAD_PASSWORD } }
 */
export class CheckpointDatabase {
  private readonly pool: pg.Pool;
  private pending: { seq: number; hash: string; at: string } | undefined;
  private writing: Promise<void> | undefined;
  private tableReady = false;

  constructor(
    readonly location: string,
    connection: { url: string; password?: string | undefined },
    private readonly key: string | undefined,
    private readonly onError: (error: Error) => void = () => undefined,
  ) {
    this.pool = new pg.Pool({ ...connectionConfig({ url: connection.url, password: connection.password }), max: 2, idleTimeoutMillis: 30_000 });
    this.pool.on('error', () => undefined);
  }

  /**
   * Offers a head committed and synced here. Writes are coalesced, one at a time, so a busy
   * replica does not queue a round trip per batch: the newest head offered meanwhile goes next.
   */
  offer(head: { seq: number; hash: string; at: string }): void {
    if (!this.pending || head.seq > this.pending.seq) this.pending = head;
    this.writing ??= this.drain().finally(() => {
      this.writing = undefined;
    });
  }

  /** Resolves once every head offered so far has been written (or failed). */
  async flush(): Promise<void> {
    while (this.writing) await this.writing;
  }

  private async drain(): Promise<void> {
    while (this.pending) {
      const head = this.pending;
      this.pending = undefined;
      try {
        await this.advance(head);
      } catch (error) {
        // The next synced commit offers a newer head and tries again.
        this.onError(error as Error);
      }
    }
  }

  private async advance(head: { seq: number; hash: string; at: string }): Promise<void> {
    const checkpoint = signedCheckpoint(head, this.key, head.at);
    if (!this.tableReady) {
      await this.pool.query(
        'CREATE TABLE IF NOT EXISTS airlock_audit_checkpoint (id INT PRIMARY KEY CHECK (id = 1), seq BIGINT NOT NULL, hash TEXT NOT NULL, at TEXT NOT NULL, mac TEXT)',
      );
      this.tableReady = true;
    }
    // Never back: a replica whose head is behind the stored one changes nothing.
    await this.pool.query(
      `INSERT INTO airlock_audit_checkpoint (id, seq, hash, at, mac) VALUES (1, $1, $2, $3, $4)
       ON CONFLICT (id) DO UPDATE SET seq = EXCLUDED.seq, hash = EXCLUDED.hash, at = EXCLUDED.at, mac = EXCLUDED.mac
       WHERE airlock_audit_checkpoint.seq < EXCLUDED.seq`,
      [checkpoint.seq, checkpoint.hash, checkpoint.at, checkpoint.mac ?? null],
    );
  }

  /** The signed head, checked; `invalid` when it cannot be read, so that verification fails closed. */
  async read(): Promise<CheckpointRead> {
    try {
      const exists = (await this.pool.query<{ found: string | null }>("SELECT to_regclass('airlock_audit_checkpoint') AS found")).rows[0]?.found;
      if (!exists) return { kind: 'missing' };
      const row = (
        await this.pool.query<{ seq: string; hash: string; at: string; mac: string | null }>(
          'SELECT seq, hash, at, mac FROM airlock_audit_checkpoint WHERE id = 1',
        )
      ).rows[0];
      if (!row) return { kind: 'missing' };
      const checkpoint: Checkpoint = { seq: Number(row.seq), hash: row.hash, at: row.at, ...(row.mac ? { mac: row.mac } : {}) };
      return checkedCheckpoint(checkpoint, this.key, `the head in ${this.location}`);
    } catch (error) {
      return { kind: 'invalid', problem: `the head in ${this.location} cannot be read (${(error as Error).message})` };
    }
  }

  async close(): Promise<void> {
    await this.flush();
    await this.pool.end();
  }
}

/** The checkpoint database the config names, or undefined; throws when its password's secret is missing. */
export function checkpointDatabaseOf(config: AirlockConfig, onError?: (error: Error) => void): CheckpointDatabase | undefined {
  const settings = config.audit.checkpoint?.postgres;
  if (!settings) return undefined;
  const { url, password } = typeof settings === 'string' ? { url: settings, password: undefined } : settings;
  const location = displayLocation(url);
  return new CheckpointDatabase(
    location,
    { url, password: password ? resolveSecret(password).reveal() : undefined },
    process.env.AIRLOCK_AUDIT_KEY || undefined,
    onError,
  );
}

function displayLocation(url: string): string {
  try {
    const parsed = new URL(url);
    parsed.password = '';
    parsed.search = '';
    return parsed.toString();
  } catch {
    return 'the checkpoint database';
  }
}
