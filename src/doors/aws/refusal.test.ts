import { describe, expect, it } from 'vitest';
import { awsRefusal } from './refusal.js';

const HELD = {
  kind: 'hold',
  holdId: 'hold_abc',
  needs: { approvals: 1, secondFactor: true, delaySeconds: 0 },
  expiresAt: '2026-06-01T11:00:00Z',
  reasons: ['DeleteBucket deletes'],
  policies: ['airlock/default'],
} as const;

describe("refusals in AWS's own error forms", () => {
  it.each([
    ['rest-xml', /^<\?xml[\s\S]*<Error><Code>AccessDenied<\/Code><Message>Airlock is holding this operation[^<]*hold_abc[^<]*<\/Message><RequestId>/],
    ['query', /<ErrorResponse><Error><Type>Sender<\/Type><Code>AccessDenied<\/Code><Message>[^<]*Stop\.[^<]*<\/Message><\/Error><RequestId>/],
    ['ec2', /<Response><Errors><Error><Code>AccessDenied<\/Code><Message>[^<]*<\/Message><\/Error><\/Errors><RequestID>/],
  ] as const)('answers %s in XML', (protocol, shape) => {
    const refusal = awsRefusal(protocol, HELD);
    expect(refusal.status).toBe(403);
    expect(refusal.headers).toMatchObject({ 'content-type': 'application/xml', 'airlock-hold': 'hold_abc', 'airlock-verdict': 'hold' });
    expect(refusal.body).toMatch(shape);
  });

  it('answers the JSON protocols with __type and x-amzn-ErrorType', () => {
    const refusal = awsRefusal('json', HELD);
    expect(refusal.headers['x-amzn-errortype']).toBe('AccessDenied');
    expect(JSON.parse(refusal.body)).toMatchObject({ __type: 'AccessDenied', message: expect.stringContaining('run exactly the same command again') });
  });

  it('escapes what it quotes into XML, and answers 400 for a request it could not read', () => {
    const refusal = awsRefusal(
      'rest-xml',
      { kind: 'deny', code: 'bad_request', reasons: ['no <Key> & no "Bucket"'], policies: ['airlock/aws'] },
      undefined,
      'InvalidAction',
    );
    expect(refusal.status).toBe(400);
    expect(refusal.body).toContain('<Code>InvalidAction</Code>');
    expect(refusal.body).toContain('no &lt;Key&gt; &amp; no &quot;Bucket&quot;');
  });
});
