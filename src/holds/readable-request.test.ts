import { describe, expect, it } from 'vitest';
import { readableRequest } from './readable-request.js';

const base64 = (text: string | Buffer) => Buffer.from(text).toString('base64');

describe('readableRequest', () => {
  it('shows a base64 body that is text as text', () => {
    const shown = readableRequest({ door: 'http', method: 'POST', body: base64('{"query":"mutation { volumeDelete }"}') });
    expect(shown).toContain('"method": "POST"');
    expect(shown).toContain('body (37 bytes):\n{"query":"mutation { volumeDelete }"}');
    expect(shown).not.toContain(base64('{"query"'));
  });

  it('leaves a binary body as it is stored', () => {
    const body = base64(Buffer.from([0, 1, 2, 255]));
    expect(readableRequest({ body })).toContain(body);
  });

  it('says when a body is empty', () => {
    expect(readableRequest({ door: 'http', method: 'DELETE', body: '' })).toContain('body: (empty)');
  });

  it('shows text parameters of a PostgreSQL statement as text, and binary ones as stored', () => {
    const binary = base64(Buffer.from([0, 0, 0, 42]));
    const shown = readableRequest({
      door: 'postgres',
      sql: 'DELETE FROM users WHERE email = $1 AND id = $2',
      parameters: [{ format: 0, value: base64('ana@example.com') }, { format: 1, value: binary }, null],
    });
    expect(shown).toContain('"value": "ana@example.com"');
    expect(shown).toContain(`"value": "${binary}"`);
  });
});
