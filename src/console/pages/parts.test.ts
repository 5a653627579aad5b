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
