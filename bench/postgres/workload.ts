/** What the PostgreSQL benches share: the server they run against, the varied script, PgBouncer beside it, and two small process helpers. */
import { spawn, type ChildProcess } from 'node:child_process';
import { chownSync, copyFileSync, readFileSync, writeFileSync } from 'node:fs';
import { createServer, type AddressInfo } from 'node:net';
import { join } from 'node:path';
import pg from 'pg';

export const PG = { host: '127.0.0.1', port: 5432, user: 'postgres' };

/** Reads and writes, different statements: what an application's traffic looks like more than -S. */
export const VARIED = `\\set aid random(1, 100000 * :scale)
\\set bid random(1, :scale)
\\set tid random(1, 10 * :scale)
\\set delta random(-5000, 5000)
SELECT abalance FROM pgbench_accounts WHERE aid = :aid;
SELECT bbalance FROM pgbench_branches WHERE bid = :bid;
UPDATE pgbench_accounts SET abalance = abalance + :delta WHERE aid = :aid;
SELECT tid, tbalance FROM pgbench_tellers WHERE tid = :tid;
INSERT INTO pgbench_history (tid, bid, aid, delta, mtime) VALUES (:tid, :bid, :aid, :delta, CURRENT_TIMESTAMP);
`;

/** Runs a command to its end: its output (stdout and stderr), or an error that carries it. */
export function exec(command: string, argv: readonly string[]): Promise<string> {
  return new Promise((resolve, reject) => {
    const child = spawn(command, argv, { stdio: ['ignore', 'pipe', 'pipe'] });
    let out = '';
    child.stdout.on('data', (c: Buffer) => (out += c.toString()));
    child.stderr.on('data', (c: Buffer) => (out += c.toString()));
    child.once('error', reject);
    child.once('close', (code) => (code === 0 ? resolve(out) : reject(new Error(`${command} exited ${code}:\n${out}`))));
  });
}

export function freePort(): Promise<number> {
  return new Promise((resolve) => {
    const server = createServer();
    server.listen(0, '127.0.0.1', () => {
      const { port } = server.address() as AddressInfo;
      server.close(() => resolve(port));
    });
  });
}

/**
 * PgBouncer in session mode in front of `database`, as `bench`, on a free port; with `tls`, it
 * also accepts TLS with that directory's cert.pem and key.pem. Resolves once it accepts a client.
 */
export async function startPgBouncer(options: { dir: string; database: string; pool: number; tls?: string }): Promise<{ port: number; child: ChildProcess }> {
  const { dir, database, pool, tls } = options;
  const port = await freePort();
  // PgBouncer will not run as root: in a container, hand it the files and run it as postgres.
  const asRoot = process.getuid?.() === 0;
  const certDir = asRoot ? dir : tls;
  writeFileSync(join(dir, 'userlist.txt'), `"${PG.user}" ""\n`);
  writeFileSync(
    join(dir, 'pgbouncer.ini'),
    [
      '[databases]',
      `bench = host=${PG.host} port=${PG.port} dbname=${database} user=${PG.user}`,
      '[pgbouncer]',
      'listen_addr = 127.0.0.1',
      `listen_port = ${port}`,
      'unix_socket_dir =',
      'auth_type = trust',
      `auth_file = ${join(dir, 'userlist.txt')}`,
      'pool_mode = session',
      `default_pool_size = ${pool}`,
      'max_client_conn = 200',
      ...(tls
        ? ['client_tls_sslmode = allow', `client_tls_cert_file = ${join(certDir!, 'cert.pem')}`, `client_tls_key_file = ${join(certDir!, 'key.pem')}`]
        : []),
      `logfile = ${join(dir, 'pgbouncer.log')}`,
      `pidfile = ${join(dir, 'pgbouncer.pid')}`,
      '',
    ].join('\n'),
  );
  if (asRoot) {
    const { uid, gid } = userIds('postgres');
    const files = ['', 'pgbouncer.ini', 'userlist.txt'];
    if (tls) {
      for (const file of ['cert.pem', 'key.pem']) copyFileSync(join(tls, file), join(dir, file));
      files.push('cert.pem', 'key.pem');
    }
    for (const file of files) chownSync(join(dir, file), uid, gid);
  }
  const child = spawn('pgbouncer', [...(asRoot ? ['-u', 'postgres'] : []), join(dir, 'pgbouncer.ini')], { stdio: ['ignore', 'ignore', 'pipe'] });
  for (let i = 0; i < 100; i++) {
    const client = new pg.Client({ host: '127.0.0.1', port, user: PG.user, database: 'bench' });
    const ok = await client.connect().then(
      () => client.end().then(() => true),
      () => false,
    );
    if (ok) return { port, child };
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
  child.kill();
  throw new Error(`pgbouncer did not start on port ${port}`);
}

function userIds(name: string): { uid: number; gid: number } {
  const line = readFileSync('/etc/passwd', 'utf8')
    .split('\n')
    .find((l) => l.startsWith(`${name}:`));
  if (!line) throw new Error(`no user ${name} to run pgbouncer as`);
  const [, , uid, gid] = line.split(':');
  return { uid: Number(uid), gid: Number(gid) };
}
