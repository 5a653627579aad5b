import { describe, expect, it } from 'vitest';
import { operationFromParts, type OperationClass } from '../core/operation.js';
import { BUILTIN_POLICIES } from './builtin-policies.js';
import { decide, type AgentState, type DecideInput } from './decide.js';
import { PolicyEngine } from './engine.js';
import { parseScope } from './scopes.js';

const USER_POLICIES = `
@id("staging-destructive-allowed")
permit (principal, action == Airlock::Action::"destructive", resource)
when { resource.environment == "staging" };

@id("production-two-person")
@reason("destructive operations in production need two operators")
@hold("mfa") @approvals("2") @delay("15m")
forbid (principal, action == Airlock::Action::"destructive", resource)
when { resource.environment == "production" };

@id("no-privilege-in-production")
@reason("agents may not change privileges in production")
forbid (principal, action == Airlock::Action::"privilege", resource)
when { resource.environment == "production" };

@id("no-writes-to-billing")
forbid (principal, action == Airlock::Action::"write", resource == Airlock::Upstream::"billing");
`;

const builtinOnly = PolicyEngine.fromSources([{ file: 'built-in', text: BUILTIN_POLICIES }]);
const withUser = PolicyEngine.fromSources([
  { file: 'built-in', text: BUILTIN_POLICIES },
  { file: 'user.cedar', text: USER_POLICIES },
]);

interface Case {
  name: string;
  engine?: PolicyEngine;
  class: OperationClass;
  environment: string;
  upstream?: string;
  resources?: string[];
  scopes: string[];
  state?: AgentState;
  stopAll?: boolean;
  freeze?: boolean;
  budget?: boolean;
  expect: 'allow' | 'deny' | 'hold';
  code?: string;
  policy?: string;
  approvals?: number;
}

const cases: Case[] = [
  // reads and writes inside and outside the scope
  { name: 'read in scope', class: 'read', environment: 'staging', scopes: ['read:staging'], expect: 'allow', policy: 'airlock/scope' },
  { name: 'write in scope', class: 'write', environment: 'staging', scopes: ['write:staging'], expect: 'allow' },
  { name: 'write scope covers read', class: 'read', environment: 'staging', scopes: ['write:staging'], expect: 'allow' },
  {
    name: 'read scope does not cover write',
    class: 'write',
    environment: 'staging',
    scopes: ['read:staging'],
    expect: 'deny',
    code: 'forbidden',
    policy: 'airlock/out-of-scope',
  },
  { name: 'write in another environment', class: 'write', environment: 'production', scopes: ['write:staging'], expect: 'deny', code: 'forbidden' },
  { name: 'read in another environment', class: 'read', environment: 'production', scopes: ['write:staging'], expect: 'deny' },
  { name: 'wildcard environment', class: 'write', environment: 'production', scopes: ['write:*'], expect: 'allow' },
  { name: 'wildcard class', class: 'write', environment: 'dev', scopes: ['*:dev'], expect: 'allow' },
  { name: 'scope pinned to another upstream', class: 'read', environment: 'staging', upstream: 'github', scopes: ['read:staging:railway'], expect: 'deny' },
  { name: 'scope pinned to this upstream', class: 'read', environment: 'staging', upstream: 'railway', scopes: ['read:staging:railway'], expect: 'allow' },
  {
    name: 'resource glob matches',
    class: 'write',
    environment: 'staging',
    resources: ['vol_1', 'vol_2'],
    scopes: ['write:staging:railway:vol_*'],
    expect: 'allow',
  },
  {
    name: 'resource glob misses one resource',
    class: 'write',
    environment: 'staging',
    resources: ['vol_1', 'svc_2'],
    scopes: ['write:staging:railway:vol_*'],
    expect: 'deny',
  },
  {
    name: 'resource glob with no resources named',
    class: 'write',
    environment: 'staging',
    resources: [],
    scopes: ['write:staging:railway:vol_*'],
    expect: 'deny',
  },
  { name: 'no scopes at all', class: 'read', environment: 'staging', scopes: [], expect: 'deny' },
  // destructive and privilege: a human by default
  {
    name: 'the incident: destructive in production with write:staging',
    class: 'destructive',
    environment: 'production',
    scopes: ['write:staging'],
    expect: 'hold',
    policy: 'airlock/human-approval',
  },
  {
    name: 'destructive in staging with write:staging (no destructive scope)',
    class: 'destructive',
    environment: 'staging',
    scopes: ['write:staging'],
    expect: 'hold',
  },
  { name: 'destructive in scope but no user policy permits it', class: 'destructive', environment: 'staging', scopes: ['destructive:staging'], expect: 'hold' },
  {
    name: 'destructive in scope and permitted by a user policy',
    engine: withUser,
    class: 'destructive',
    environment: 'staging',
    scopes: ['destructive:staging'],
    expect: 'allow',
    policy: 'staging-destructive-allowed',
  },
  {
    name: 'user permit without the scope still holds',
    engine: withUser,
    class: 'destructive',
    environment: 'staging',
    scopes: ['write:staging'],
    expect: 'hold',
  },
  {
    name: 'production destructive: two-person rule from a user @hold',
    engine: withUser,
    class: 'destructive',
    environment: 'production',
    scopes: ['destructive:*'],
    expect: 'hold',
    policy: 'production-two-person',
    approvals: 2,
  },
  { name: 'privilege in scope is still held by default', class: 'privilege', environment: 'staging', scopes: ['privilege:staging'], expect: 'hold' },
  { name: 'privilege out of scope is held', class: 'privilege', environment: 'staging', scopes: ['write:staging'], expect: 'hold' },
  {
    name: 'a user forbid makes privilege in production a refusal',
    engine: withUser,
    class: 'privilege',
    environment: 'production',
    scopes: ['*:*'],
    expect: 'deny',
    code: 'forbidden',
    policy: 'no-privilege-in-production',
  },
  {
    name: 'a user forbid on one upstream',
    engine: withUser,
    class: 'write',
    environment: 'staging',
    upstream: 'billing',
    scopes: ['write:staging'],
    expect: 'deny',
    policy: 'no-writes-to-billing',
  },
  { name: 'destructive scope does not grant privilege', class: 'privilege', environment: 'staging', scopes: ['destructive:staging'], expect: 'hold' },
  // unknown environment is production
  {
    name: 'unplaced target is production: staging scope does not cover it',
    class: 'write',
    environment: 'production',
    scopes: ['write:staging'],
    expect: 'deny',
  },
  // stops
  {
    name: 'stopped agent, read in scope',
    class: 'read',
    environment: 'staging',
    scopes: ['read:staging'],
    state: 'stopped',
    expect: 'deny',
    code: 'stopped',
    policy: 'airlock/agent-not-active',
  },
  {
    name: 'suspended agent, write in scope',
    class: 'write',
    environment: 'staging',
    scopes: ['write:staging'],
    state: 'suspended',
    expect: 'deny',
    code: 'stopped',
  },
  {
    name: 'stopped agent, destructive: refused, not held',
    class: 'destructive',
    environment: 'production',
    scopes: ['write:staging'],
    state: 'stopped',
    expect: 'deny',
    code: 'stopped',
  },
  {
    name: 'emergency stop for all, read in scope',
    class: 'read',
    environment: 'staging',
    scopes: ['read:*'],
    stopAll: true,
    expect: 'deny',
    code: 'stopped',
    policy: 'airlock/emergency-stop',
  },
  {
    name: 'emergency stop for all, destructive',
    engine: withUser,
    class: 'destructive',
    environment: 'staging',
    scopes: ['destructive:staging'],
    stopAll: true,
    expect: 'deny',
    code: 'stopped',
  },
  // freezes
  { name: 'freeze lets reads through', class: 'read', environment: 'production', scopes: ['read:*'], freeze: true, expect: 'allow' },
  {
    name: 'freeze refuses writes',
    class: 'write',
    environment: 'staging',
    scopes: ['write:staging'],
    freeze: true,
    expect: 'deny',
    code: 'frozen',
    policy: 'airlock/freeze',
  },
  {
    name: 'freeze refuses destructive rather than holding it',
    class: 'destructive',
    environment: 'staging',
    scopes: ['write:staging'],
    freeze: true,
    expect: 'deny',
    code: 'frozen',
  },
  { name: 'freeze refuses privilege', class: 'privilege', environment: 'staging', scopes: ['*:*'], freeze: true, expect: 'deny', code: 'frozen' },
  {
    name: 'stop beats freeze in the code the agent sees',
    class: 'write',
    environment: 'staging',
    scopes: ['write:staging'],
    freeze: true,
    state: 'stopped',
    expect: 'deny',
    code: 'stopped',
  },
  // budgets
  {
    name: 'an exhausted budget refuses',
    class: 'write',
    environment: 'staging',
    scopes: ['write:staging'],
    budget: true,
    expect: 'deny',
    code: 'budget',
    policy: 'airlock/budget',
  },
];

function run(c: Case) {
  const input: DecideInput = {
    operation: operationFromParts({
      door: 'api',
      upstream: c.upstream ?? 'railway',
      environment: c.environment,
      parts: [{ action: `test:${c.class}`, class: c.class, resources: c.resources ?? [] }],
      digest: 'd',
    }),
    agent: { name: 'deploy-bot', state: c.state ?? 'active' },
    scopes: c.scopes.map(parseScope),
    ...(c.stopAll ? { stopAll: { reason: 'drill' } } : {}),
    ...(c.freeze ? { freeze: { reason: 'release', until: '2026-12-01T00:00:00.000Z' } } : {}),
    ...(c.budget ? { budget: { exceeded: true, explanation: 'writes ≤ 1 per hour', refillAt: '2026-12-01T00:00:00.000Z' } } : {}),
    now: new Date('2026-11-30T12:00:00Z'),
  };
  return decide(c.engine ?? builtinOnly, input);
}

describe('the decision table', () => {
  it('has at least 30 cases', () => expect(cases.length).toBeGreaterThanOrEqual(30));

  it.each(cases)('$name → $expect', (c) => {
    const verdict = run(c);
    expect(verdict.kind).toBe(c.expect);
    if (c.code) expect(verdict.kind === 'deny' && verdict.code).toBe(c.code);
    if (c.policy) expect(verdict.policies).toContain(c.policy);
    if (c.approvals) expect(verdict.kind === 'hold' && verdict.needs.approvals).toBe(c.approvals);
    expect(verdict.reasons.length).toBeGreaterThan(0);
  });
});

describe('what a refusal says', () => {
  it('names the scopes the token has when it is out of scope', () => {
    const verdict = run({ name: '', class: 'write', environment: 'production', scopes: ['write:staging'], expect: 'deny' });
    expect(verdict.reasons[0]).toContain('write:staging');
    expect(verdict.reasons[0]).toContain('production');
  });

  it('says until when a freeze lasts', () => {
    const verdict = run({ name: '', class: 'write', environment: 'staging', scopes: ['write:staging'], freeze: true, expect: 'deny' });
    expect(verdict.kind === 'deny' && verdict.retryAt).toBe('2026-12-01T00:00:00.000Z');
    expect(verdict.reasons[0]).toContain('release');
  });

  it('says why the agent is stopped', () => {
    const verdict = decide(builtinOnly, {
      operation: operationFromParts({
        door: 'api',
        upstream: 'r',
        environment: 'staging',
        parts: [{ action: 'a', class: 'read', resources: [] }],
        digest: 'd',
      }),
      agent: { name: 'bot', state: 'stopped', stateReason: 'it deleted a volume' },
      scopes: [parseScope('read:*')],
      now: new Date(),
    });
    expect(verdict.reasons[0]).toBe('the agent bot is stopped (it deleted a volume)');
  });

  it('merges the needs of every hold that applies, taking the strictest', () => {
    const engine = PolicyEngine.fromSources([
      { file: 'built-in', text: BUILTIN_POLICIES },
      {
        file: 'holds.cedar',
        text: `@id("a") @hold("approval") @delay("5m") forbid (principal, action, resource) when { context.environment == "staging" };
               @id("b") @hold("mfa") @approvals("3") forbid (principal, action, resource) when { context.door == "api" };`,
      },
    ]);
    const verdict = decide(engine, {
      operation: operationFromParts({
        door: 'api',
        upstream: 'r',
        environment: 'staging',
        parts: [{ action: 'a', class: 'write', resources: [] }],
        digest: 'd',
      }),
      agent: { name: 'bot', state: 'active' },
      scopes: [parseScope('write:staging')],
      now: new Date(),
    });
    expect(verdict).toMatchObject({ kind: 'hold', needs: { approvals: 3, secondFactor: true, delaySeconds: 300 } });
  });

  it('lists every reason that holds a destructive call: the destructive rule and the anomaly signal', () => {
    const verdict = decide(builtinOnly, {
      operation: operationFromParts({
        door: 'api',
        upstream: 'railway',
        environment: 'production',
        parts: [{ action: 'graphql:volumeDelete', class: 'destructive', resources: ['vol-1'] }],
        digest: 'd',
      }),
      agent: { name: 'bot', state: 'active' },
      scopes: [parseScope('write:staging')],
      signals: [{ name: 'first-destructive', strength: 3, explanation: 'bot has never had a destructive operation allowed' }],
      now: new Date(),
    });
    expect(verdict.kind).toBe('hold');
    expect(verdict.reasons[0]).toContain('graphql:volumeDelete is a destructive operation in production');
    expect(verdict.reasons[1]).toContain('first-destructive (bot has never had a destructive operation allowed)');
    expect(verdict.policies).toEqual(['airlock/human-approval', 'airlock/anomaly']);
  });

  it('does not claim the destructive rule when a policy permits the call and only the signal holds it', () => {
    const verdict = decide(withUser, {
      operation: operationFromParts({
        door: 'api',
        upstream: 'railway',
        environment: 'staging',
        parts: [{ action: 'graphql:volumeDelete', class: 'destructive', resources: ['vol-1'] }],
        digest: 'd',
      }),
      agent: { name: 'bot', state: 'active' },
      scopes: [parseScope('destructive:staging')],
      signals: [{ name: 'first-destructive', strength: 3, explanation: 'bot has never had a destructive operation allowed' }],
      now: new Date(),
    });
    expect(verdict.kind).toBe('hold');
    expect(verdict.policies).toEqual(['airlock/anomaly']);
  });

  it('refuses a write no scope covers even when a signal would hold it, so an approval cannot grant it', () => {
    const verdict = decide(builtinOnly, {
      operation: operationFromParts({
        door: 'api',
        upstream: 'railway',
        environment: 'production',
        parts: [{ action: 'graphql:serviceUpdate', class: 'write', resources: [] }],
        digest: 'd',
      }),
      agent: { name: 'bot', state: 'active' },
      scopes: [parseScope('write:staging')],
      signals: [{ name: 'first-environment', strength: 3, explanation: 'bot has never acted in production' }],
      now: new Date(),
    });
    expect(verdict).toMatchObject({ kind: 'deny', code: 'forbidden', policies: ['airlock/out-of-scope'] });
  });

  it('refuses when a policy fails to evaluate, rather than ignoring the policy', () => {
    // Cedar skips a policy whose evaluation errors (here an integer overflow that type-checks),
    // so an erroring forbid would fail open. Airlock refuses instead.
    const engine = PolicyEngine.fromSources([
      { file: 'built-in', text: BUILTIN_POLICIES },
      { file: 'overflow.cedar', text: '@id("overflowing") forbid (principal, action, resource) when { context.hour * 9223372036854775807 > 0 };' },
    ]);
    const verdict = decide(engine, {
      operation: operationFromParts({
        door: 'api',
        upstream: 'r',
        environment: 'staging',
        parts: [{ action: 'a', class: 'read', resources: [] }],
        digest: 'd',
      }),
      agent: { name: 'bot', state: 'active' },
      scopes: [parseScope('read:*')],
      now: new Date('2026-11-30T12:00:00Z'),
    });
    expect(verdict.kind).toBe('deny');
    expect(verdict.reasons[0]).toContain('overflowing');
  });
});
