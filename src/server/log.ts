import { pino, type Logger } from 'pino';
import cluster from 'node:cluster';

export type { Logger };

/**
 * Structured logs on stderr (stdout is for command output). The redaction paths are a second
 * line of defence: credentials are never passed to the logger in the first place. A line
 * written while handling a request names it: its caller passes `requestId` (core/request-id.ts).
 */
export function createLogger(level = process.env.AIRLOCK_LOG_LEVEL ?? 'info'): Logger {
  return pino(
    {
      level,
      // Each worker of a group (`workers`) names itself, so that its lines can be told apart.
      base: cluster.isWorker ? { service: 'airlock', worker: Number(process.env.AIRLOCK_WORKER) || undefined, pid: process.pid } : { service: 'airlock' },
      redact: {
        paths: ['authorization', 'headers.authorization', 'headers.cookie', 'token', 'password', 'secret', '*.token', '*.password'],
        censor: '[redacted]',
      },
    },
    pino.destination({ dest: 2, sync: false }),
  );
}

export const silentLogger: Logger = pino({ level: 'silent' });
