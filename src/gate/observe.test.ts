import { describe, expect, it } from 'vitest';
import type { Decision } from '../core/verdict.js';
import type { AgentRecord } from '../store/records.js';
import { observe } from './observe.js';

const now = new Date('2026-12-01T12:00:00Z');
const agent = (fields: Partial<AgentRecord> = {}): AgentRecord => ({
  name: 'deploy-bot',
  state: 'active',
  stateReason: undefined,
  description: undefined,
  createdAt: '2026-11-01T00:00:00Z',
  observeUntil: '2026-12-08T12:00:00Z',
  ...fields,
});
const hold: Decision = {
  kind: 'hold',
  needs: { approvals: 1, secondFactor: true, delaySeconds: 0 },
  reasons: ['graphql:volumeDelete is a destructive operation'],
  policies: ['airlock/human-approval'],
};
const deny = (code: Extract<Decision, { kind: 'deny' }>['code'], policies = ['airlock/out-of-scope']): Decision => ({
  kind: 'deny',
  code,
  reasons: ['no'],
  policies,
});

describe('observe mode', () => {
  it('forwards what would be held, saying so and keeping the policies that would have held it', () => {
    const observed = observe(hold, agent(), undefined, now)!;
    expect(observed.decision.kind).toBe('allow');
    expect(observed.decision.reasons[0]).toMatch(
      /^observe mode until 2026-12-08T12:00:00Z: forwarded, but would have been held for a human: graphql:volumeDelete/,
    );
    expect(observed.decision.policies).toEqual(['airlock/human-approval', 'airlock/observe']);
    expect(observed.would).toEqual({ verdict: 'hold', until: '2026-12-08T12:00:00Z' });
  });

  it('forwards what a scope or a policy would refuse', () => {
    expect(observe(deny('forbidden'), agent(), undefined, now)?.would).toMatchObject({ verdict: 'deny', code: 'forbidden' });
    expect(observe(deny('budget', ['airlock/budget']), agent(), undefined, now)?.would.code).toBe('budget');
  });

  it.each([
    ['a bad token', deny('unauthenticated', ['airlock/authentication'])],
    ['the emergency stop', deny('stopped', ['airlock/emergency-stop'])],
    ['a freeze', deny('frozen', ['airlock/freeze'])],
    ['a hold id that does not match', deny('hold_invalid', ['airlock/hold'])],
    ['a request Airlock could not record', deny('unavailable', ['airlock/audit'])],
  ])('never lifts %s', (_name, decision) => {
    expect(observe(decision, agent(), undefined, now)).toBeUndefined();
  });

  it('never applies to a stopped or suspended agent', () => {
    expect(observe(hold, agent({ state: 'stopped' }), undefined, now)).toBeUndefined();
    expect(observe(hold, agent({ state: 'suspended' }), undefined, now)).toBeUndefined();
  });

  it('ends when its time is up, for the agent and for the upstream', () => {
    expect(observe(hold, agent({ observeUntil: '2026-12-01T11:59:59Z' }), undefined, now)).toBeUndefined();
    expect(observe(hold, agent({ observeUntil: undefined }), '2026-12-01T11:00:00Z', now)).toBeUndefined();
  });

  it('applies when only the upstream is observed', () => {
    expect(observe(hold, agent({ observeUntil: undefined }), '2026-12-02T00:00:00Z', now)?.would.until).toBe('2026-12-02T00:00:00Z');
  });
});
