import { describe, expect, it } from 'vitest';
import { chainEntries, GENESIS, recordBody, verifyChain } from './chain.js';

const entry = {
  type: 'decision',
  agent: 'deploy-bot',
  token: 'tok1',
  door: 'postgres' as const,
  action: 'sql:SelectStmt',
  class: 'read' as const,
  resources: ['accounts'],
  parts: [{ action: 'sql:SelectStmt', class: 'read' as const, resources: ['accounts'] }],
  verdict: 'allow' as const,
  reasons: ['scope read:* covers it'],
  policies: ['airlock/scope'],
  requestId: 'req_1',
  detail: { signals: ['rate: 3 a second'] },
  at: '2026-12-01T00:00:00.000Z',
};

describe('chaining audit entries', () => {
  it('stores as each body the canonical JSON of the record without its hash, as an outside verifier recomputes it', () => {
    const chained = chainEntries([entry, { ...entry, requestId: undefined, verdict: 'deny', code: 'scope' }], { seq: 0, hash: GENESIS });
    for (const { record, body } of chained) {
      const { hash: _, ...unhashed } = record;
      expect(body).toBe(recordBody(unhashed));
    }
    expect(verifyChain(chained.map(({ record, body }) => ({ seq: record.seq, body, hash: record.hash })))).toMatchObject({ ok: true, count: 2 });
  });
});
