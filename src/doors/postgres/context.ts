import type { Logger } from 'pino';
import type { SqlClassifierOptions } from '../../classify/sql/index.js';
import type { PostgresDoorConfig, PostgresUpstreamConfig } from '../../config/upstreams/postgres.js';
import type { Runtime } from '../../server/runtime.js';
import type { CancelRegistry } from './cancel.js';
import type { DoorCertificate } from './tls.js';
import type { UpstreamTarget } from './upstream.js';

/** A configured PostgreSQL upstream, ready to connect to and to classify for. */
export interface UpstreamEntry {
  readonly config: PostgresUpstreamConfig;
  readonly target: UpstreamTarget;
  /** One object per upstream, so that the classifier's cache is per upstream. */
  readonly classifier: SqlClassifierOptions;
}

/** What every connection through the door shares. */
export interface DoorContext {
  readonly runtime: Runtime;
  /** Replaced whole when a config reload changes the upstreams; a session keeps the entry it logged in with. */
  upstreams: ReadonlyMap<string, UpstreamEntry>;
  readonly certificate: DoorCertificate;
  readonly plaintext: PostgresDoorConfig['plaintext'];
  readonly cancels: CancelRegistry;
  readonly log: Logger;
  /** Connections that have not finished logging in (login.ts caps them). */
  readonly logins: { pending: number };
}
