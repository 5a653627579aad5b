/**
 * Protocol abuse at the PostgreSQL door, on loopback and bounded: frames whose length lies,
 * huge or zero lengths, unknown message types, a Query without its terminator, a flood of
 * connections that never finish their startup, and the store failing under a statement. In
 * every case the door answers in PostgreSQL's own form and closes (or refuses), forwards
 * nothing (checked on the table itself), and other sessions keep working.
 */
import Database from 'better-sqlite3';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { MAX_PENDING_LOGINS } from '../../../src/doors/postgres/login.js';
import { recordAttack } from '../../support/attacks.js';
import { agentClient, startPostgresWorld, type PostgresWorld } from './support.js';
import { bytes, RawConnection } from './raw.js';

const SETUP = 'CREATE TABLE ledger (id int PRIMARY KEY);';
const INSERT = 'INSERT INTO ledger VALUES (1)';

let world: PostgresWorld;
let token: string;

beforeAll(async () => {
  world = await startPostgresWorld({ prefix: 'abuse', setup: SETUP, config: { postgres: { plaintext: 'loopback' } } });
  token = await world.airlock.token('rough-bot', ['read:*', 'write:*']);
});

afterAll(async () => {
  await world?.close();
});

beforeEach(async () => {
  await world.db.query('TRUNCATE ledger');
});

async function ledgerRows(): Promise<number> {
  return Number((await world.db.query<{ n: string }>('SELECT count(*) AS n FROM ledger')).rows[0]!.n);
}

/** Another agent's session, opened before the abuse, still answers after it. */
async function stillServing(): Promise<void> {
  const client = agentClient(world, 'rough-bot', token);
  await client.connect();
  expect((await client.query('SELECT 41 + 1 AS n')).rows).toEqual([{ n: 42 }]);
  await client.end();
}

/** Tries to log in until the door takes logins again (each try is a real login, no sleeps). */
async function loginsAgain(): Promise<boolean> {
  for (let attempt = 0; attempt < 200; attempt++) {
    const connection = await RawConnection.login(world.host, world.port, 'rough-bot', token, world.upstream).catch(() => undefined);
    if (connection) {
      connection.close();
      return true;
    }
  }
  return false;
}

const query = (sql: string) => bytes.frame('Q', bytes.cstring(sql));

/** After login: the abusive bytes, then a statement that must never reach the server. */
const AFTER_LOGIN: [name: string, abuse: Buffer, code: string][] = [
  ['a zero length field', bytes.frame('Q', Buffer.alloc(0), 0), '08P01'],
  ['a length larger than the door accepts', bytes.frame('Q', Buffer.alloc(0), 0x7fff_ffff), '08P01'],
  ['a negative length', bytes.frame('Q', Buffer.alloc(0), -5), '08P01'],
  ['an unknown message type', bytes.frame('z', bytes.cstring(INSERT)), '08P01'],
  ['a Query without its terminator', bytes.frame('Q', Buffer.from(INSERT)), '08P01'],
  ['a Query whose length swallows the next message', bytes.frame('Q', Buffer.concat([bytes.cstring('SELECT 1'), query(INSERT)])), '08P01'],
  [
    'a Bind that claims more parameters than it carries',
    Buffer.concat([
      bytes.frame('P', Buffer.concat([bytes.cstring(''), bytes.cstring(INSERT), Buffer.from([0, 0])])),
      bytes.frame('B', Buffer.concat([bytes.cstring(''), bytes.cstring(''), Buffer.from([0, 0, 0, 9]), bytes.int32(100)])),
      bytes.frame('E', Buffer.concat([bytes.cstring(''), bytes.int32(0)])),
      bytes.frame('S', Buffer.alloc(0)),
    ]),
    '08P01',
  ],
  ['a message of type NUL', bytes.frame('\0', bytes.cstring(INSERT)), '08P01'],
];

describe('malformed and oversized messages after login', () => {
  for (const [name, abuse, code] of AFTER_LOGIN) {
    it(`answers ${name} with a FATAL ${code} and closes, forwarding nothing`, async () => {
      const bystander = agentClient(world, 'rough-bot', token);
      bystander.on('error', () => undefined);
      await bystander.connect();
      const connection = await RawConnection.login(world.host, world.port, 'rough-bot', token, world.upstream);
      connection.send(Buffer.concat([abuse, query(INSERT)]));
      await connection.closed;
      const error = connection.frames.find((f) => f.type === 'E');
      expect(error?.fields.S).toBe('FATAL');
      expect(error?.fields.C).toBe(code);
      expect(connection.frames.some((f) => f.type === 'C')).toBe(false);
      expect(await ledgerRows()).toBe(0);
      expect((await bystander.query('SELECT 1 AS one')).rows).toEqual([{ one: 1 }]);
      await bystander.end();
      recordAttack({
        door: 'postgres',
        category: 'protocol abuse',
        attack: `${name}, then ${INSERT} in the same write`,
        outcome: 'closed',
        effect: `FATAL ${code} (${error?.fields.M}); ledger empty on PostgreSQL; another session kept working`,
      });
    });
  }
});

describe('large messages within the limit', () => {
  it('forwards a statement of several megabytes, which the login limit would not allow', async () => {
    const client = agentClient(world, 'rough-bot', token);
    await client.connect();
    const big = 'x'.repeat(3 * 1024 * 1024);
    const { rows } = await client.query(`SELECT length('${big}') AS n`);
    expect(rows).toEqual([{ n: big.length }]);
    await client.end();
  });
});

const STARTUP: [name: string, abuse: Buffer][] = [
  ['a zero length startup packet', bytes.int32(0)],
  ['a startup packet longer than the door accepts', Buffer.concat([bytes.int32(0x7fff_ffff), bytes.int32(196608)])],
  ['a startup packet without its terminator', Buffer.concat([bytes.int32(8 + 5), bytes.int32(196608), Buffer.from('user\0')])],
  ['a startup packet with bytes after its terminator', Buffer.concat([bytes.int32(8 + 12), bytes.int32(196608), Buffer.from('user\0x\0\0junk')])],
  ['an unknown protocol version', Buffer.concat([bytes.int32(8), bytes.int32(0x0009_0000)])],
];

describe('malformed startup packets', () => {
  for (const [name, abuse] of STARTUP) {
    it(`answers ${name} with a FATAL 08P01 and closes`, async () => {
      const connection = await RawConnection.open(world.host, world.port);
      connection.send(abuse);
      await connection.closed;
      const error = connection.frames.find((f) => f.type === 'E');
      expect(error?.fields.S).toBe('FATAL');
      expect(error?.fields.C).toBe('08P01');
      await stillServing();
      recordAttack({
        door: 'postgres',
        category: 'protocol abuse',
        attack: name,
        outcome: 'closed',
        effect: `FATAL 08P01 (${error?.fields.M}); other sessions kept working`,
      });
    });
  }
});

describe('a flood of connections that never finish their startup', () => {
  it('refuses connections past the cap of logins in progress, and open sessions keep working', async () => {
    const bystander = agentClient(world, 'rough-bot', token);
    await bystander.connect();
    const flood = await Promise.all(Array.from({ length: MAX_PENDING_LOGINS }, () => RawConnection.open(world.host, world.port)));
    // Half a startup packet each, so that every one of them is waiting for the rest.
    for (const connection of flood) connection.send(bytes.int32(64));
    const late = await RawConnection.open(world.host, world.port);
    late.send(bytes.startup({ user: 'rough-bot', database: world.upstream }));
    await late.closed;
    expect(late.frames.find((f) => f.type === 'E')?.fields.C).toBe('53300');
    expect((await bystander.query('SELECT 2 AS two')).rows).toEqual([{ two: 2 }]);
    for (const connection of flood) connection.close();
    await Promise.all(flood.map((connection) => connection.closed));
    // The flood gone, logging in works again, once the door has seen those connections close.
    expect(await loginsAgain()).toBe(true);
    await bystander.end();
    recordAttack({
      door: 'postgres',
      category: 'protocol abuse',
      attack: `${MAX_PENDING_LOGINS + 1} connections sending half a startup packet each`,
      outcome: 'refused',
      effect: 'the one past the cap got FATAL 53300; an open session kept answering; logins worked again after',
    });
  });
});

describe('the store failing under a statement', () => {
  it('refuses the statement with a clear error and forwards nothing while the audit log cannot be written', async () => {
    const client = agentClient(world, 'rough-bot', token);
    await client.connect();
    // Another process makes the store refuse every audit record, as a full disk would.
    const store = new Database(world.airlock.config.storePath);
    store.exec("CREATE TRIGGER airlock_test_store_full BEFORE INSERT ON audit BEGIN SELECT RAISE(ABORT, 'database or disk is full'); END");
    let restored = false;
    const restore = () => {
      store.exec('DROP TRIGGER airlock_test_store_full');
      restored = true;
    };
    try {
      const refused = await client.query(INSERT).then(
        () => undefined,
        (error: Error & { code?: string; hint?: string }) => error,
      );
      expect(refused?.code).toBe('42501');
      expect(refused?.message).toMatch(/could not record the decision, so nothing was forwarded/);
      expect(refused?.hint).toMatch(/Stop\. Do not retry/);
      expect(await ledgerRows()).toBe(0);
      restore();
      // The store back, the same session goes on.
      await client.query(INSERT);
      expect(await ledgerRows()).toBe(1);
    } finally {
      if (!restored) restore();
      store.close();
      await client.end();
    }
    recordAttack({
      door: 'postgres',
      category: 'fault injection',
      attack: `${INSERT} while the store refuses every audit record`,
      outcome: 'refused',
      effect: 'refused with SQLSTATE 42501 and the stop-and-ask hint; ledger empty on PostgreSQL; the session worked again once the store did',
    });
  });
});
