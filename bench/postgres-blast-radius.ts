/**
 * What the blast-radius guard adds to a statement: an UPDATE whose WHERE Airlock cannot prove
 * narrow runs in a transaction of its own (BEGIN … COMMIT around it, and a bounded count of the
 * table when it touched more than a few rows), where a provably narrow one is forwarded as is.
 * One client, one statement at a time, node-postgres over the simple protocol; medians,
 * direct and through Airlock.
 *
 *   npx tsx bench/postgres-blast-radius.ts [--statements 500] [--rounds 3]
 *
 * Needs PostgreSQL on 127.0.0.1:5432 (user postgres, trust).
 */
import { randomBytes } from 'node:crypto';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import pg from 'pg';
import { loadConfig } from '../src/config/load.js';
import { postgresDoor } from '../src/doors/postgres/index.js';
import { issueToken } from '../src/identity/tokens.js';
import { silentLogger } from '../src/server/log.js';
import { startAirlock } from '../src/server/start.js';
import { machine, median, printTable } from './stats.js';

const { values: args } = parseArgs({
  options: { statements: { type: 'string', default: '500' }, rounds: { type: 'string', default: '3' } },
});
const STATEMENTS = Number(args.statements);
const ROUNDS = Number(args.rounds);
const PG = { host: '127.0.0.1', port: 5432, user: 'postgres' };
const ROWS = 10_000;

/** The statement for iteration i: each touches other rows, so that no run repeats the last. */
const CASES: { name: string; sql: (i: number) => string }[] = [
  { name: 'narrow (id = k), forwarded as is', sql: (i) => `UPDATE items SET n = n + 1 WHERE id = ${(i % ROWS) + 1}` },
  { name: 'guarded, touches 1 row', sql: (i) => `UPDATE items SET n = n + 1 WHERE id > ${i % ROWS} AND id < ${(i % ROWS) + 2}` },
  {
    name: 'guarded, touches 40 rows (and counts)',
    sql: (i) => `UPDATE items SET n = n + 1 WHERE id > ${(i * 40) % (ROWS - 40)} AND id <= ${((i * 40) % (ROWS - 40)) + 40}`,
  },
];

async function main(): Promise<void> {
  const database = `airlock_bench_${randomBytes(4).toString('hex')}`;
  const dir = mkdtempSync(join(tmpdir(), 'airlock-blast-'));
  const admin = new pg.Client({ ...PG, database: 'postgres' });
  await admin.connect();
  await admin.query(`CREATE DATABASE ${database}`);
  let airlock: Awaited<ReturnType<typeof startAirlock>> | undefined;
  try {
    const setup = new pg.Client({ ...PG, database });
    await setup.connect();
    await setup.query(
      `CREATE TABLE items (id int PRIMARY KEY, n int NOT NULL); INSERT INTO items SELECT g, 0 FROM generate_series(1, ${ROWS}) g; ANALYZE items`,
    );
    await setup.end();
    writeFileSync(
      join(dir, 'airlock.yaml'),
      JSON.stringify({
        listen: { http: '127.0.0.1:0', postgres: '127.0.0.1:0' },
        dataDir: join(dir, 'data'),
        postgres: { plaintext: 'loopback' },
        upstreams: [{ name: 'bench', kind: 'postgres', environment: 'staging', host: PG.host, port: PG.port, database, user: PG.user, tls: 'disable' }],
      }),
    );
    airlock = await startAirlock(loadConfig(join(dir, 'airlock.yaml')), { log: silentLogger, doors: [postgresDoor] });
    await airlock.runtime.store.agents.add({ name: 'bench-bot' }, new Date().toISOString());
    const { token } = await issueToken(airlock.runtime.store, { agent: 'bench-bot', scopes: ['read:staging', 'write:staging'], ttlMs: 86_400_000 }, new Date());
    const [host, port] = airlock.addresses.postgres!.split(/:(?=\d+$)/);
    const direct = new pg.Client({ ...PG, database });
    const through = new pg.Client({ host, port: Number(port), user: 'bench-bot', password: token, database: 'bench' });
    await direct.connect();
    await through.connect();
    console.log(`blast-radius guard, ${STATEMENTS * ROUNDS} statements of each kind, interleaved, on ${machine()}`);
    // Interleaved statement by statement, so that a busy moment of the machine falls on every
    // case and target alike.
    const samples = new Map<string, number[]>();
    const targets = [
      ['direct', direct],
      ['airlock', through],
    ] as const;
    for (let round = 0; round < ROUNDS; round++) {
      for (let i = 0; i < STATEMENTS; i++) {
        for (const { name, sql } of CASES) {
          for (const [target, client] of targets) {
            const started = performance.now();
            await client.query(sql(round * STATEMENTS + i));
            const key = `${name}|${target}`;
            samples.set(key, [...(samples.get(key) ?? []), performance.now() - started]);
          }
        }
      }
    }
    const at = (name: string, target: string) => median(samples.get(`${name}|${target}`)!);
    const narrow = at(CASES[0]!.name, 'airlock');
    printTable(
      'median ms per statement',
      CASES.map(({ name }) => ({
        statement: name,
        direct: at(name, 'direct'),
        airlock: at(name, 'airlock'),
        'airlock / direct': at(name, 'airlock') / at(name, 'direct'),
        'guard adds (ms)': at(name, 'airlock') - narrow,
      })),
    );
    await direct.end();
    await through.end();
  } finally {
    await airlock?.close();
    await admin.query(`DROP DATABASE IF EXISTS ${database} WITH (FORCE)`).catch(() => undefined);
    await admin.end();
    rmSync(dir, { recursive: true, force: true });
  }
}

await main();
