import { randomBytes, scrypt as scryptCallback, timingSafeEqual, type ScryptOptions } from 'node:crypto';
import type { AuditLog } from '../audit/log.js';
import type { OperatorRecord } from '../store/records.js';
import { StoreConflictError, type Store } from '../store/store.js';
import { loadSecretKey, type SecretKey } from './secret-box.js';
import { newTotpSecret, oldestLiveStep, totpStep, totpUri } from './totp.js';

/**
 * Operators are the humans who approve holds. Each is enrolled with a TOTP second factor whose
 * secret is sealed with Airlock's secret key (identity/secret-box.ts) and shown only once, at
 * enrolment. A code is accepted once (RFC 6238 §5.2); wrong codes are counted, and after
 * MAX_FAILURES within FAILURE_WINDOW_MS the operator's codes are refused until the window passes.
 */
export interface OperatorContext {
  readonly store: Store;
  readonly audit: AuditLog;
  readonly clock: () => Date;
  readonly config: { readonly dataDir: string };
  /** Told about a generated secret key (see secret-box.ts). */
  readonly warn?: (message: string) => void;
  /** The request being handled (the console's, the admin API's), named in the records written for it. */
  readonly requestId?: string | undefined;
}

export const OPERATOR_NAME = /^[a-z0-9][a-z0-9._@-]{0,63}$/;
export const MAX_FAILURES = 5;
export const FAILURE_WINDOW_MS = 15 * 60_000;

export class OperatorError extends Error {
  override readonly name = 'OperatorError';
  constructor(
    readonly code: 'invalid' | 'not_found' | 'conflict',
    message: string,
  ) {
    super(message);
  }
}

export interface OperatorView {
  readonly name: string;
  readonly createdAt: string;
  readonly hasPassword: boolean;
  readonly lastApprovalAt: string | undefined;
}

export interface Enrolment {
  readonly operator: OperatorView;
  /** Base32 secret, for typing into an authenticator by hand. Shown once, never stored in clear. */
  readonly secret: string;
  /** The `otpauth://` URI an authenticator app scans (as a QR code). */
  readonly uri: string;
}

export function operatorView(record: OperatorRecord): OperatorView {
  return { name: record.name, createdAt: record.createdAt, hasPassword: record.passwordHash !== undefined, lastApprovalAt: record.lastApprovalAt };
}

function secretKey(context: OperatorContext): SecretKey {
  return loadSecretKey(context.config.dataDir, context.warn ? { warn: context.warn } : {});
}

/** Enrols an operator with a fresh TOTP secret. Audited by the caller (it knows who acted). */
export async function enrolOperator(context: OperatorContext, name: string): Promise<Enrolment> {
  if (!OPERATOR_NAME.test(name)) {
    throw new OperatorError('invalid', 'operator names use lower-case letters, digits, ".", "_", "@" and "-" (e.g. alice or alice@example.com)');
  }
  const secret = newTotpSecret();
  const record: OperatorRecord = {
    name,
    createdAt: context.clock().toISOString(),
    totpSecretSealed: secretKey(context).seal(secret, `operator:${name}`),
    passwordHash: undefined,
    lastApprovalAt: undefined,
  };
  try {
    await context.store.operators.add(record);
  } catch (error) {
    if (error instanceof StoreConflictError) throw new OperatorError('conflict', error.message);
    throw error;
  }
  return { operator: operatorView(record), secret, uri: totpUri(name, secret) };
}

export type SecondFactorCheck =
  | { readonly ok: true; readonly step: number }
  | {
      readonly ok: false;
      /** Why, in words for the operator. */
      readonly reason: string;
      readonly problem: 'unknown_operator' | 'missing' | 'wrong' | 'replayed' | 'locked';
      /** When codes are accepted again, for `locked`. */
      readonly retryAt?: string;
    };

/**
 * Checks an operator's second-factor code and uses it up. Every refusal is recorded in the audit
 * log (`operator.code_rejected`) with what it was for (`purpose`: `approve`, `sign-in`, …).
 */
export async function checkSecondFactor(
  context: OperatorContext,
  request: { operator: string; code: string | undefined; purpose: string; holdId?: string },
): Promise<SecondFactorCheck> {
  const now = context.clock();
  const subject = `second-factor:${request.operator}`;
  const refuse = async (problem: Exclude<SecondFactorCheck, { ok: true }>['problem'], reason: string, extra: { retryAt?: string; count?: boolean } = {}) => {
    if (extra.count !== false) await context.store.failedAttempts.record(subject, now.toISOString(), problem);
    await context.audit.append({
      type: 'operator.code_rejected',
      operator: request.operator,
      ...(request.holdId ? { holdId: request.holdId } : {}),
      reasons: [reason],
      detail: { purpose: request.purpose, problem },
      ...(context.requestId ? { requestId: context.requestId } : {}),
    });
    return { ok: false as const, problem, reason, ...(extra.retryAt ? { retryAt: extra.retryAt } : {}) };
  };

  const since = new Date(now.getTime() - FAILURE_WINDOW_MS).toISOString();
  const failures = await context.store.failedAttempts.since(subject, since);
  if (failures.count >= MAX_FAILURES) {
    const retryAt = new Date(Date.parse(failures.oldest!) + FAILURE_WINDOW_MS).toISOString();
    // Not counted: a locked-out operator's attempts must not keep them locked out for ever.
    return refuse(
      'locked',
      `too many wrong codes for ${request.operator} (${failures.count} in ${FAILURE_WINDOW_MS / 60_000} minutes); codes are refused until ${retryAt}`,
      {
        retryAt,
        count: false,
      },
    );
  }
  const operator = await context.store.operators.get(request.operator);
  if (!operator)
    return refuse('unknown_operator', `no operator named "${request.operator}" is enrolled (enrol with: airlock operator add ${request.operator})`);
  if (!request.code) return refuse('missing', `a current second-factor code of ${request.operator} is needed`, { count: false });
  const secret = secretKey(context).open(operator.totpSecretSealed, `operator:${operator.name}`);
  const step = totpStep(secret, request.code, now);
  if (step === undefined) return refuse('wrong', `the code is not a current code of ${request.operator}`);
  if (!(await context.store.operators.useCode(operator.name, step, now.toISOString()))) {
    return refuse('replayed', `that code of ${request.operator} was already used; wait for the next one`);
  }
  await context.store.operators.pruneCodes(oldestLiveStep(now) - 1);
  return { ok: true, step };
}

const SCRYPT = { N: 32768, r: 8, p: 1, maxmem: 64 * 1024 * 1024 } as const;

function scrypt(password: string, salt: Buffer, length: number, options: ScryptOptions): Promise<Buffer> {
  return new Promise((resolve, reject) => scryptCallback(password, salt, length, options, (error, key) => (error ? reject(error) : resolve(key))));
}

/** `scrypt$N$r$p$salt$hash`, all base64; for console sign-in. */
export async function hashPassword(password: string): Promise<string> {
  const salt = randomBytes(16);
  const hash = await scrypt(password, salt, 32, SCRYPT);
  return ['scrypt', SCRYPT.N, SCRYPT.r, SCRYPT.p, salt.toString('base64'), hash.toString('base64')].join('$');
}

export async function passwordMatches(password: string, stored: string | undefined): Promise<boolean> {
  const [scheme, n, r, p, salt, hash] = (stored ?? 'scrypt$32768$8$1$AAAAAAAAAAAAAAAAAAAAAA==$').split('$');
  if (scheme !== 'scrypt' || !salt || hash === undefined) return false;
  const expected = Buffer.from(hash, 'base64');
  // Computed even for an unknown operator, so that timing does not tell who exists.
  const actual = await scrypt(password, Buffer.from(salt, 'base64'), 32, { N: Number(n), r: Number(r), p: Number(p), maxmem: SCRYPT.maxmem });
  return expected.length === actual.length && timingSafeEqual(expected, actual) && stored !== undefined;
}

export async function setOperatorPassword(context: OperatorContext, name: string, password: string | undefined): Promise<void> {
  if (password !== undefined && password.length < 12) throw new OperatorError('invalid', 'a console password needs at least 12 characters');
  const hash = password === undefined ? undefined : await hashPassword(password);
  if (!(await context.store.operators.setPasswordHash(name, hash))) {
    throw new OperatorError('not_found', `no operator named "${name}" is enrolled (see: airlock operator list)`);
  }
}

/** Whether the password is this operator's console password (false for unknown operators). */
export async function checkOperatorPassword(context: OperatorContext, name: string, password: string): Promise<boolean> {
  const operator = await context.store.operators.get(name);
  return passwordMatches(password, operator?.passwordHash);
}
