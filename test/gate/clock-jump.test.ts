/**
 * The system clock jumping, through the decision API of a real Airlock: forwards past a token's
 * expiry, the token is refused (and the refusal recorded); stepped back a day, the expired token
 * stays expired, because Airlock's clock does not go back; the audit log verifies throughout.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { recordAttack } from '../support/attacks.js';
import { startTestAirlock, type TestAirlock } from '../support/airlock.js';

let wall = Date.parse('2026-12-01T10:00:00Z');
let airlock: TestAirlock;
let token: string;

beforeAll(async () => {
  airlock = await startTestAirlock({
    clock: () => new Date(wall),
    config: {
      baseline: { ignore: ['first-environment', 'first-upstream', 'unusual-hour', 'refusal-burst'], suspendOn: [] },
      upstreams: [{ name: 'api', kind: 'rest', url: 'http://127.0.0.1:9/', environment: 'staging' }],
    },
  });
  token = await airlock.token('deploy-bot', ['write:staging'], 3_600_000);
});
afterAll(() => airlock.close());

async function decide(): Promise<{ status: number; verdict: string; reasons: string[] }> {
  const response = await fetch(`${airlock.url}/v1/decide`, {
    method: 'POST',
    headers: { 'content-type': 'application/json', authorization: `Bearer ${token}` },
    body: JSON.stringify({ operation: { action: 'http:POST', class: 'write', upstream: 'api', resources: ['/jobs'] } }),
  });
  return { status: response.status, ...((await response.json()) as { verdict: string; reasons: string[] }) };
}

const lastDecision = async () => (await airlock.airlock.runtime.store.audit.list({ type: 'decision', newestFirst: true, limit: 1 }))[0]!;

describe('when the clock jumps', () => {
  it('allows the token while it is valid', async () => {
    expect((await decide()).verdict).toBe('allow');
  });

  it('refuses it once a jump forward passes its expiry, saying so, and records the refusal', async () => {
    wall += 2 * 3_600_000;
    const answer = await decide();
    expect(answer.verdict).toBe('deny');
    expect(answer.reasons.join(' ')).toMatch(/expired/);
    expect(await lastDecision()).toMatchObject({ verdict: 'deny', code: 'unauthenticated', at: '2026-12-01T12:00:00.000Z' });
  });

  it('keeps it expired when the clock is stepped back a day, and records that refusal at the latest time seen', async () => {
    wall -= 86_400_000;
    const answer = await decide();
    expect(answer.verdict).toBe('deny');
    expect(answer.reasons.join(' ')).toMatch(/expired/);
    expect((await lastDecision()).at).toBe('2026-12-01T12:00:00.000Z');
    recordAttack({
      door: 'gate',
      category: 'faults',
      attack: 'the system clock stepped back a day, after a token expired',
      outcome: 'refused',
      effect: 'the token stays expired; the refusal is recorded',
    });
  });

  it('leaves an audit log that verifies', () => {
    const run = airlock.cli(['audit', 'verify']);
    expect(run.status, run.stderr).toBe(0);
  });
});
