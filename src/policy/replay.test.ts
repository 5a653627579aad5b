import { describe, expect, it } from 'vitest';
import type { AuditRecord } from '../store/records.js';
import { BUILTIN_POLICIES } from './builtin-policies.js';
import { PolicyEngine } from './engine.js';
import { replayDecision, summarise, whyNotReplayed } from './replay.js';
import { parseScope } from './scopes.js';

const builtinOnly = PolicyEngine.fromSources([{ file: 'built-in', text: BUILTIN_POLICIES }]);
const stagingDestructive = PolicyEngine.fromSources([
  { file: 'built-in', text: BUILTIN_POLICIES },
  {
    file: 'new.cedar',
    text: `@id("staging-destructive-allowed")
permit (principal, action == Airlock::Action::"destructive", resource) when { resource.environment == "staging" };
@id("no-writes-to-billing")
forbid (principal, action == Airlock::Action::"write", resource == Airlock::Upstream::"billing");`,
  },
]);

let seq = 0;
function decision(fields: Partial<AuditRecord>): AuditRecord {
  seq++;
  return {
    seq,
    at: '2026-11-30T10:00:00.000Z',
    prev: '',
    hash: '',
    type: 'decision',
    agent: 'deploy-bot',
    token: 'tok_1',
    door: 'http',
    upstream: 'railway',
    action: 'graphql:volumeDelete',
    class: 'destructive',
    environment: 'staging',
    resources: ['vol_1'],
    parts: [],
    verdict: 'hold',
    policies: ['airlock/human-approval'],
    ...fields,
  };
}

const context = (engine: PolicyEngine, scopes = ['destructive:staging', 'write:*']) => ({
  engine,
  scopesOf: (id: string) => (id === 'tok_1' ? scopes.map(parseScope) : undefined),
  strengthOf: () => 3,
});

describe('replaying recorded decisions against other policies', () => {
  it('says a held destructive call in staging would be allowed by a policy that permits it', () => {
    const replayed = replayDecision(decision({}), context(stagingDestructive))!;
    expect(replayed.was).toEqual({ verdict: 'hold' });
    expect(replayed.now.verdict).toBe('allow');
    expect(replayed.now.policies).toContain('staging-destructive-allowed');
    expect(replayed.changed).toBe(true);
  });

  it('says an allowed write to billing would now be refused, naming the policy', () => {
    const record = decision({ action: 'http:POST', class: 'write', upstream: 'billing', verdict: 'allow', policies: ['airlock/scope'] });
    const replayed = replayDecision(record, context(stagingDestructive))!;
    expect(replayed.now).toMatchObject({ verdict: 'deny', code: 'forbidden', policies: ['no-writes-to-billing'] });
    expect(replayed.changed).toBe(true);
  });

  it('finds nothing changed when the policies are the same', () => {
    const replayed = replayDecision(decision({}), context(builtinOnly))!;
    expect(replayed.changed).toBe(false);
  });

  it('uses the scopes of the token that asked, not any other', () => {
    const replayed = replayDecision(decision({}), context(stagingDestructive, ['read:*']))!;
    expect(replayed.now.verdict).toBe('hold');
  });

  it('keeps a strong signal that fired then, so anomaly holds stay holds', () => {
    const record = decision({ class: 'write', action: 'http:POST', verdict: 'hold', signals: ['first-environment'], policies: ['airlock/anomaly'] });
    expect(replayDecision(record, context(stagingDestructive))!.now.verdict).toBe('hold');
  });

  it.each([
    ['a refused token', { verdict: 'deny', code: 'unauthenticated', policies: ['airlock/authentication'] }],
    ['the emergency stop', { verdict: 'deny', code: 'stopped', policies: ['airlock/emergency-stop'] }],
    ['a freeze', { verdict: 'deny', code: 'frozen', policies: ['airlock/freeze'] }],
    ['an approval used', { verdict: 'allow', policies: ['airlock/hold'] }],
    ['an operator action', { type: 'hold.approved', verdict: undefined }],
  ] as const)('does not replay %s: policies did not decide it', (_name, fields) => {
    const record = decision(fields as Partial<AuditRecord>);
    expect(whyNotReplayed(record)).toBeDefined();
    expect(replayDecision(record, context(stagingDestructive))).toBeUndefined();
  });

  it('counts each change of verdict', () => {
    const results = [decision({}), decision({}), decision({ class: 'write', upstream: 'billing', verdict: 'allow', policies: ['airlock/scope'] })].map(
      (r) => replayDecision(r, context(stagingDestructive))!,
    );
    expect(summarise(results, 4)).toEqual({ replayed: 3, skipped: 4, changed: 3, transitions: { 'hold → allow': 2, 'allow → deny': 1 } });
  });
});
