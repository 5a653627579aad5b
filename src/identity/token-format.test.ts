import { describe, expect, it } from 'vitest';
import { generateToken, hashToken, parseToken, TOKEN_LENGTH, TOKEN_PATTERN, tokenMatchesHash } from './token-format.js';

describe('agent tokens', () => {
  it('start with alk_ and carry a checksum that scanners can check', () => {
    const { token, id } = generateToken();
    expect(token).toMatch(/^alk_[0-9A-Za-z]{50}$/);
    expect(token).toHaveLength(TOKEN_LENGTH);
    expect(parseToken(token)).toEqual({ ok: true, id });
    expect(token.match(TOKEN_PATTERN)).toEqual([token]);
  });

  it('are all different', () => {
    const tokens = new Set(Array.from({ length: 1000 }, () => generateToken().token));
    expect(tokens.size).toBe(1000);
  });

  it('reject a one-character typo without a store look-up', () => {
    const { token } = generateToken();
    for (const at of [4, 20, 40, TOKEN_LENGTH - 1]) {
      const typo = token.slice(0, at) + (token[at] === 'x' ? 'y' : 'x') + token.slice(at + 1);
      const parsed = parseToken(typo);
      expect(parsed.ok).toBe(false);
    }
  });

  it('say what is wrong with something that is not a token', () => {
    expect(parseToken('ghp_abc')).toMatchObject({ ok: false, problem: expect.stringContaining('start with alk_') });
    expect(parseToken('alk_short')).toMatchObject({ ok: false, problem: expect.stringContaining('wrong length') });
    expect(parseToken(`alk_${'!'.repeat(50)}`)).toMatchObject({ ok: false, problem: expect.stringContaining('characters') });
  });

  it('are stored as a hash and compared against it', () => {
    const { token, hash } = generateToken();
    expect(hash).toBe(hashToken(token));
    expect(hash).not.toContain(token.slice(4));
    expect(tokenMatchesHash(token, hash)).toBe(true);
    expect(tokenMatchesHash(generateToken().token, hash)).toBe(false);
  });
});
