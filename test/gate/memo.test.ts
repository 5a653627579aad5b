import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { parseConfig } from '../../src/config/load.js';
import { requestDigest } from '../../src/core/digest.js';
import { operationFromParts, type OperationClass } from '../../src/core/operation.js';
import { silentLogger } from '../../src/server/log.js';
import { openRuntime, type Runtime } from '../../src/server/runtime.js';
import { issueFor } from './support.js';

/**
 * The gate remembers a decision per token and operation shape. Each test has it remember an
 * allow (the same request twice), changes one thing a fresh evaluation would refuse on, and
 * asks again: the remembered allow must never answer.
 */
let dir: string;
let runtime: Runtime;
let now: Date;
const policyFile = () => join(dir, 'policies.cedar');

beforeEach(async () => {
  dir = mkdtempSync(join(tmpdir(), 'airlock-memo-'));
  now = new Date('2026-11-30T12:00:00Z');
  writeFileSync(policyFile(), '');
  const config = parseConfig(
    [
      `dataDir: ${dir}`,
      `policies: [${policyFile()}]`,
      'budgets: [{ agent: frugal, class: write, limit: 2, per: 1h }]',
      'baseline: { ignore: [refusal-burst, first-destructive] }',
    ].join('\n'),
    join(dir, 'airlock.yaml'),
  );
  runtime = await openRuntime(config, { log: silentLogger, clock: () => now });
});
afterEach(async () => {
  await runtime.close();
  rmSync(dir, { recursive: true, force: true });
});

const tokenFor = (agent: string, scopes: string[], ttlMs?: number) => issueFor(runtime, now, agent, scopes, ttlMs);

function op(cls: OperationClass, environment = 'staging', resource = 'accounts') {
  return operationFromParts({
    door: 'postgres',
    upstream: 'app',
    environment,
    parts: [{ action: cls === 'read' ? 'sql:SelectStmt' : 'sql:UpdateStmt', class: cls, resources: [resource] }],
    digest: requestDigest(`${cls} ${resource}`),
  });
}

/** Asks twice, so that the second answer is the remembered one, and returns the verdict. */
async function allowedTwice(token: string, operation = op('read')) {
  for (let i = 0; i < 2; i++) expect((await runtime.gate.decide({ operation, token })).verdict.kind).toBe('allow');
}

const ask = async (token: string, operation = op('read')) => (await runtime.gate.decide({ operation, token })).verdict;

describe('the remembered decision', () => {
  it('still writes a record of its own for every request', async () => {
    const token = await tokenFor('bot', ['read:staging']);
    const before = (await runtime.store.audit.head()).seq;
    await allowedTwice(token);
    await allowedTwice(token);
    const records = await runtime.store.audit.list({ afterSeq: before, type: 'decision' });
    expect(records.map((r) => r.verdict)).toEqual(['allow', 'allow', 'allow', 'allow']);
    expect(new Set(records.map((r) => r.seq)).size).toBe(4);
  });

  it('gives way to a policy reloaded to forbid the operation', async () => {
    const token = await tokenFor('bot', ['read:staging']);
    await allowedTwice(token);
    writeFileSync(policyFile(), '@id("no-reads")\n@reason("reads are closed")\nforbid (principal, action == Airlock::Action::"read", resource);\n');
    runtime.reloadPolicies();
    expect(await ask(token)).toMatchObject({ kind: 'deny', code: 'forbidden', policies: ['no-reads'] });
  });

  it('gives way to the stop for all, and to an agent stopped, from another process', async () => {
    const token = await tokenFor('bot', ['read:staging']);
    await allowedTwice(token);
    const other = await openRuntime(runtime.config, { log: silentLogger, clock: () => now });
    try {
      await other.store.control.setStopAll({ reason: 'drill', by: 'alice', at: now.toISOString() });
      expect(await ask(token)).toMatchObject({ kind: 'deny', code: 'stopped' });
      await other.store.control.setStopAll(undefined);
      await allowedTwice(token);
      await other.store.agents.setState('bot', 'suspended', 'by alice');
      expect(await ask(token)).toMatchObject({ kind: 'deny', code: 'stopped' });
    } finally {
      await other.close();
    }
  });

  it('gives way to a freeze for a write it allowed before', async () => {
    const token = await tokenFor('bot', ['write:staging']);
    await allowedTwice(token, op('write'));
    await runtime.store.control.setFreeze({ reason: 'release', by: 'alice', at: now.toISOString() });
    expect(await ask(token, op('write'))).toMatchObject({ kind: 'deny' });
  });

  it('gives way to a token revoked, and to the clock passing its expiry', async () => {
    const revoked = await tokenFor('bot', ['read:staging']);
    await allowedTwice(revoked);
    const [record] = await runtime.store.tokens.list({ agent: 'bot' });
    await runtime.store.tokens.revoke(record!.id, now.toISOString());
    expect(await ask(revoked)).toMatchObject({ kind: 'deny', code: 'unauthenticated' });

    const expiring = await tokenFor('bot', ['read:staging'], 60_000);
    await allowedTwice(expiring);
    now = new Date(now.getTime() + 60_000);
    expect(await ask(expiring)).toMatchObject({ kind: 'deny', code: 'unauthenticated' });
  });

  it('is never another token’s: a token with narrower scopes for the same agent is refused what the other was allowed', async () => {
    const wide = await tokenFor('bot', ['read:*']);
    await allowedTwice(wide, op('read', 'production'));
    const narrow = await tokenFor('bot', ['read:staging']);
    expect(await ask(narrow, op('read', 'production'))).toMatchObject({ kind: 'deny', code: 'forbidden' });
    expect(await ask(wide, op('read', 'production'))).toMatchObject({ kind: 'allow' });
  });

  it('gives way to a budget used up', async () => {
    const token = await tokenFor('frugal', ['write:staging']);
    await allowedTwice(token, op('write'));
    expect(await ask(token, op('write'))).toMatchObject({ kind: 'deny', code: 'budget' });
  });

  it('is not used for the same request classified differently', async () => {
    const token = await tokenFor('bot', ['read:staging']);
    await allowedTwice(token);
    const sameDigestAsWrite = { ...op('write'), digest: op('read').digest };
    expect(await ask(token, sameDigestAsWrite)).toMatchObject({ kind: 'deny', code: 'forbidden' });
  });

  it('is not used for an operation on another resource, which a policy forbids', async () => {
    writeFileSync(
      policyFile(),
      '@id("no-secrets")\n@reason("secrets are closed")\nforbid (principal, action, resource) when { context.resources.contains("secrets") };\n',
    );
    runtime.reloadPolicies();
    const token = await tokenFor('bot', ['read:staging']);
    await allowedTwice(token, op('read', 'staging', 'accounts'));
    expect(await ask(token, op('read', 'staging', 'secrets'))).toMatchObject({ kind: 'deny', policies: ['no-secrets'] });
  });

  it('answers a statement with other literal values as a fresh evaluation does, and records it as itself', async () => {
    const token = await tokenFor('bot', ['read:staging']);
    await allowedTwice(token);
    const other = { ...op('read'), digest: requestDigest('SELECT 2'), summary: 'SELECT 2' };
    const result = await runtime.gate.decide({ operation: other, token });
    expect(result.verdict.kind).toBe('allow');
    expect(result.record).toMatchObject({ digest: other.digest, summary: 'SELECT 2', verdict: 'allow' });
  });
});
