import type { AirlockConfig } from '../config/load.js';
import { resolveSecret, SecretError } from '../config/secret.js';
import { openPostgresStore } from './postgres/index.js';
import { openSqliteStore } from './sqlite/index.js';
import type { Store } from './store.js';

export class StoreUnavailableError extends Error {
  override readonly name = 'StoreUnavailableError';
}

/**
 * Opens the configured store. `writerThread` is for long-running servers, which commit audit
 * records off the request path; short-lived commands commit on their own thread (PostgreSQL
 * commits off the event loop either way).
 */
export async function openStore(config: AirlockConfig, options: { writerThread: boolean }): Promise<Store> {
  const checkpoint = { path: config.auditHeadPath, key: process.env.AIRLOCK_AUDIT_KEY || undefined };
  if (config.store && 'postgres' in config.store) {
    const settings = typeof config.store.postgres === 'string' ? { url: config.store.postgres } : config.store.postgres;
    let password: string | undefined;
    try {
      password = 'password' in settings && settings.password ? resolveSecret(settings.password).reveal() : undefined;
    } catch (error) {
      if (error instanceof SecretError) throw new StoreUnavailableError(`store.postgres.password: ${error.message}`);
      throw error;
    }
    try {
      return await openPostgresStore({ url: settings.url, password, poolSize: 'pool' in settings ? settings.pool : undefined, checkpoint });
    } catch (error) {
      throw new StoreUnavailableError(`cannot open the PostgreSQL store: ${(error as Error).message}`);
    }
  }
  return openSqliteStore({ path: config.storePath, checkpoint, writerThread: options.writerThread });
}
