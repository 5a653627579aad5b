import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { parseConfig } from '../../src/config/load.js';
import { requestDigest } from '../../src/core/digest.js';
import { operationFromParts, type OperationClass } from '../../src/core/operation.js';
import { silentLogger } from '../../src/server/log.js';
import { openRuntime, type Runtime } from '../../src/server/runtime.js';
import { issueFor } from './support.js';
import type { SqliteStore } from '../../src/store/sqlite/index.js';

let dir: string;
let runtime: Runtime;
let now: Date;

beforeEach(async () => {
  dir = mkdtempSync(join(tmpdir(), 'airlock-gate-'));
  now = new Date('2026-11-30T12:00:00Z');
  const config = parseConfig(`dataDir: ${dir}\nholds: { ttl: 1h }\n`, join(dir, 'airlock.yaml'));
  runtime = await openRuntime(config, { log: silentLogger, clock: () => now });
});
afterEach(async () => {
  await runtime.close();
  rmSync(dir, { recursive: true, force: true });
});

const tokenFor = (agent: string, scopes: string[], ttlMs?: number) => issueFor(runtime, now, agent, scopes, ttlMs);

function op(cls: OperationClass, environment = 'staging', body = 'x') {
  return operationFromParts({
    door: 'api',
    upstream: 'railway',
    environment,
    parts: [{ action: `test:${cls}`, class: cls, resources: [] }],
    digest: requestDigest(body),
  });
}

describe('the gate', () => {
  it('allows an in-scope write and records it before answering', async () => {
    const token = await tokenFor('bot', ['write:staging']);
    const result = await runtime.gate.decide({ operation: op('write'), token });
    expect(result.verdict.kind).toBe('allow');
    expect(result.record).toMatchObject({ type: 'decision', verdict: 'allow', agent: 'bot' });
  });

  it('refuses an expired token and says it expired', async () => {
    const token = await tokenFor('bot', ['write:staging'], 60_000);
    now = new Date(now.getTime() + 61_000);
    const { verdict } = await runtime.gate.decide({ operation: op('read'), token });
    expect(verdict).toMatchObject({ kind: 'deny', code: 'unauthenticated' });
    expect(verdict.reasons[0]).toMatch(/the token expired at/);
  });

  it('refuses a revoked token and says it was revoked', async () => {
    const token = await tokenFor('bot', ['write:staging']);
    const [record] = await runtime.store.tokens.list({ agent: 'bot' });
    await runtime.store.tokens.revoke(record!.id, now.toISOString());
    const { verdict } = await runtime.gate.decide({ operation: op('read'), token });
    expect(verdict.reasons[0]).toMatch(/revoked/);
  });

  it('refuses a suspended agent and says so', async () => {
    const token = await tokenFor('bot', ['write:staging']);
    await runtime.store.agents.setState('bot', 'suspended', 'refusal burst');
    const { verdict } = await runtime.gate.decide({ operation: op('read'), token });
    expect(verdict).toMatchObject({ kind: 'deny', code: 'stopped' });
    expect(verdict.reasons[0]).toBe('the agent bot is suspended (refusal burst)');
  });

  it('refuses a well-formed token it never issued', async () => {
    await tokenFor('bot', ['write:staging']);
    const { generateToken } = await import('../../src/identity/token-format.js');
    const { verdict } = await runtime.gate.decide({ operation: op('read'), token: generateToken().token });
    expect(verdict.reasons[0]).toBe('the token is not known to this Airlock');
  });

  it('runs an approved hold exactly once, and only for the exact request', async () => {
    const token = await tokenFor('bot', ['write:staging']);
    const held = await runtime.gate.decide({ operation: op('destructive', 'production', 'volumeDelete vol_1'), token });
    expect(held.verdict.kind).toBe('hold');
    const holdId = held.verdict.holdId!;
    await runtime.store.holds.transition(holdId, ['pending'], 'approved', { approvals: [{ operator: 'alice', at: now.toISOString(), secondFactor: true }] });

    const other = await runtime.gate.decide({ operation: op('destructive', 'production', 'volumeDelete vol_2'), token, holdId });
    expect(other.verdict).toMatchObject({ kind: 'deny', code: 'hold_invalid' });
    expect(other.verdict.reasons[0]).toContain('different request');

    const first = await runtime.gate.decide({ operation: op('destructive', 'production', 'volumeDelete vol_1'), token, holdId });
    expect(first.verdict).toMatchObject({ kind: 'allow', holdId });
    expect(first.verdict.reasons[0]).toContain('approved by alice');

    const again = await runtime.gate.decide({ operation: op('destructive', 'production', 'volumeDelete vol_1'), token, holdId });
    expect(again.verdict).toMatchObject({ kind: 'deny', code: 'hold_invalid' });
    expect(again.verdict.reasons[0]).toContain('already used');
  });

  it('finds the approved hold for an identical request that does not quote the id', async () => {
    const token = await tokenFor('bot', ['write:staging']);
    const held = await runtime.gate.decide({ operation: op('destructive', 'production', 'same'), token });
    await runtime.store.holds.transition(held.verdict.holdId!, ['pending'], 'approved', {
      approvals: [{ operator: 'alice', at: now.toISOString(), secondFactor: true }],
    });
    const retried = await runtime.gate.decide({ operation: op('destructive', 'production', 'same'), token });
    expect(retried.verdict).toMatchObject({ kind: 'allow', holdId: held.verdict.holdId });
  });

  it('does not let another agent use a hold', async () => {
    const token = await tokenFor('bot', ['write:staging']);
    const other = await tokenFor('other', ['write:staging']);
    const held = await runtime.gate.decide({ operation: op('destructive', 'production', 'h'), token });
    await runtime.store.holds.transition(held.verdict.holdId!, ['pending'], 'approved', {
      approvals: [{ operator: 'alice', at: now.toISOString(), secondFactor: true }],
    });
    const stolen = await runtime.gate.decide({ operation: op('destructive', 'production', 'h'), token: other, holdId: held.verdict.holdId! });
    expect(stolen.verdict.reasons[0]).toContain('belongs to another agent');
  });

  it('refuses an approved hold once it has expired', async () => {
    const token = await tokenFor('bot', ['write:staging']);
    const held = await runtime.gate.decide({ operation: op('destructive', 'production', 'late'), token });
    await runtime.store.holds.transition(held.verdict.holdId!, ['pending'], 'approved', {
      approvals: [{ operator: 'alice', at: now.toISOString(), secondFactor: true }],
    });
    now = new Date(now.getTime() + 2 * 3_600_000);
    const late = await runtime.gate.decide({ operation: op('destructive', 'production', 'late'), token, holdId: held.verdict.holdId! });
    expect(late.verdict.reasons[0]).toContain('expired');
  });

  it('fails closed when the store cannot be written: nothing is allowed, and what was recorded stays', async () => {
    const token = await tokenFor('bot', ['write:staging']);
    const before = await runtime.gate.decide({ operation: op('write'), token });
    expect(before.verdict.kind).toBe('allow');
    (runtime.store as SqliteStore).db.pragma('query_only = ON');
    const during = await runtime.gate.decide({ operation: op('read'), token });
    expect(during.verdict).toMatchObject({ kind: 'deny', code: 'unavailable' });
    expect(during.verdict.reasons[0]).toContain('nothing was forwarded');
    const held = await runtime.gate.decide({ operation: op('destructive', 'production', 'while-broken'), token });
    expect(held.verdict).toMatchObject({ kind: 'deny', code: 'unavailable' });
    (runtime.store as SqliteStore).db.pragma('query_only = OFF');
    const records = await runtime.store.audit.list({ agent: 'bot' });
    expect(records.map((r) => r.verdict)).toEqual(['allow']);
  });
});

describe('what another process changes', () => {
  it('is seen by the next decision: a token revoked, an agent stopped, the stop for all pulled', async () => {
    const token = await tokenFor('bot', ['write:staging']);
    expect((await runtime.gate.decide({ operation: op('read'), token })).verdict.kind).toBe('allow');
    // A second connection to the same database, as the CLI or another replica would have.
    const other = await openRuntime(runtime.config, { log: silentLogger, clock: () => now });
    try {
      await other.store.control.setStopAll({ reason: 'drill', by: 'alice', at: now.toISOString() });
      expect((await runtime.gate.decide({ operation: op('read'), token })).verdict).toMatchObject({ kind: 'deny', code: 'stopped' });
      await other.store.control.setStopAll(undefined);
      expect((await runtime.gate.decide({ operation: op('read'), token })).verdict.kind).toBe('allow');
      await other.store.agents.setState('bot', 'stopped', 'by alice');
      expect((await runtime.gate.decide({ operation: op('read'), token })).verdict.reasons[0]).toContain('is stopped');
      await other.store.agents.setState('bot', 'active', undefined);
      const [record] = await other.store.tokens.list({ agent: 'bot' });
      await other.store.tokens.revoke(record!.id, now.toISOString());
      expect((await runtime.gate.decide({ operation: op('read'), token })).verdict.reasons[0]).toContain('revoked');
    } finally {
      await other.close();
    }
  });
});
