/**
 * The PostgreSQL door: a wire-protocol (v3) proxy in front of the configured databases. The
 * agent's database URL points at Airlock, with its agent name and Airlock token as the
 * credentials; every statement is parsed by PostgreSQL's own parser, classified, judged by the
 * gate and recorded before the upstream sees it (docs/postgres-door.md).
 *
 * @example
 * // airlock.yaml
 * // listen: { postgres: 127.0.0.1:6432 }
 * // upstreams:
 * //   - name: shop
 * //     kind: postgres
 * //     host: db.internal
 * //     database: shop
 * //     user: shop_owner
 * //     password: { env: SHOP_DB_PASSWORD }
 * //     backup: { pgDump: { dir: /var/backups/airlock } }
 * //
 * // The agent: psql "postgres://deploy-bot:alk_…@127.0.0.1:6432/shop?sslmode=require"
 */
import { createServer, type Server, type Socket } from 'node:net';
import { dirname, isAbsolute, resolve } from 'node:path';
import { loadSqlClassifier } from '../../classify/sql/index.js';
import { resolveSecret } from '../../config/secret.js';
import type { PostgresUpstreamConfig } from '../../config/upstreams/postgres.js';
import type { AirlockConfig } from '../../config/load.js';
import type { DoorModule, RunningDoor } from '../../server/door-module.js';
import type { Runtime } from '../../server/runtime.js';
import type { HoldRecord } from '../../store/records.js';
import { pgDumpBackupStep } from './backup-step.js';
import { CancelRegistry } from './cancel.js';
import type { DoorContext, UpstreamEntry } from './context.js';
import { serveConnection } from './login.js';
import { replayPostgresHold } from './replay.js';
import { loadDoorCertificate } from './tls.js';
import { upstreamTarget } from './upstream.js';

export { planPgDump, pgDumpBeforeDestroy, exactPattern, type PgDumpPlan, type PgDumpResult } from './backup.js';
export { pgDumpBackupStep } from './backup-step.js';
export { replaySqlRequest, replayPostgresHold, type SqlReplayOutcome } from './replay.js';
export { isStoredSqlRequest, type StoredSqlRequest } from './stored.js';

export function createPostgresDoor(): DoorModule {
  return {
    name: 'postgres',
    backupSteps: { pgDump: pgDumpBackupStep },
    async start(runtime: Runtime): Promise<RunningDoor> {
      // A replica that does not listen may still run a delayed hold another replica took.
      const replay = (hold: HoldRecord) => replayPostgresHold(runtime, hold);
      const listen = runtime.config.listen.postgres;
      if (!listen) return { replay, close: async () => undefined };
      await loadSqlClassifier();
      const context: DoorContext = {
        runtime,
        upstreams: upstreamEntries(runtime.config),
        certificate: loadDoorCertificate(runtime.config.postgres, runtime.config.dataDir, runtime.config.file),
        plaintext: runtime.config.postgres.plaintext,
        cancels: new CancelRegistry(),
        log: runtime.log,
        logins: { pending: 0 },
      };
      // A missing secret in the new config refuses the reload, as it refuses a start.
      const stopReloads = runtime.onConfigReload((next) => {
        const entries = upstreamEntries(next);
        return {
          commit() {
            context.upstreams = entries;
          },
        };
      });
      const sockets = new Set<Socket>();
      const server: Server = createServer((socket) => {
        sockets.add(socket);
        socket.once('close', () => sockets.delete(socket));
        socket.on('error', () => undefined);
        void serveConnection(socket, context);
      });
      await new Promise<void>((resolvePromise, reject) => {
        server.once('error', reject);
        server.listen(listen.port, listen.host, () => resolvePromise());
      });
      server.on('error', (error) => runtime.log.error({ err: error.message }, 'PostgreSQL door listener failed'));
      const address = server.address() as import('node:net').AddressInfo;
      const host = address.family === 'IPv6' ? `[${address.address}]` : address.address;
      runtime.log.info(
        { certificate: context.certificate.certPath, fingerprint: context.certificate.fingerprint, generated: context.certificate.generated },
        'PostgreSQL door TLS certificate',
      );
      return {
        addresses: { postgres: `${host}:${address.port}` },
        replay,
        close: () =>
          new Promise<void>((resolvePromise) => {
            stopReloads();
            server.close(() => resolvePromise());
            for (const socket of sockets) socket.destroy();
          }),
      };
    },
  };
}

/** Every PostgreSQL upstream, with its secret resolved now: a missing secret stops the start. */
function upstreamEntries(config: AirlockConfig): Map<string, UpstreamEntry> {
  const entries = new Map<string, UpstreamEntry>();
  for (const upstream of config.upstreams) {
    if (upstream.kind !== 'postgres') continue;
    const password = upstream.password ? resolveSecret(upstream.password) : undefined;
    const ca = upstream.ca ? (isAbsolute(upstream.ca) ? upstream.ca : resolve(dirname(config.file), upstream.ca)) : undefined;
    entries.set(upstream.name, {
      config: upstream as PostgresUpstreamConfig,
      target: upstreamTarget(upstream, password, config.limits.upstreamTimeout, ca),
      classifier: { functions: upstream.functions },
    });
  }
  return entries;
}

export const postgresDoor = createPostgresDoor();
