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

describe('auditRow', () => {
  const record = {
    seq: 42,
    at: '2026-11-30T10:00:00.000Z',
    prev: 'x',
    hash: 'y',
    type: 'decision',
    agent: 'deploy-bot',
    action: 'sql:DropStmt',
    class: 'destructive' as const,
    environment: 'production',
    verdict: 'hold' as const,
    reasons: ['<script>alert(1)</script>'],
  };

  it('shows the anomaly signals a record carries, explained when it can', async () => {
    const { auditRow } = await import('./audit.js');
    const named = String(await auditRow({ ...record, signals: ['new-hour'] }));
    expect(named).toContain('⚑ new-hour');
    const explained = String(await auditRow({ ...record, signals: ['new-hour'], detail: { signals: ['new-hour: first request at 03:00 UTC'] } }));
    expect(explained).toContain('⚑ new-hour: first request at 03:00 UTC');
    expect(String(await auditRow(record))).not.toContain('⚑');
  });

  it('escapes what it shows', async () => {
    const { auditRow } = await import('./audit.js');
    const row = String(await auditRow(record));
    expect(row).not.toContain('<script>');
    expect(row).toContain('&lt;script&gt;');
  });
});
