import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { parseConfig } from '../../src/config/load.js';
import { requestDigest } from '../../src/core/digest.js';
import { operationFromParts } from '../../src/core/operation.js';
import { authenticate } from '../../src/identity/authenticate.js';
import { silentLogger } from '../../src/server/log.js';
import { openRuntime, type Runtime } from '../../src/server/runtime.js';
import { issueFor } from './support.js';

/**
 * A door that authenticated the request itself (Gate.authenticate) hands that authentication
 * to the decision, which then skips its own. Each test lets something change after the door's
 * authentication that a fresh one would refuse on, and checks that the next request (or a
 * second decision for the same one) is refused all the same.
 */
let dir: string;
let runtime: Runtime;
let now: Date;

beforeEach(async () => {
  dir = mkdtempSync(join(tmpdir(), 'airlock-admission-'));
  now = new Date('2026-12-04T12:00:00Z');
  writeFileSync(join(dir, 'policies.cedar'), '');
  const config = parseConfig([`dataDir: ${dir}`, `policies: [${join(dir, 'policies.cedar')}]`].join('\n'), join(dir, 'airlock.yaml'));
  runtime = await openRuntime(config, { log: silentLogger, clock: () => now });
});
afterEach(async () => {
  await runtime.close();
  rmSync(dir, { recursive: true, force: true });
});

const operation = operationFromParts({
  door: 'mcp',
  upstream: 'notes',
  environment: 'staging',
  parts: [{ action: 'mcp:list_notes', class: 'read', resources: [] }],
  digest: requestDigest('list_notes'),
});

/** One request as the MCP door serves it: the door authenticates, then the gate decides. */
async function request(token: string) {
  const authenticated = await runtime.gate.authenticate(token);
  return (await runtime.gate.decide({ operation, token, authenticated })).verdict;
}

async function revoke(agent: string) {
  for (const record of await runtime.store.tokens.list({ agent })) await runtime.store.tokens.revoke(record.id, now.toISOString());
}

describe("a door's authentication, handed to the gate", () => {
  it('decides and records as the gate’s own would', async () => {
    const token = await issueFor(runtime, now, 'bot', ['read:staging']);
    const authenticated = await runtime.gate.authenticate(token);
    const result = await runtime.gate.decide({ operation, token, authenticated });
    expect(result.verdict.kind).toBe('allow');
    expect(result.record).toMatchObject({ agent: 'bot', token: result.tokenId, verdict: 'allow' });
  });

  it('gives way to a token revoked, an agent suspended, the clock passing an expiry: on the next request', async () => {
    const revoked = await issueFor(runtime, now, 'bot', ['read:staging']);
    expect(await request(revoked)).toMatchObject({ kind: 'allow' });
    await revoke('bot');
    expect(await request(revoked)).toMatchObject({ kind: 'deny', code: 'unauthenticated' });

    const suspended = await issueFor(runtime, now, 'other', ['read:staging']);
    expect(await request(suspended)).toMatchObject({ kind: 'allow' });
    await runtime.store.agents.setState('other', 'suspended', 'by alice');
    expect(await request(suspended)).toMatchObject({ kind: 'deny', code: 'stopped' });

    const expiring = await issueFor(runtime, now, 'third', ['read:staging'], 60_000);
    expect(await request(expiring)).toMatchObject({ kind: 'allow' });
    now = new Date(now.getTime() + 60_000);
    expect(await request(expiring)).toMatchObject({ kind: 'deny', code: 'unauthenticated' });
  });

  it('stands for one decision only: a second one for the same request authenticates afresh', async () => {
    const token = await issueFor(runtime, now, 'bot', ['read:staging']);
    const authenticated = await runtime.gate.authenticate(token);
    expect((await runtime.gate.decide({ operation, token, authenticated })).verdict.kind).toBe('allow');
    await revoke('bot');
    expect((await runtime.gate.decide({ operation, token, authenticated })).verdict).toMatchObject({ kind: 'deny', code: 'unauthenticated' });
  });

  it('is not used once its moment has passed, nor past the token’s expiry', async () => {
    const token = await issueFor(runtime, now, 'bot', ['read:staging']);
    const stale = await runtime.gate.authenticate(token);
    await revoke('bot');
    now = new Date(now.getTime() + 2_000);
    expect((await runtime.gate.decide({ operation, token, authenticated: stale })).verdict).toMatchObject({ kind: 'deny', code: 'unauthenticated' });

    const expiring = await issueFor(runtime, now, 'other', ['read:staging'], 500);
    const authenticated = await runtime.gate.authenticate(expiring);
    now = new Date(now.getTime() + 500);
    expect((await runtime.gate.decide({ operation, token: expiring, authenticated })).verdict).toMatchObject({ kind: 'deny', code: 'unauthenticated' });
  });

  it('is only trusted from the gate, and only for the token it was made for', async () => {
    const token = await issueFor(runtime, now, 'bot', ['read:staging']);
    // Made elsewhere (not by the gate): the gate authenticates the token itself.
    const forged = await authenticate(runtime.store, token, now);
    await revoke('bot');
    expect((await runtime.gate.decide({ operation, token, authenticated: forged })).verdict).toMatchObject({ kind: 'deny', code: 'unauthenticated' });

    const other = await issueFor(runtime, now, 'other', ['read:staging']);
    const authenticated = await runtime.gate.authenticate(other);
    // Another token presented with it: that token is the one judged (and it is refused).
    const verdict = (await runtime.gate.decide({ operation, token: token, authenticated })).verdict;
    expect(verdict).toMatchObject({ kind: 'deny', code: 'unauthenticated' });
    expect((await runtime.gate.decide({ operation, token: undefined, authenticated })).verdict).toMatchObject({ kind: 'deny', code: 'unauthenticated' });
  });
});
