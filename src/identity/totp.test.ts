import { describe, expect, it } from 'vitest';
import { newTotpSecret, totpCode, totpStep, totpUri } from './totp.js';

// RFC 6238 appendix B: the SHA-1 secret "12345678901234567890", as base32.
const RFC_SECRET = 'GEZDGNBVGY3TQOJQGEZDGNBVGY3TQOJQ';

describe('TOTP', () => {
  it('computes the RFC 6238 test vectors (six-digit form)', () => {
    expect(totpCode(RFC_SECRET, new Date(59_000))).toBe('287082');
    expect(totpCode(RFC_SECRET, new Date(1_111_111_109_000))).toBe('081804');
    expect(totpCode(RFC_SECRET, new Date(2_000_000_000_000))).toBe('279037');
  });

  it('accepts the current code and one step either side, and names the step it belongs to', () => {
    const at = new Date(1_111_111_109_000);
    const step = Math.floor(at.getTime() / 30_000);
    expect(totpStep(RFC_SECRET, totpCode(RFC_SECRET, at), at)).toBe(step);
    expect(totpStep(RFC_SECRET, totpCode(RFC_SECRET, new Date(at.getTime() - 30_000)), at)).toBe(step - 1);
    expect(totpStep(RFC_SECRET, totpCode(RFC_SECRET, new Date(at.getTime() + 30_000)), at)).toBe(step + 1);
  });

  it('refuses a code from two minutes ago, and anything that is not six digits', () => {
    const at = new Date(1_111_111_109_000);
    expect(totpStep(RFC_SECRET, totpCode(RFC_SECRET, new Date(at.getTime() - 120_000)), at)).toBeUndefined();
    expect(totpStep(RFC_SECRET, '12345', at)).toBeUndefined();
    expect(totpStep(RFC_SECRET, 'abcdef', at)).toBeUndefined();
  });

  it('reads a code typed with a space in the middle', () => {
    const at = new Date(59_000);
    expect(totpStep(RFC_SECRET, '287 082', at)).toBeDefined();
  });

  it('makes an otpauth:// URI that authenticator apps enrol from', () => {
    const secret = newTotpSecret();
    const uri = new URL(totpUri('alice', secret));
    expect(uri.protocol).toBe('otpauth:');
    expect(uri.host).toBe('totp');
    expect(decodeURIComponent(uri.pathname)).toBe('/Airlock:alice');
    expect(uri.searchParams.get('secret')).toBe(secret);
    expect(uri.searchParams.get('issuer')).toBe('Airlock');
    expect(uri.searchParams.get('period')).toBe('30');
  });
});
