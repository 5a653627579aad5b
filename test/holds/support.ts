/**
 * A running Airlock in front of a small REST API (the upstream), with operators enrolled the way
 * `airlock operator add` does it, and a clock the test moves.
 */
import { createServer, type IncomingMessage, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { randomBytes } from 'node:crypto';
import { LocalAdmin } from '../../src/admin/local-admin.js';
import { totpCode } from '../../src/identity/totp.js';
import { startTestAirlock, type TestAirlock, type TestAirlockOptions } from '../support/airlock.js';
import type { DecideAnswer } from '../support/answers.js';
import type { AuditRecord } from '../../src/store/records.js';

export interface ReceivedRequest {
  readonly method: string;
  readonly url: string;
  readonly headers: IncomingMessage['headers'];
  readonly body: string;
}

/** An HTTP server that records what reaches it; `answer` decides the status. */
export interface RecordingServer {
  readonly url: string;
  readonly received: ReceivedRequest[];
  answer: (request: ReceivedRequest) => number;
  close(): Promise<void>;
}

export async function startRecordingServer(): Promise<RecordingServer> {
  const received: ReceivedRequest[] = [];
  const state = { answer: (_request: ReceivedRequest) => 200 };
  const server: Server = createServer((request, response) => {
    const chunks: Buffer[] = [];
    request.on('data', (chunk: Buffer) => chunks.push(chunk));
    request.on('end', () => {
      const entry = { method: request.method!, url: request.url!, headers: request.headers, body: Buffer.concat(chunks).toString('utf8') };
      received.push(entry);
      const status = state.answer(entry);
      response.writeHead(status, { 'content-type': 'application/json' });
      response.end(JSON.stringify({ ok: status < 400, method: entry.method, url: entry.url }));
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  return {
    url: `http://127.0.0.1:${port}`,
    received,
    get answer() {
      return state.answer;
    },
    set answer(fn) {
      state.answer = fn;
    },
    close: () =>
      new Promise<void>((resolve) => {
        server.close(() => resolve());
        server.closeAllConnections();
      }),
  };
}

/** A clock that stands still until the test moves it. */
export function testClock(start = '2026-06-01T10:00:00.000Z') {
  let now = Date.parse(start);
  const clock = () => new Date(now);
  return Object.assign(clock, {
    advance(ms: number) {
      now += ms;
    },
  });
}

export interface HoldWorld {
  readonly airlock: TestAirlock;
  readonly upstream: RecordingServer;
  readonly clock: ReturnType<typeof testClock>;
  /** The agent's token (write:production scope: writes pass, deletes are held). */
  readonly token: string;
  /** The upstream's real credential, which only Airlock holds. */
  readonly credential: string;
  /** The local admin, acting as the named operator (`local:NAME`). */
  admin(operator?: string): LocalAdmin;
  /** Enrols an operator and returns a function giving their current code. */
  enrol(name: string): Promise<() => string>;
  /** Sends a request through the HTTP door to the upstream `api`. */
  send(
    method: string,
    path: string,
    options?: { holdId?: string; body?: unknown; token?: string },
  ): Promise<{ status: number; body: DecideAnswer; headers: Headers }>;
  close(): Promise<void>;
}

export async function startHoldWorld(
  options: {
    upstream?: Record<string, unknown>;
    config?: Record<string, unknown>;
    policies?: Record<string, string>;
    airlock?: Omit<TestAirlockOptions, 'config' | 'policies' | 'clock'>;
  } = {},
): Promise<HoldWorld> {
  const upstream = await startRecordingServer();
  const clock = testClock();
  const credential = `sk_${randomBytes(12).toString('hex')}`;
  const variable = `AIRLOCK_TEST_API_${randomBytes(4).toString('hex').toUpperCase()}`;
  process.env[variable] = credential;
  const airlock = await startTestAirlock({
    ...options.airlock,
    clock,
    ...(options.policies ? { policies: options.policies } : {}),
    config: {
      // These tests hold many operations in a row, and allow a new agent's first delete, on purpose.
      baseline: { ignore: ['refusal-burst', 'first-destructive'], suspendOn: [] },
      ...options.config,
      upstreams: [{ name: 'api', kind: 'rest', url: upstream.url, credential: { bearer: { env: variable } }, environment: 'production', ...options.upstream }],
    },
  });
  const token = await airlock.token('deploy-bot', ['write:production'], 30 * 86_400_000);
  const admin = (operator = 'alice') => new LocalAdmin(airlock.airlock.runtime, `local:${operator}`);
  return {
    airlock,
    upstream,
    clock,
    token,
    credential,
    admin,
    async enrol(name) {
      const { secret } = await admin('root').addOperator({ name });
      return () => totpCode(secret, clock());
    },
    async send(method, path, sendOptions = {}) {
      const response = await fetch(`${airlock.url}/u/api${path}`, {
        method,
        headers: {
          authorization: `Bearer ${sendOptions.token ?? token}`,
          ...(sendOptions.holdId ? { 'airlock-hold': sendOptions.holdId } : {}),
          ...(sendOptions.body !== undefined ? { 'content-type': 'application/json' } : {}),
        },
        ...(sendOptions.body !== undefined ? { body: JSON.stringify(sendOptions.body) } : {}),
      });
      const text = await response.text();
      let body: DecideAnswer;
      try {
        body = JSON.parse(text) as DecideAnswer;
      } catch {
        body = { text } as unknown as DecideAnswer;
      }
      return { status: response.status, body, headers: response.headers };
    },
    async close() {
      await airlock.close();
      await upstream.close();
      delete process.env[variable];
    },
  };
}

/** Waits for a condition that another part of Airlock makes true in its own time. */
export async function eventually<T>(check: () => Promise<T | undefined> | T | undefined, what: string, timeoutMs = 10_000): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const value = await check();
    if (value !== undefined && value !== false) return value;
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
}

/**
 * The next audit record this process writes that passes `check`: an event to wait on, with its
 * own deadline. Call it before the action that writes the record.
 */
export function nextRecord(
  audit: { subscribe(listener: (record: AuditRecord) => void): () => void },
  check: (record: AuditRecord) => boolean,
  what: string,
  timeoutMs = 10_000,
): Promise<AuditRecord> {
  return new Promise((resolve, reject) => {
    const timer = setTimeout(() => {
      unsubscribe();
      reject(new Error(`timed out waiting for ${what}`));
    }, timeoutMs);
    const unsubscribe = audit.subscribe((record) => {
      if (!check(record)) return;
      clearTimeout(timer);
      unsubscribe();
      resolve(record);
    });
  });
}
