import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { LocalAdmin } from '../../src/admin/local-admin.js';
import type { AuditRecord } from '../../src/store/records.js';
import { startTestAirlock, type TestAirlock } from '../support/airlock.js';
import { DAY, HOUR, TestClock, decide, deployments, serviceUpdate, type AskedOperation } from './traffic.js';

const UPSTREAMS = [{ name: 'railway', kind: 'graphql', url: 'http://127.0.0.1:9/graphql', environment: 'production', environments: { 'stg-*': 'staging' } }];
const volumeDelete: AskedOperation = { action: 'graphql:volumeDelete', class: 'destructive', upstream: 'railway', resources: ['vol-prod-db'] };
const productionUpdate: AskedOperation = { ...serviceUpdate, resources: ['prod-api'] };

describe('the circuit breaker (defaults: 3 refused attempts, or a refusal, another credential and a destructive call, within 10 minutes suspend the agent)', () => {
  const clock = new TestClock('2026-03-02T00:00:00Z');
  let airlock: TestAirlock;
  let admin: LocalAdmin;
  let week = Date.parse('2026-03-02T00:00:00Z') - 7 * DAY;
  const streamed: AuditRecord[] = [];

  beforeAll(async () => {
    airlock = await startTestAirlock({ clock: clock.now, config: { upstreams: UPSTREAMS } });
    admin = new LocalAdmin(airlock.airlock.runtime, 'local:ana');
    airlock.airlock.runtime.audit.subscribe((record) => streamed.push(record));
  });
  afterAll(() => airlock.close());
  beforeEach(() => {
    week += 7 * DAY;
    clock.set(week + 9 * HOUR);
  });

  const ask = (token: string, operation: AskedOperation, holdId?: string) => decide(airlock.url, token, operation, holdId);
  const stateOf = async (agent: string) => (await airlock.airlock.runtime.store.agents.get(agent))!;

  it('suspends the agent that replays the incident: a permissions error, another credential, then a destructive call', async () => {
    // A credential the agent should not have: an older token of its own, revoked, left in a file.
    const found = await airlock.token('deploy-bot', ['*:*'], 30 * DAY);
    await admin.revokeToken({ id: found.slice(4, 16) });
    const token = await airlock.token('deploy-bot', ['write:staging'], 30 * DAY);

    clock.advance(1000);
    const permissionError = await ask(token, productionUpdate);
    expect(permissionError).toMatchObject({ verdict: 'deny', code: 'forbidden' });
    expect((await stateOf('deploy-bot')).state).toBe('active');

    clock.advance(3000);
    const otherCredential = await ask(found, productionUpdate);
    expect(otherCredential).toMatchObject({ verdict: 'deny', code: 'unauthenticated' });
    expect((await stateOf('deploy-bot')).state).toBe('active');

    clock.advance(6000);
    const destructive = await ask(token, volumeDelete);
    expect(destructive.verdict).toBe('hold');

    const agent = await stateOf('deploy-bot');
    expect(agent.state).toBe('suspended');
    expect(agent.stateReason).toBe(
      'circuit breaker: a refused call, another credential, then destructive graphql:volumeDelete within 10m (the pattern of an agent looking for a way around a refusal); an operator must review and resume it',
    );

    // Operators hear of it on the audit stream, with the refusals it counted.
    const [suspended] = await airlock.airlock.runtime.store.audit.list({ agent: 'deploy-bot', type: 'agent.suspended' });
    expect(suspended).toMatchObject({
      type: 'agent.suspended',
      agent: 'deploy-bot',
      signals: ['refusal-burst'],
      detail: { by: 'circuit-breaker', pattern: 'incident', refusals: [permissionError.audit, otherCredential.audit, destructive.audit] },
    });
    expect(suspended!.reasons![1]).toContain('refused (forbidden) graphql:serviceUpdate');
    expect(suspended!.reasons![1]).toContain('refused (unauthenticated) graphql:serviceUpdate');
    expect(suspended!.reasons![1]).toContain(`held graphql:volumeDelete at ${new Date(clock.ms).toISOString()}`);
    expect(streamed.some((r) => r.seq === suspended!.seq)).toBe(true);

    // Everything it asks now is refused, saying why, until an operator resumes it.
    const after = await ask(token, deployments);
    expect(after).toMatchObject({ verdict: 'deny', code: 'stopped' });
    expect(after.message).toContain('circuit breaker');
    expect(after.instruction).toContain('do not look for other credentials');

    // Resumed by an operator, it starts counting afresh: one more refusal does not trip it again.
    await admin.setAgentState({ name: 'deploy-bot', state: 'active' });
    clock.advance(60_000);
    expect((await ask(token, productionUpdate)).code).toBe('forbidden');
    expect((await stateOf('deploy-bot')).state).toBe('active');
  });

  it('counts afresh after an operator suspends and resumes the agent', async () => {
    const token = await airlock.token('second-chance', ['write:staging'], 30 * DAY);
    for (const resource of ['prod-a', 'prod-b']) {
      clock.advance(10_000);
      expect((await ask(token, { ...serviceUpdate, resources: [resource] })).code).toBe('forbidden');
    }
    await admin.setAgentState({ name: 'second-chance', state: 'suspended', reason: 'having a look' });
    await admin.setAgentState({ name: 'second-chance', state: 'active' });
    clock.advance(10_000);
    expect((await ask(token, { ...serviceUpdate, resources: ['prod-c'] })).code).toBe('forbidden');
    const next = await ask(token, serviceUpdate);
    expect(next.verdict).toBe('allow');
    expect(next.signals).toBeUndefined();
    expect((await stateOf('second-chance')).state).toBe('active');
  });

  it('does not count the same held request asked again with the same token', async () => {
    const token = await airlock.token('patient', ['write:staging'], 30 * DAY);
    const first = await ask(token, volumeDelete);
    for (let i = 0; i < 4; i++) {
      clock.advance(30_000);
      expect((await ask(token, volumeDelete)).holdId).toBe(first.holdId);
    }
    expect((await stateOf('patient')).state).toBe('active');
  });

  it('does not count holds a human approved', async () => {
    const token = await airlock.token('supervised', ['write:staging'], 30 * DAY);
    for (const volume of ['vol-a', 'vol-b', 'vol-c']) {
      clock.advance(60_000);
      const held = await ask(token, { ...volumeDelete, resources: [volume] });
      expect(held.verdict).toBe('hold');
      await airlock.airlock.runtime.store.holds.addApproval(held.holdId, { operator: 'ana', at: clock.now().toISOString(), secondFactor: true });
      expect((await ask(token, { ...volumeDelete, resources: [volume] }, held.holdId)).verdict).toBe('allow');
    }
    expect((await stateOf('supervised')).state).toBe('active');
  });

  it('does not count many holds waiting for a human, nor asking after them, nor "already used" answers', async () => {
    const token = await airlock.token('guided', ['write:staging', 'read:*'], 30 * DAY);
    for (const volume of ['vol-1', 'vol-2', 'vol-3', 'vol-4']) {
      clock.advance(20_000);
      const held = await ask(token, { ...volumeDelete, resources: [volume] });
      expect(held.verdict).toBe('hold');
      clock.advance(20_000);
      expect((await ask(token, { ...volumeDelete, resources: [volume] })).holdId).toBe(held.holdId);
    }
    const [first] = await airlock.airlock.runtime.store.holds.list({ agent: 'guided', status: ['pending'], limit: 10 });
    await airlock.airlock.runtime.store.holds.addApproval(first!.id, { operator: 'ana', at: clock.now().toISOString(), secondFactor: true });
    const again = { ...volumeDelete, resources: first!.operation.resources as string[] };
    expect((await ask(token, again, first!.id)).verdict).toBe('allow');
    for (let i = 0; i < 3; i++) {
      clock.advance(5_000);
      expect(await ask(token, again, first!.id)).toMatchObject({ verdict: 'deny', code: 'hold_invalid' });
    }
    expect((await stateOf('guided')).state).toBe('active');
    expect(await airlock.airlock.runtime.store.audit.list({ agent: 'guided', type: 'agent.suspended' })).toEqual([]);
  });

  it('counts each retry of a refused call', async () => {
    const token = await airlock.token('insistent', ['write:staging'], 30 * DAY);
    for (let i = 0; i < 2; i++) {
      clock.advance(10_000);
      expect((await ask(token, productionUpdate)).code).toBe('forbidden');
      expect((await stateOf('insistent')).state).toBe('active');
    }
    clock.advance(10_000);
    expect((await ask(token, productionUpdate)).code).toBe('forbidden');
    const agent = await stateOf('insistent');
    expect(agent.state).toBe('suspended');
    expect(agent.stateReason).toContain('3 refused attempts within 10m');
  });

  it('does not trip on refusals spread wider than the window', async () => {
    const token = await airlock.token('slow', ['write:staging'], 30 * DAY);
    for (const resource of ['prod-a', 'prod-b', 'prod-c']) {
      clock.advance(6 * 60_000);
      expect((await ask(token, { ...serviceUpdate, resources: [resource] })).code).toBe('forbidden');
    }
    expect((await stateOf('slow')).state).toBe('active');
  });

  it('does not count refusals because of a freeze, which says until when', async () => {
    const token = await airlock.token('frozen-out', ['write:staging'], 30 * DAY);
    await admin.startFreeze({ reason: 'release', until: new Date(clock.ms + HOUR).toISOString() });
    try {
      for (const resource of ['stg-a', 'stg-b', 'stg-c', 'stg-d']) {
        clock.advance(10_000);
        expect((await ask(token, { ...serviceUpdate, resources: [resource] })).code).toBe('frozen');
      }
    } finally {
      await admin.endFreeze();
    }
    expect((await stateOf('frozen-out')).state).toBe('active');
  });
});

describe('which signals suspend is configurable', () => {
  const clock = new TestClock('2026-03-02T09:00:00Z');
  let airlock: TestAirlock;

  beforeAll(async () => {
    airlock = await startTestAirlock({
      clock: clock.now,
      config: { upstreams: UPSTREAMS, baseline: { suspendOn: ['first-destructive'], refusals: { count: 2, window: '5m' } } },
    });
  });
  afterAll(() => airlock.close());

  it('holds changes during a refusal burst instead of suspending when the burst is not listed', async () => {
    const token = await airlock.token('noisy', ['write:staging'], 30 * DAY);
    for (const resource of ['prod-a', 'prod-b']) {
      clock.advance(10_000);
      expect((await ask(token, { ...serviceUpdate, resources: [resource] })).code).toBe('forbidden');
    }
    clock.advance(10_000);
    const next = await ask(token, serviceUpdate);
    expect(next.verdict).toBe('hold');
    expect(next.signals).toEqual(['refusal-burst']);
    expect(next.reasons.join(' ')).toContain("2 of noisy's attempts were refused in the last 5m");
    expect((await airlock.airlock.runtime.store.agents.get('noisy'))!.state).toBe('active');
  });

  it('suspends on the first destructive operation when that signal is listed', async () => {
    clock.advance(HOUR);
    const token = await airlock.token('wrecker', ['write:staging'], 30 * DAY);
    expect((await ask(token, volumeDelete)).verdict).toBe('hold');
    const agent = (await airlock.airlock.runtime.store.agents.get('wrecker'))!;
    expect(agent.state).toBe('suspended');
    expect(agent.stateReason).toContain('the first-destructive signal suspends agents');
  });

  function ask(token: string, operation: AskedOperation) {
    return decide(airlock.url, token, operation);
  }
});
