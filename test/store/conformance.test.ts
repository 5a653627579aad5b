/**
 * Every repository behaviour, run against SQLite and PostgreSQL alike: one interface, one suite,
 * each store proven by the same tests. Where a behaviour is about several processes (a hold
 * approved by two operators at once, a stop seen by another replica, one audit chain from
 * several writers), the test opens the same state twice, as two replicas would.
 */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { readCheckpoint } from '../../src/audit/checkpoint.js';
import { verifyAudit } from '../../src/audit/verify.js';
import type { HoldRecord, TimedAuditEntry } from '../../src/store/records.js';
import { StoreConflictError, type Store } from '../../src/store/store.js';
import { STORE_KINDS, type StoreFixture } from './stores.js';

const AT = '2026-12-01T10:00:00.000Z';
const later = (seconds: number) => new Date(Date.parse(AT) + seconds * 1000).toISOString();

function hold(id: string, overrides: Partial<HoldRecord> = {}): HoldRecord {
  return {
    id,
    status: 'pending',
    createdAt: AT,
    expiresAt: later(3600),
    agent: 'deploy-bot',
    tokenId: 'tok_1',
    operation: {
      door: 'http',
      upstream: 'railway',
      action: 'graphql:volumeDelete',
      class: 'destructive',
      environment: 'production',
      resources: ['vol_1'],
      parts: [{ action: 'graphql:volumeDelete', class: 'destructive', resources: ['vol_1'] }],
      digest: 'a'.repeat(64),
      summary: 'mutation { volumeDelete(volumeId: "vol_1") }',
    },
    reasons: ['destructive operations need a human'],
    policies: ['airlock/human-approval'],
    needs: { approvals: 1, secondFactor: false, delaySeconds: 0 },
    request: { method: 'POST', path: '/graphql' },
    approvals: [],
    decidedBy: undefined,
    decision: undefined,
    runAt: undefined,
    executedAt: undefined,
    outcome: undefined,
    ...overrides,
  };
}

const decision = (at: string, overrides: Partial<TimedAuditEntry> = {}): TimedAuditEntry => ({
  type: 'decision',
  at,
  agent: 'deploy-bot',
  action: 'graphql:serviceUpdate',
  class: 'write',
  verdict: 'allow',
  ...overrides,
});

describe.each(STORE_KINDS)('the $name store', (kind) => {
  let fixture: StoreFixture;
  let store: Store;
  beforeEach(async () => {
    fixture = await kind.fresh();
    store = await fixture.open();
  });
  afterEach(async () => {
    await fixture.dispose();
  });

  describe('agents and tokens', () => {
    it('adds an agent, refuses a second one of the same name, and lists them by name', async () => {
      await store.agents.add({ name: 'zeta', description: 'last' }, AT);
      const added = await store.agents.add({ name: 'alpha' }, AT);
      expect(added).toEqual({ name: 'alpha', state: 'active', stateReason: undefined, description: undefined, createdAt: AT });
      await expect(store.agents.add({ name: 'alpha' }, AT)).rejects.toBeInstanceOf(StoreConflictError);
      expect((await store.agents.list()).map((a) => a.name)).toEqual(['alpha', 'zeta']);
    });

    it('lists names byte by byte, capitals and punctuation first, whatever the database’s locale', async () => {
      for (const name of ['alpha', 'ab', 'Zeta', 'a-b']) await store.agents.add({ name }, AT);
      expect((await store.agents.list()).map((a) => a.name)).toEqual(['Zeta', 'a-b', 'ab', 'alpha']);
    });

    it('suspends and stops an agent with a reason, and answers undefined for one that does not exist', async () => {
      await store.agents.add({ name: 'bot' }, AT);
      expect(await store.agents.setState('bot', 'stopped', 'by ana: runaway')).toMatchObject({ state: 'stopped', stateReason: 'by ana: runaway' });
      expect(await store.agents.get('bot')).toMatchObject({ state: 'stopped' });
      expect(await store.agents.setState('nobody', 'suspended', undefined)).toBeUndefined();
    });

    it('puts an agent in observe mode until a time, and takes it out again', async () => {
      await store.agents.add({ name: 'bot' }, AT);
      expect(await store.agents.setObserve('bot', '2026-12-08T00:00:00.000Z')).toMatchObject({ observeUntil: '2026-12-08T00:00:00.000Z' });
      expect((await store.agents.get('bot'))?.observeUntil).toBe('2026-12-08T00:00:00.000Z');
      expect((await store.agents.setObserve('bot', undefined))?.observeUntil).toBeUndefined();
      expect(await store.agents.setObserve('nobody', AT)).toBeUndefined();
    });

    it('removes an agent and revokes every token it had', async () => {
      await store.agents.add({ name: 'bot' }, AT);
      await store.tokens.insert({
        id: 'tok_a',
        agent: 'bot',
        hash: 'h',
        scopes: ['read:*'],
        label: undefined,
        createdAt: AT,
        expiresAt: later(60),
        revokedAt: undefined,
      });
      expect(await store.agents.remove('bot', later(1))).toBe(true);
      expect(await store.agents.remove('bot', later(1))).toBe(false);
      expect(await store.agents.get('bot')).toBeUndefined();
      expect(await store.tokens.get('tok_a')).toMatchObject({ revokedAt: later(1) });
    });

    it('lists tokens by agent without the revoked ones unless asked, and revokes once', async () => {
      const token = { hash: 'h', scopes: ['write:staging'], label: 'ci', createdAt: AT, expiresAt: later(60), revokedAt: undefined };
      await store.tokens.insert({ ...token, id: 'tok_1', agent: 'a' });
      await store.tokens.insert({ ...token, id: 'tok_2', agent: 'a' });
      await store.tokens.insert({ ...token, id: 'tok_3', agent: 'b' });
      expect(await store.tokens.revoke('tok_2', later(5))).toMatchObject({ revokedAt: later(5) });
      expect(await store.tokens.revoke('tok_2', later(9))).toMatchObject({ revokedAt: later(5) });
      expect((await store.tokens.list({ agent: 'a' })).map((t) => t.id)).toEqual(['tok_1']);
      expect((await store.tokens.list({ agent: 'a', includeRevoked: true })).map((t) => t.id)).toEqual(['tok_1', 'tok_2']);
      expect(await store.tokens.get('tok_1')).toMatchObject({ scopes: ['write:staging'], label: 'ci' });
    });

    it('sees a token revoked and an agent stopped by another process at once, though it had read them before', async () => {
      const other = await fixture.open();
      await store.agents.add({ name: 'bot' }, AT);
      await store.tokens.insert({
        id: 'tok_a',
        agent: 'bot',
        hash: 'h',
        scopes: [],
        label: undefined,
        createdAt: AT,
        expiresAt: later(60),
        revokedAt: undefined,
      });
      expect(await other.tokens.get('tok_a')).toMatchObject({ revokedAt: undefined });
      expect(await other.agents.get('bot')).toMatchObject({ state: 'active' });
      await store.tokens.revoke('tok_a', later(1));
      await store.agents.setState('bot', 'stopped', 'by ana');
      await expect.poll(async () => (await other.tokens.get('tok_a'))?.revokedAt, { interval: 5, timeout: 2000 }).toBe(later(1));
      await expect.poll(async () => (await other.agents.get('bot'))?.state, { interval: 5, timeout: 2000 }).toBe('stopped');
    });
  });

  describe('control', () => {
    it('sets and clears the stop and the freeze', async () => {
      expect(await store.control.get()).toEqual({ stopAll: undefined, freeze: undefined });
      await store.control.setStopAll({ reason: 'incident', by: 'ana', at: AT });
      await store.control.setFreeze({ reason: 'release', by: 'ben', from: AT, until: undefined });
      expect(await store.control.get()).toEqual({
        stopAll: { reason: 'incident', by: 'ana', at: AT },
        freeze: { reason: 'release', by: 'ben', from: AT, until: undefined },
      });
      await store.control.setStopAll(undefined);
      expect((await store.control.get()).stopAll).toBeUndefined();
    });

    it('a stop pulled through one process is seen by another that had read the switches before', async () => {
      const other = await fixture.open();
      expect((await other.control.get()).stopAll).toBeUndefined();
      await store.control.setStopAll({ reason: 'incident', by: 'ana', at: AT });
      await expect.poll(async () => (await other.control.get()).stopAll?.reason, { interval: 5, timeout: 2000 }).toBe('incident');
    });
  });

  describe('holds', () => {
    it('stores a hold whole, operation included, and lists by status, agent, expiry and run time', async () => {
      await store.holds.insert(hold('hold_a'));
      await store.holds.insert(hold('hold_b', { createdAt: later(1), expiresAt: later(10), agent: 'other' }));
      await store.holds.insert(hold('hold_c', { createdAt: later(2), status: 'scheduled', runAt: later(30) }));
      expect(await store.holds.get('hold_a')).toEqual(JSON.parse(JSON.stringify(hold('hold_a'))));
      expect((await store.holds.list()).map((h) => h.id)).toEqual(['hold_c', 'hold_b', 'hold_a']);
      expect((await store.holds.list({ oldestFirst: true, limit: 2 })).map((h) => h.id)).toEqual(['hold_a', 'hold_b']);
      expect((await store.holds.list({ status: ['pending'], agent: 'deploy-bot' })).map((h) => h.id)).toEqual(['hold_a']);
      expect((await store.holds.list({ expiresBy: later(10) })).map((h) => h.id)).toEqual(['hold_b']);
      expect((await store.holds.list({ status: ['scheduled'], runBy: later(30) })).map((h) => h.id)).toEqual(['hold_c']);
      expect(await store.holds.list({ runBy: later(29) })).toEqual([]);
    });

    it('moves a hold once when two processes race for it: one wins, the other gets undefined', async () => {
      const other = await fixture.open();
      await store.holds.insert(hold('hold_a', { status: 'approved' }));
      const results = await Promise.all([
        store.holds.transition('hold_a', ['approved'], 'executed', { executedAt: later(1) }),
        other.holds.transition('hold_a', ['approved'], 'executed', { executedAt: later(2) }),
      ]);
      expect(results.filter(Boolean)).toHaveLength(1);
      expect(await store.holds.get('hold_a')).toMatchObject({ status: 'executed' });
      expect(await store.holds.transition('hold_a', ['pending'], 'denied')).toBeUndefined();
      expect(await store.holds.transition('hold_missing', ['pending'], 'denied')).toBeUndefined();
    });

    it('counts two operators approving at the same moment from two processes, and refuses a second approval by one', async () => {
      const other = await fixture.open();
      await store.holds.insert(hold('hold_a', { needs: { approvals: 2, secondFactor: false, delaySeconds: 0 } }));
      const [a, b] = await Promise.all([
        store.holds.addApproval('hold_a', { operator: 'ana', at: later(1), secondFactor: false }),
        other.holds.addApproval('hold_a', { operator: 'ben', at: later(1), secondFactor: false }),
      ]);
      expect(a.ok && b.ok).toBe(true);
      const stored = await store.holds.get('hold_a');
      expect(stored?.status).toBe('approved');
      expect(stored?.approvals.map((x) => x.operator).sort()).toEqual(['ana', 'ben']);
      expect(await store.holds.addApproval('hold_a', { operator: 'ana', at: later(2), secondFactor: false })).toMatchObject({
        ok: false,
        problem: 'not_pending',
      });
      expect(await store.holds.addApproval('nope', { operator: 'ana', at: later(2), secondFactor: false })).toMatchObject({ ok: false, problem: 'not_found' });
    });

    it('schedules an approved hold with a delay, and moves its expiry to no earlier than its run', async () => {
      await store.holds.insert(hold('hold_a', { expiresAt: later(60), needs: { approvals: 2, secondFactor: false, delaySeconds: 300 } }));
      expect(await store.holds.addApproval('hold_a', { operator: 'ana', at: later(1), secondFactor: false })).toMatchObject({
        ok: true,
        hold: { status: 'pending' },
      });
      expect(await store.holds.addApproval('hold_a', { operator: 'ana', at: later(2), secondFactor: false })).toMatchObject({
        ok: false,
        problem: 'already_approved',
      });
      const done = await store.holds.addApproval('hold_a', { operator: 'ben', at: later(10), secondFactor: false });
      expect(done).toMatchObject({ ok: true, hold: { status: 'scheduled', runAt: later(310), expiresAt: later(310) } });
      expect((await store.holds.list({ status: ['scheduled'], runBy: later(310) })).map((h) => h.id)).toEqual(['hold_a']);
    });
  });

  describe('operators and attempts', () => {
    it('enrols an operator once, accepts each code step once across processes, and removes them with their codes', async () => {
      const other = await fixture.open();
      await store.operators.add({ name: 'ana', createdAt: AT, totpSecretSealed: 'sealed', passwordHash: undefined, lastApprovalAt: undefined });
      await expect(
        store.operators.add({ name: 'ana', createdAt: AT, totpSecretSealed: 'x', passwordHash: undefined, lastApprovalAt: undefined }),
      ).rejects.toBeInstanceOf(StoreConflictError);
      const uses = await Promise.all([store.operators.useCode('ana', 100, later(1)), other.operators.useCode('ana', 100, later(1))]);
      expect(uses.sort()).toEqual([false, true]);
      // A code used to sign in is not an approval.
      expect(await store.operators.get('ana')).toMatchObject({ lastApprovalAt: undefined, totpSecretSealed: 'sealed' });
      await store.operators.recordApproval('ana', later(1));
      expect(await store.operators.get('ana')).toMatchObject({ lastApprovalAt: later(1) });
      expect(await store.operators.setPasswordHash('ana', 'scrypt$x')).toBe(true);
      expect(await store.operators.setPasswordHash('nobody', 'scrypt$x')).toBe(false);
      await store.operators.pruneCodes(101);
      expect(await store.operators.useCode('ana', 100, later(2))).toBe(true);
      expect(await store.operators.remove('ana')).toBe(true);
      expect(await store.operators.list()).toEqual([]);
    });

    it('counts failed attempts per subject since a time, with the oldest, and prunes old ones', async () => {
      await store.failedAttempts.record('op:ana', later(1), 'bad code');
      await store.failedAttempts.record('op:ana', later(2), 'bad code');
      await store.failedAttempts.record('op:ben', later(3), 'bad code');
      expect(await store.failedAttempts.since('op:ana', AT)).toEqual({ count: 2, oldest: later(1) });
      await store.failedAttempts.prune(later(1));
      expect(await store.failedAttempts.since('op:ana', AT)).toEqual({ count: 1, oldest: later(2) });
      expect(await store.failedAttempts.since('op:nobody', AT)).toEqual({ count: 0, oldest: undefined });
    });
  });

  describe('notifications', () => {
    const delivery = (key: string) => ({ key, webhook: 'ops', event: 'hold.created', holdId: 'hold_a', auditSeq: 1, createdAt: AT, payload: '{}' });

    it('queues a delivery once per key, and two processes claiming at once never take the same one', async () => {
      const other = await fixture.open();
      for (let i = 0; i < 10; i++) expect(await store.notifications.enqueue(delivery(`k${i}`))).toBe(true);
      expect(await store.notifications.enqueue(delivery('k0'))).toBe(false);
      const [a, b] = await Promise.all([store.notifications.claimDue(later(1), later(61), 6), other.notifications.claimDue(later(1), later(61), 6)]);
      const ids = [...a, ...b].map((d) => d.id);
      expect(new Set(ids).size).toBe(ids.length);
      expect(ids).toHaveLength(10);
      expect(await store.notifications.claimDue(later(2), later(62), 10)).toEqual([]);
      expect((await store.notifications.claimDue(later(61), later(121), 10)).length).toBe(10);
    });

    it('records a delivery or a failed attempt, lists by hold and status, and moves the cursor forward only', async () => {
      await store.notifications.enqueue(delivery('k1'));
      await store.notifications.enqueue(delivery('k2'));
      const [first, second] = await store.notifications.claimDue(later(1), later(61), 10);
      await store.notifications.delivered(first!.id, later(2), 1);
      await store.notifications.attemptFailed(second!.id, 1, 'HTTP 500', 'pending', later(30));
      expect(await store.notifications.list({ status: ['delivered'] })).toMatchObject([{ key: 'k1', deliveredAt: later(2), attempts: 1 }]);
      expect(await store.notifications.list({ holdId: 'hold_a', status: ['pending'] })).toMatchObject([{ key: 'k2', lastError: 'HTTP 500' }]);
      expect(await store.notifications.claimDue(later(29), later(90), 10)).toEqual([]);
      expect(await store.notifications.cursor()).toBeUndefined();
      await store.notifications.advanceCursor(7);
      await store.notifications.advanceCursor(3);
      expect(await store.notifications.cursor()).toBe(7);
    });
  });

  describe('audit', () => {
    it('chains batches, lists by agent, type prefix and verdict in either order, and reports its head', async () => {
      const records = await store.audit.appendBatch([decision(later(1)), decision(later(2), { verdict: 'deny', agent: 'other' })]);
      await store.audit.appendBatch([{ type: 'hold.approved', at: later(3), operator: 'ana', holdId: 'hold_a' }]);
      expect(records.map((r) => r.seq)).toEqual([1, 2]);
      expect(records[1]!.prev).toBe(records[0]!.hash);
      expect((await store.audit.list({ agent: 'other' })).map((r) => r.seq)).toEqual([2]);
      expect((await store.audit.list({ type: 'hold.' })).map((r) => r.seq)).toEqual([3]);
      expect((await store.audit.list({ verdict: 'allow' })).map((r) => r.seq)).toEqual([1]);
      expect((await store.audit.list({ newestFirst: true, limit: 2 })).map((r) => r.seq)).toEqual([3, 2]);
      expect((await store.audit.list({ afterSeq: 1 })).map((r) => r.seq)).toEqual([2, 3]);
      expect(await store.audit.head()).toEqual({ seq: 3, hash: (await store.audit.list({ afterSeq: 2 }))[0]!.hash });
    });

    it('keeps one chain that verifies when three processes append at once, with every record kept', async () => {
      const writers = [store, await fixture.open(), await fixture.open()];
      await Promise.all(
        writers.flatMap((writer, w) =>
          Array.from({ length: 20 }, (_, i) =>
            writer.audit.appendBatch([decision(later(i), { summary: `w${w}-${i}a` }), decision(later(i), { summary: `w${w}-${i}b` })]),
          ),
        ),
      );
      const report = await verifyAudit(store.audit.rows(), readCheckpoint(join(fixture.dir, 'audit.head')));
      expect(report).toMatchObject({ ok: true, count: 120 });
      const summaries = (await store.audit.list({ limit: 1000 })).map((r) => r.summary);
      expect(new Set(summaries).size).toBe(120);
      const checkpoint = JSON.parse(readFileSync(join(fixture.dir, 'audit.head'), 'utf8')) as { seq: number };
      expect(checkpoint.seq).toBe(120);
    });

    it('names the record an operator edited in the database', async () => {
      await store.audit.appendBatch([decision(later(1)), decision(later(2)), decision(later(3))]);
      await editAuditRow(fixture, 2);
      const report = await verifyAudit(store.audit.rows(), readCheckpoint(join(fixture.dir, 'audit.head')));
      expect(report).toMatchObject({ ok: false, problem: { kind: 'edited', seq: 2 } });
    });
  });

  describe('console sign-in state', () => {
    it('keeps sessions, touches and ends them, ends all of an operator’s, and prunes the old', async () => {
      const session = { operator: 'ana', csrf: 'c', createdAt: AT, seenAt: AT, expiresAt: later(3600), endedAt: undefined };
      await store.sessions.insert({ ...session, id: 's1' });
      await store.sessions.insert({ ...session, id: 's2' });
      await store.sessions.insert({ ...session, id: 's3', operator: 'ben' });
      await store.sessions.touch('s1', later(5));
      expect(await store.sessions.get('s1')).toMatchObject({ seenAt: later(5), endedAt: undefined });
      await store.sessions.end('s1', later(6));
      await store.sessions.touch('s1', later(7));
      expect(await store.sessions.get('s1')).toMatchObject({ seenAt: later(5), endedAt: later(6) });
      expect(await store.sessions.endAll('ana', later(8))).toBe(1);
      expect(await store.sessions.prune(later(9))).toBe(2);
      expect(await store.sessions.get('s3')).toMatchObject({ operator: 'ben' });
    });

    it('keeps API keys, lists them without the revoked, and records their use', async () => {
      const key = { operator: 'ana', hash: 'h', label: 'laptop', createdAt: AT, expiresAt: undefined, revokedAt: undefined, usedAt: undefined };
      await store.apiKeys.insert({ ...key, id: 'k1' });
      await store.apiKeys.insert({ ...key, id: 'k2' });
      await store.apiKeys.markUsed('k1', later(1));
      expect(await store.apiKeys.revoke('k2', later(2))).toMatchObject({ revokedAt: later(2) });
      expect(await store.apiKeys.list({ operator: 'ana' })).toMatchObject([{ id: 'k1', usedAt: later(1) }]);
      expect((await store.apiKeys.list({ includeRevoked: true })).map((k) => k.id)).toEqual(['k1', 'k2']);
    });
  });

  describe('MCP sessions', () => {
    const initialize = {
      protocolVersion: '2025-06-18',
      capabilities: { roots: { listChanged: true } },
      clientInfo: { name: 'agent-client', version: '1.2.3' },
    };

    it('gives another process the session one opened, initialize parameters whole, until it is removed', async () => {
      await store.mcpSessions.insert({ id: 'm1', tokenId: 'tok_1', agent: 'deploy-bot', initialize, createdAt: AT, seenAt: AT });
      await expect(store.mcpSessions.insert({ id: 'm1', tokenId: 'tok_2', agent: 'other', initialize, createdAt: AT, seenAt: AT })).rejects.toThrow();
      const other = await fixture.open();
      expect(await other.mcpSessions.get('m1')).toEqual({ id: 'm1', tokenId: 'tok_1', agent: 'deploy-bot', initialize, createdAt: AT, seenAt: AT });
      await other.mcpSessions.remove('m1');
      expect(await store.mcpSessions.get('m1')).toBeUndefined();
    });

    it('moves a session’s last use forward only, and prunes the idle and those of the given tokens', async () => {
      const session = { agent: 'deploy-bot', initialize, createdAt: AT, seenAt: AT };
      await store.mcpSessions.insert({ ...session, id: 'm1', tokenId: 'tok_1' });
      await store.mcpSessions.insert({ ...session, id: 'm2', tokenId: 'tok_1' });
      await store.mcpSessions.insert({ ...session, id: 'm3', tokenId: 'tok_2' });
      await store.mcpSessions.insert({ ...session, id: 'm4', tokenId: 'tok_3' });
      await store.mcpSessions.touch('m1', later(60));
      await store.mcpSessions.touch('m1', later(30));
      await store.mcpSessions.touch('m3', later(60));
      await store.mcpSessions.touch('m4', later(60));
      expect(await store.mcpSessions.get('m1')).toMatchObject({ seenAt: later(60) });
      expect(await store.mcpSessions.prune(later(10), ['tok_3'])).toBe(2);
      expect(await store.mcpSessions.get('m1')).toBeDefined();
      expect(await store.mcpSessions.get('m2')).toBeUndefined();
      expect(await store.mcpSessions.get('m3')).toBeDefined();
      expect(await store.mcpSessions.get('m4')).toBeUndefined();
    });
  });

  describe('baselines and activity', () => {
    it('loses no update when two processes learn about the same agent at once', async () => {
      const other = await fixture.open();
      const bump = (target: Store) =>
        target.baselines.update('bot', AT, (current) => ({
          agent: 'bot',
          since: AT,
          lastAt: AT,
          operations: (current?.operations ?? 0) + 1,
          seen: { upstreams: {}, environments: {}, actions: {}, classes: {} },
          hourly: [],
          folds: [],
          hour: { start: AT, count: 0 },
        }));
      await Promise.all(Array.from({ length: 10 }, (_, i) => bump(i % 2 ? store : other)));
      expect((await store.baselines.get('bot'))?.operations).toBe(10);
      expect((await store.baselines.list()).map((b) => b.agent)).toEqual(['bot']);
      expect(await store.baselines.remove('bot')).toBe(true);
      expect(await store.baselines.get('bot')).toBeUndefined();
    });

    it('counts an agent’s decisions in a time range, its start included and its end not', async () => {
      const times = Array.from({ length: 450 }, (_, i) => later(1 + Math.floor(i / 7)));
      await store.audit.appendBatch([
        ...times.map((at) => decision(at)),
        decision(later(5), { agent: 'other' }),
        decision(later(5), { verdict: 'deny', code: 'forbidden' }),
      ]);
      expect(await store.activity.countDecisions('deploy-bot', AT, later(1_000))).toBe(451);
      // later(5) holds seven of this agent's decisions and one refusal; later(6) is the end, not counted.
      expect(await store.activity.countDecisions('deploy-bot', later(5), later(6))).toBe(8);
      expect(await store.activity.countDecisions('deploy-bot', later(6), later(6))).toBe(0);
      expect(await store.activity.countDecisions('nobody', AT, later(1_000))).toBe(0);
    });

    it('counts an agent’s allowed operations of a class, its decisions, and its refusals since it was last resumed', async () => {
      await store.holds.insert(hold('hold_ok', { status: 'approved' }));
      await store.audit.appendBatch([
        decision(later(1)),
        decision(later(2)),
        decision(later(3), { class: 'read' }),
        { type: 'hold.running', at: later(4), agent: 'deploy-bot', class: 'write', holdId: 'hold_x' },
        decision(later(5), { verdict: 'deny', code: 'forbidden', digest: 'd1', token: 'tok_1' }),
        { type: 'agent.resumed', at: later(6), agent: 'deploy-bot' },
        decision(later(7), { verdict: 'deny', code: 'forbidden', action: 'graphql:volumeDelete', digest: 'd2', token: 'tok_1' }),
        decision(later(8), { verdict: 'hold', holdId: 'hold_ok' }),
        decision(later(9), { verdict: 'hold', holdId: 'hold_waiting' }),
        decision(later(10), { agent: 'other' }),
      ]);
      expect(await store.activity.nthAllowedSince('deploy-bot', 'write', AT, 1)).toBe(later(4));
      expect(await store.activity.nthAllowedSince('deploy-bot', 'write', AT, 3)).toBe(later(1));
      expect(await store.activity.nthAllowedSince('deploy-bot', 'write', AT, 4)).toBeUndefined();
      expect(await store.activity.countDecisions('deploy-bot', later(3), later(8))).toBe(3);
      const refusals = await store.activity.refusalsSince('deploy-bot', AT);
      expect(refusals).toEqual([
        {
          seq: 7,
          at: later(7),
          verdict: 'deny',
          code: 'forbidden',
          action: 'graphql:volumeDelete',
          class: 'write',
          digest: 'd2',
          token: 'tok_1',
          holdId: undefined,
        },
        {
          seq: 9,
          at: later(9),
          verdict: 'hold',
          code: undefined,
          action: 'graphql:serviceUpdate',
          class: 'write',
          digest: undefined,
          token: undefined,
          holdId: 'hold_waiting',
        },
      ]);
    });
  });

  describe('budget claims', () => {
    const request = (at: string, limit: number) => ({ agent: 'deploy-bot', operationClass: 'write' as const, since: AT, limit, at, expiresAt: later(60) });

    it('gives the last units of a budget once when several processes claim them at the same moment', async () => {
      const others = [await fixture.open(), await fixture.open()];
      await store.audit.appendBatch([decision(later(1)), decision(later(2), { class: 'read' })]);
      const claims = await Promise.all([store, ...others, store, ...others].map((target) => target.budgetClaims.claim(request(later(3), 3))));
      const taken = claims.filter((claim): claim is string => claim !== undefined);
      expect(taken).toHaveLength(2);
      expect(await store.budgetClaims.claim(request(later(3), 3))).toBeUndefined();
      await others[0]!.budgetClaims.release(taken[0]!);
      expect(await store.budgetClaims.claim(request(later(4), 3))).toBeDefined();
      // Other classes and agents have budgets of their own.
      expect(await store.budgetClaims.claim({ ...request(later(4), 1), operationClass: 'read' })).toBeUndefined();
      expect(await store.budgetClaims.claim({ ...request(later(4), 1), agent: 'other' })).toBeDefined();
    });

    it('has a record take its claim over in the commit that writes it: the unit counted once, by the log', async () => {
      const claim = await store.budgetClaims.claim(request(later(1), 2));
      expect(claim).toBeDefined();
      const [record] = await store.audit.appendBatch([decision(later(2))], { releaseClaims: [claim!] });
      expect(record).toMatchObject({ verdict: 'allow', class: 'write' });
      // One unit used (the record), none held: room for exactly one more of two.
      expect(await store.budgetClaims.claim(request(later(3), 2))).toBeDefined();
      expect(await store.budgetClaims.claim(request(later(3), 2))).toBeUndefined();
    });

    it('stops counting a claim its process never released once it expires', async () => {
      expect(await store.budgetClaims.claim(request(later(1), 1))).toBeDefined();
      expect(await store.budgetClaims.claim(request(later(2), 1))).toBeUndefined();
      expect(await store.budgetClaims.claim(request(later(61), 1))).toBeDefined();
    });
  });

  it('reports itself healthy, with its schema current', async () => {
    expect(await store.health()).toEqual({ ok: true });
    expect(store.location).toContain(kind.name === 'sqlite' ? 'airlock.db' : 'airlock_test_');
  });
});

/** Edits one audit row behind Airlock's back, as an intruder with database access would. */
async function editAuditRow(fixture: StoreFixture, seq: number): Promise<void> {
  const body = (current: string) => current.replace('"allow"', '"deny"');
  if (fixture.location.startsWith('postgres')) {
    const pg = (await import('pg')).default;
    const client = new pg.Client({ connectionString: fixture.location });
    await client.connect();
    const row = (await client.query<{ body: string }>('SELECT body FROM audit WHERE seq = $1', [seq])).rows[0]!;
    await client.query('UPDATE audit SET body = $1 WHERE seq = $2', [body(row.body), seq]);
    await client.end();
    return;
  }
  const Database = (await import('better-sqlite3')).default;
  const db = new Database(fixture.location);
  const row = db.prepare<[number], { body: string }>('SELECT body FROM audit WHERE seq = ?').get(seq)!;
  db.prepare('UPDATE audit SET body = ? WHERE seq = ?').run(body(row.body), seq);
  db.close();
}
