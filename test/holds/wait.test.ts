import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { waitForHoldDecision } from '../../src/holds/wait.js';
import { eventually, startHoldWorld, type HoldWorld } from './support.js';

const RULES = [
  { method: 'DELETE', path: '/v1/volumes/{volumeId}', class: 'destructive', action: 'volumeDelete' },
  { method: 'DELETE', path: '/v1/caches/{cacheId}', class: 'destructive', action: 'cacheDelete' },
];

// In `respond` mode by config, but this policy keeps the agent's request open for its answer.
const WAIT_FOR_CACHES = `
@id("caches-wait-for-an-answer")
@hold("mfa")
@wait("30s")
forbid (principal, action == Airlock::Action::"destructive", resource)
when { context.operation == "cacheDelete" };
`;

describe('wait mode', () => {
  let world: HoldWorld;
  let code: () => string;
  beforeAll(async () => {
    world = await startHoldWorld({ upstream: { rules: RULES, holds: { mode: 'wait', wait: '30s' } } });
    code = await world.enrol('alice');
  });
  afterAll(() => world.close());

  const pendingHold = (path: string) =>
    eventually(async () => (await world.admin().listHolds({ status: ['pending'] })).find((h) => h.operation.summary.includes(path))?.id, `the hold of ${path}`);

  it('keeps the request open and forwards it the moment an operator approves', async () => {
    const answer = world.send('DELETE', '/v1/volumes/vol-1');
    const id = await pendingHold('/v1/volumes/vol-1');
    expect(world.upstream.received).toHaveLength(0);
    world.clock.advance(30_000);
    await world.admin('alice').approveHold({ id, code: code() });
    const { status, body } = await answer;
    expect(status).toBe(200);
    expect(body).toMatchObject({ ok: true, method: 'DELETE', url: '/v1/volumes/vol-1' });
    expect(world.upstream.received.filter((r) => r.url === '/v1/volumes/vol-1')).toHaveLength(1);
    expect((await world.admin().showHold({ id })).status).toBe('executed');
  });

  it('answers a denial at once with the refusal', async () => {
    const answer = world.send('DELETE', '/v1/volumes/vol-2');
    const id = await pendingHold('/v1/volumes/vol-2');
    await world.admin('bob').denyHold({ id, reason: 'no' });
    const { status, body } = await answer;
    expect(status).toBe(403);
    expect(body).toMatchObject({ verdict: 'deny', reason: 'hold_invalid', holdId: id });
    expect(world.upstream.received.filter((r) => r.url === '/v1/volumes/vol-2')).toHaveLength(0);
  });
});

describe('waiting for a decision', () => {
  let world: HoldWorld;
  let code: () => string;
  beforeAll(async () => {
    world = await startHoldWorld({ upstream: { rules: RULES, holds: { mode: 'wait', wait: '1s' } }, policies: { 'wait.cedar': WAIT_FOR_CACHES } });
    code = await world.enrol('alice');
  });
  afterAll(() => world.close());

  it('gives the held answer when nobody decides in time, and the hold stays open for a retry', async () => {
    const { status, body } = await world.send('DELETE', '/v1/volumes/vol-9');
    expect(status).toBe(403);
    expect(body.verdict).toBe('hold');
    expect((await world.admin().showHold({ id: body.holdId })).status).toBe('pending');
    await world.admin('alice').approveHold({ id: body.holdId, code: code() });
    expect((await world.send('DELETE', '/v1/volumes/vol-9', { holdId: body.holdId })).status).toBe(200);
  });

  it('waits when a policy says @wait, even where the upstream answers at once', async () => {
    const answer = world.send('DELETE', '/v1/caches/cache-1');
    let answered = false;
    void answer.then(() => (answered = true));
    const id = await eventually(
      async () => (await world.admin().listHolds({ status: ['pending'] })).find((h) => h.operation.action === 'cacheDelete')?.id,
      'the cache hold',
    );
    // A request sent after it, under the upstream's own 1s wait, gets its held answer: the cache
    // request, under the policy's 30s, is still open then.
    const later = await world.send('DELETE', '/v1/volumes/vol-12');
    expect(later.body.verdict).toBe('hold');
    expect(answered).toBe(false);
    world.clock.advance(30_000);
    await world.admin('alice').approveHold({ id, code: code() });
    expect((await answer).status).toBe(200);
  });

  it('returns when the hold is decided elsewhere, and times out otherwise', async () => {
    const { body } = await world.send('DELETE', '/v1/volumes/vol-10');
    const runtime = world.airlock.airlock.runtime;
    expect((await waitForHoldDecision(runtime, body.holdId, 300)).outcome).toBe('timeout');
    const waiting = waitForHoldDecision(runtime, body.holdId, 10_000);
    // Written straight to the store, as another process would: no audit record here to wake on.
    await runtime.store.holds.transition(body.holdId, ['pending'], 'denied', { decidedBy: 'elsewhere', decision: 'no' });
    expect((await waiting).outcome).toBe('denied');
    const aborted = new AbortController();
    const { body: other } = await world.send('DELETE', '/v1/volumes/vol-11');
    const abandoned = waitForHoldDecision(runtime, other.holdId, 10_000, { signal: aborted.signal });
    aborted.abort();
    expect((await abandoned).outcome).toBe('aborted');
  });
});
