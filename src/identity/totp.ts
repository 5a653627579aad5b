import { Secret, TOTP } from 'otpauth';

/**
 * Time-based one-time passwords (RFC 6238) as every authenticator app reads them: SHA-1, six
 * digits, a 30-second step. A code is accepted one step either side of now, for clock drift.
 */
export const TOTP_PERIOD_SECONDS = 30;
const WINDOW = 1;

export function newTotpSecret(): string {
  return new Secret({ size: 20 }).base32;
}

/** The `otpauth://` URI an authenticator app enrols from (what the QR code holds). */
export function totpUri(account: string, secretBase32: string, issuer = 'Airlock'): string {
  return new TOTP({ issuer, label: account, secret: Secret.fromBase32(secretBase32), period: TOTP_PERIOD_SECONDS }).toString();
}

/** The time step a code belongs to at `at`, or undefined when it is not a current code. */
export function totpStep(secretBase32: string, code: string, at: Date): number | undefined {
  const token = code.replace(/\s+/g, '');
  if (!/^\d{6}$/.test(token)) return undefined;
  const timestamp = at.getTime();
  const delta = TOTP.validate({ token, secret: Secret.fromBase32(secretBase32), period: TOTP_PERIOD_SECONDS, timestamp, window: WINDOW });
  if (delta === null) return undefined;
  return Math.floor(timestamp / 1000 / TOTP_PERIOD_SECONDS) + delta;
}

/** The current code for a secret; for tests and for `airlock operator add --verify`. */
export function totpCode(secretBase32: string, at: Date): string {
  return TOTP.generate({ secret: Secret.fromBase32(secretBase32), period: TOTP_PERIOD_SECONDS, timestamp: at.getTime() });
}

/** The oldest step that can still validate at `at`; used steps before it can be forgotten. */
export function oldestLiveStep(at: Date): number {
  return Math.floor(at.getTime() / 1000 / TOTP_PERIOD_SECONDS) - WINDOW;
}
