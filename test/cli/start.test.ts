/**
 * `airlock start` as a new user meets it: the example config run from the checkout keeps its
 * state out of the source tree, and a port already in use is one line that names what to change.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { existsSync, mkdtempSync, readdirSync, rmSync } from 'node:fs';
import { createServer, type Server } from 'node:net';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { AIRLOCK_BIN, ROOT, writeTestConfig } from '../support/airlock.js';

const scratch: string[] = [];
const servers: Server[] = [];
afterAll(async () => {
  await Promise.all(servers.map((server) => new Promise((resolve) => server.close(resolve))));
  for (const dir of scratch) rmSync(dir, { recursive: true, force: true });
});

function start(
  args: readonly string[],
  env: NodeJS.ProcessEnv = {},
): { child: ChildProcess; running: Promise<void>; exited: Promise<{ status: number | null; stdout: string; stderr: string }> } {
  const child = spawn(process.execPath, [AIRLOCK_BIN, ...args], {
    cwd: ROOT,
    env: { ...process.env, AIRLOCK_LOG_LEVEL: 'warn', AIRLOCK_CONFIG: '', AIRLOCK_STATE_DIR: '', AIRLOCK_LISTEN_HTTP: '', AIRLOCK_LISTEN_POSTGRES: '', ...env },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let stdout = '';
  let stderr = '';
  let onRunning: () => void = () => undefined;
  const running = new Promise<void>((resolve) => (onRunning = resolve));
  child.stdout!.on('data', (chunk: Buffer) => {
    stdout += chunk.toString();
    if (stdout.includes('Airlock is running')) onRunning();
  });
  child.stderr!.on('data', (chunk: Buffer) => (stderr += chunk.toString()));
  const exited = new Promise<{ status: number | null; stdout: string; stderr: string }>((resolve) =>
    child.once('close', (status) => resolve({ status, stdout, stderr })),
  );
  return { child, running, exited };
}

async function occupiedPort(): Promise<number> {
  const server = createServer();
  servers.push(server);
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return (server.address() as AddressInfo).port;
}

const files = (dir: string) => (readdirSync(dir, { recursive: true }) as string[]).sort();

describe('airlock start', () => {
  it('runs the example config from the checkout with its state, TLS key included, outside the source tree', async () => {
    const state = mkdtempSync(join(tmpdir(), 'airlock-xdg-'));
    scratch.push(state);
    const before = files(join(ROOT, 'examples'));
    // As `npm start` does: no --config, so ./examples/airlock.yaml; only the ports moved aside.
    const airlock = start(['start', '--listen', 'http=127.0.0.1:0', '--listen', 'postgres=127.0.0.1:0'], { XDG_STATE_HOME: state, HOME: state });
    await Promise.race([airlock.running, airlock.exited.then((r) => Promise.reject(new Error(`start exited ${r.status}: ${r.stderr}`)))]);
    expect(existsSync(join(state, 'airlock', 'airlock.db'))).toBe(true);
    expect(existsSync(join(state, 'airlock', 'postgres-tls', 'key.pem'))).toBe(true);
    airlock.child.kill('SIGTERM');
    const { stdout } = await airlock.exited;
    expect(stdout).toContain(`store     ${join(state, 'airlock', 'airlock.db')}`);
    expect(files(join(ROOT, 'examples'))).toEqual(before);
  });

  it('says in one line which key to change when the HTTP port is in use, without a stack trace', async () => {
    const port = await occupiedPort();
    const { configPath } = writeTestConfig();
    scratch.push(join(configPath, '..'));
    const { status, stderr } = await start(['--config', configPath, 'start', '--listen', `http=127.0.0.1:${port}`]).exited;
    expect(status).toBe(1);
    expect(stderr).toBe(
      `airlock: 127.0.0.1:${port} is already in use (another Airlock, or another program): change listen.http in ${configPath}, ` +
        'or start with --listen http=127.0.0.1:PORT (or AIRLOCK_LISTEN_HTTP=127.0.0.1:PORT)\n',
    );
  });

  it('names listen.postgres when the PostgreSQL door’s port, set by AIRLOCK_LISTEN_POSTGRES, is in use', async () => {
    const port = await occupiedPort();
    const { configPath } = writeTestConfig();
    scratch.push(join(configPath, '..'));
    const { status, stderr } = await start(['--config', configPath, 'start'], { AIRLOCK_LISTEN_POSTGRES: `127.0.0.1:${port}` }).exited;
    expect(status).toBe(1);
    expect(stderr).toContain(`127.0.0.1:${port} is already in use`);
    expect(stderr).toContain('change listen.postgres in');
    expect(stderr).not.toMatch(/\n\s+at /);
  });

  it('takes --listen for each door, and refuses one it does not know with the form to write', async () => {
    const { configPath } = writeTestConfig();
    scratch.push(join(configPath, '..'));
    const bad = await start(['--config', configPath, 'start', '--listen', 'pg=6544']).exited;
    expect(bad.status).toBe(2);
    expect(bad.stderr).toContain('--listen pg=6544: write NAME=HOST:PORT with NAME one of http, postgres');
    const airlock = start(['--config', configPath, 'start', '--listen', 'postgres=127.0.0.1:0']);
    await airlock.running;
    airlock.child.kill('SIGTERM');
    const { stdout } = await airlock.exited;
    expect(stdout).toMatch(/^ {2}postgres +127\.0\.0\.1:\d+$/m);
  });
});
