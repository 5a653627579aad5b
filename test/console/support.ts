/**
 * A real Airlock for console tests, with a clock the test can move (session expiry, fresh
 * second-factor codes) and operators enrolled the way `airlock operator add` enrols them.
 */
import { LocalAdmin } from '../../src/admin/local-admin.js';
import { setOperatorPassword } from '../../src/identity/operators.js';
import { TOTP_PERIOD_SECONDS, totpCode } from '../../src/identity/totp.js';
import { operatorContext } from '../../src/console/auth/sign-in.js';
import { spawn } from 'node:child_process';
import { AIRLOCK_BIN, ROOT, startTestAirlock, type TestAirlock, type TestAirlockOptions } from '../support/airlock.js';

export interface ConsoleAirlock extends TestAirlock {
  /** Moves Airlock's clock forward. */
  advance(ms: number): void;
  now(): Date;
  /** Enrols an operator with a TOTP secret and a console password. */
  operator(name: string, password?: string): Promise<TestOperator>;
}

export interface TestOperator {
  readonly name: string;
  readonly password: string;
  readonly secret: string;
  /** A code this operator has not used yet (each is accepted once), moving the clock on when needed. */
  code(): string;
}

export const PASSWORD = 'correct horse battery staple';

export async function startConsoleAirlock(options: TestAirlockOptions = {}): Promise<ConsoleAirlock> {
  let offset = 0;
  const now = () => new Date(Date.now() + offset);
  const airlock = await startTestAirlock({ ...options, clock: now });
  const runtime = airlock.airlock.runtime;
  const stepOf = (at: Date) => Math.floor(at.getTime() / 1000 / TOTP_PERIOD_SECONDS);
  return {
    ...airlock,
    advance(ms) {
      offset += ms;
    },
    now,
    async operator(name, password = PASSWORD) {
      const enrolment = await new LocalAdmin(runtime, 'local:test').addOperator({ name });
      await setOperatorPassword(operatorContext(runtime), name, password);
      // Codes are accepted one step either side of now, each once. Use this step's and the next
      // (both still valid if the real clock ticks into a new step meanwhile), then move on.
      let next = stepOf(now());
      return {
        name,
        password,
        secret: enrolment.secret,
        code() {
          if (next < stepOf(now())) next = stepOf(now());
          if (next > stepOf(now()) + 1) offset += TOTP_PERIOD_SECONDS * 1000;
          const step = next++;
          return totpCode(enrolment.secret, new Date(step * TOTP_PERIOD_SECONDS * 1000 + 1000));
        },
      };
    },
  };
}

/** A signed-in browser's credentials, as the admin API sees them. */
export interface SignedIn {
  readonly cookie: string;
  readonly csrf: string;
}

export async function signIn(url: string, operator: TestOperator): Promise<SignedIn> {
  const response = await fetch(`${url}/v1/admin/session`, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify({ operator: operator.name, password: operator.password, code: operator.code() }),
  });
  if (response.status !== 200) throw new Error(`sign-in failed: ${response.status} ${await response.text()}`);
  const cookie = response.headers.getSetCookie().find((c) => c.startsWith('airlock_session='))!;
  const { csrf } = (await response.json()) as { csrf: string };
  return { cookie: cookie.split(';')[0]!, csrf };
}

/**
 * Runs the built `airlock` CLI without blocking this process: needed when the CLI talks to the
 * Airlock this test process is running (AIRLOCK_URL), which a synchronous spawn would starve.
 */
export function runCliAsync(args: readonly string[], env: NodeJS.ProcessEnv = {}): Promise<{ status: number | null; stdout: string; stderr: string }> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, [AIRLOCK_BIN, ...args], {
      cwd: ROOT,
      env: { ...process.env, AIRLOCK_LOG_LEVEL: 'warn', ...env },
      stdio: ['ignore', 'pipe', 'pipe'],
      timeout: 60_000,
    });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (chunk: Buffer) => (stdout += chunk.toString()));
    child.stderr.on('data', (chunk: Buffer) => (stderr += chunk.toString()));
    child.once('error', reject);
    child.once('close', (status) => resolve({ status, stdout, stderr }));
  });
}
