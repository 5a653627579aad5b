import { describe, expect, it } from 'vitest';
import { loginReadingProblem, readingIndependent, readingProblem } from './reading.js';

describe('the reading of SQL the server reports', () => {
  it('accepts UTF8 and standard_conforming_strings on, in any spelling PostgreSQL reports', () => {
    expect(readingProblem('client_encoding', 'UTF8')).toBeUndefined();
    expect(readingProblem('standard_conforming_strings', 'on')).toBeUndefined();
    expect(readingProblem('TimeZone', 'Europe/Paris')).toBeUndefined();
  });

  it('names the problem for another encoding or backslash escapes in plain strings', () => {
    expect(readingProblem('client_encoding', 'SJIS')).toMatch(/client_encoding SJIS, which Airlock does not parse with/);
    expect(readingProblem('standard_conforming_strings', 'off')).toMatch(/standard_conforming_strings off/);
  });

  it('counts a reading the server did not report at login as wrong', () => {
    expect(loginReadingProblem(new Map([['client_encoding', 'UTF8']]))).toMatch(/did not report standard_conforming_strings/);
    expect(
      loginReadingProblem(
        new Map([
          ['client_encoding', 'UTF8'],
          ['standard_conforming_strings', 'on'],
        ]),
      ),
    ).toBeUndefined();
  });

  it('knows which texts read the same under every reading', () => {
    expect(readingIndependent('SELECT 1; DELETE FROM t WHERE id = 5')).toBe(true);
    expect(readingIndependent("SELECT 'a\\'")).toBe(false);
    expect(readingIndependent("SELECT 'é'")).toBe(false);
  });
});
