import { Readable } from 'node:stream';
import { describe, expect, it } from 'vitest';
import { Redactor } from './redact.js';

async function through(redactor: Redactor, chunks: string[]): Promise<string> {
  const out: Buffer[] = [];
  for await (const chunk of Readable.from(chunks.map((c) => Buffer.from(c))).pipe(redactor.stream())) out.push(chunk as Buffer);
  return Buffer.concat(out).toString();
}

describe('Redactor', () => {
  const secret = 'rw_0123456789abcdef';
  const redactor = new Redactor([secret]);

  it('masks the secret in a buffer, keeping its length', () => {
    const text = `{"authorization":"Bearer ${secret}"}`;
    const masked = redactor.maskString(text);
    expect(masked).not.toContain(secret);
    expect(masked).toHaveLength(text.length);
    expect(masked).toContain('*'.repeat(secret.length));
  });

  it.each([1, 2, 3, 5, 7, 11])('masks the secret split across stream chunks of %i bytes', async (size) => {
    const text = `start ${secret} middle ${secret}${secret} end`;
    const chunks: string[] = [];
    for (let i = 0; i < text.length; i += size) chunks.push(text.slice(i, i + size));
    const masked = await through(redactor, chunks);
    expect(masked).toHaveLength(text.length);
    expect(masked).not.toContain(secret);
    expect(masked.startsWith('start ')).toBe(true);
    expect(masked.endsWith(' end')).toBe(true);
  });

  it('masks the URL-encoded and JSON-escaped forms too', () => {
    const odd = new Redactor(['p@ss/"word"']);
    expect(odd.maskString(`a=${encodeURIComponent('p@ss/"word"')}`)).not.toContain(encodeURIComponent('p@ss/"word"'));
    expect(odd.maskString(JSON.stringify({ v: 'p@ss/"word"' }))).not.toContain('p@ss/\\"word\\"');
  });

  it('masks the secret in text that is not ASCII, and a secret that is not ASCII', () => {
    expect(redactor.maskString(`é ${secret} ü`)).toBe(`é ${'*'.repeat(secret.length)} ü`);
    const accented = new Redactor(['pässwörd']);
    expect(accented.maskString('x pässwörd y')).toBe(`x ${'*'.repeat(Buffer.byteLength('pässwörd'))} y`);
    expect(accented.maskString('x password y')).toBe('x password y');
  });

  it('returns a header value without the secret as it was', () => {
    const value = 'application/json; charset=utf-8';
    expect(redactor.maskString(value)).toBe(value);
    expect(redactor.maskString(`Bearer ${secret}`)).toBe(`Bearer ${'*'.repeat(secret.length)}`);
  });

  it('passes text without the secret through unchanged', async () => {
    expect(await through(redactor, ['hello ', 'world'])).toBe('hello world');
  });
});
