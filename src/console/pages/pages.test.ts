import { describe, expect, it } from 'vitest';
import { environmentTone } from './parts.js';

describe('environmentTone', () => {
  it.each([
    ['production', 'production'],
    ['Production', 'production'],
    ['eu-prod', 'production'],
    ['prd_2', 'production'],
    ['live', 'production'],
    ['staging', 'staging'],
    ['stg-eu', 'staging'],
    ['qa', 'staging'],
    ['dev', 'relaxed'],
    ['preview-42', 'relaxed'],
    ['eu-west', 'other'],
    ['products', 'other'],
  ])('gives %s the %s tone', (environment, tone) => {
    expect(environmentTone(environment)).toBe(tone);
  });
});

describe('readableRequest', () => {
  it('shows a base64 body that is text as text', async () => {
    const { readableRequest } = await import('./holds.js');
    const shown = readableRequest({ door: 'http', method: 'POST', body: Buffer.from('{"query":"mutation { volumeDelete }"}').toString('base64') });
    expect(shown).toContain('"method": "POST"');
    expect(shown).toContain('body (37 bytes):\n{"query":"mutation { volumeDelete }"}');
  });

  it('leaves a binary body as it is stored', async () => {
    const { readableRequest } = await import('./holds.js');
    const body = Buffer.from([0, 1, 2, 255]).toString('base64');
    expect(readableRequest({ body })).toContain(body);
  });
});
