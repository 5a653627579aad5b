/**
 * The README's five-minute guide, with the baseline's defaults: an agent whose destructive calls
 * are held, asks after each while it waits, and an operator approves them in turn. Holds are
 * Airlock working as meant; the circuit breaker must stay quiet on this path.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startHoldWorld, type HoldWorld } from '../holds/support.js';

let world: HoldWorld;
let aliceCode: () => string;

beforeAll(async () => {
  // The defaults, not the quiet settings the hold tests use.
  world = await startHoldWorld({ config: { baseline: {} } });
  aliceCode = await world.enrol('alice');
});
afterAll(() => world.close());

const deletes = (path: string) => world.upstream.received.filter((r) => r.method === 'DELETE' && r.url === path).length;

describe('the five-minute guide with the default circuit breaker', () => {
  it('holds three deletes, approved in turn, runs each once and never suspends the agent', async () => {
    for (const [i, volume] of ['vol-1', 'vol-2', 'vol-3'].entries()) {
      const path = `/v1/volumes/${volume}`;
      world.clock.advance(30_000);
      const held = await world.send('DELETE', path);
      expect(held.body.verdict, JSON.stringify(held.body)).toBe('hold');
      if (i === 0) {
        // The first destructive hold says every reason that applied.
        expect(held.body.reasons.join(' ')).toContain('is a destructive operation in production');
        expect(held.body.reasons.join(' ')).toContain('first-destructive');
      }

      // The agent asks again while the operator reads: the same hold, not a new refusal.
      world.clock.advance(10_000);
      const waiting = await world.send('DELETE', path);
      expect(waiting.body.holdId).toBe(held.body.holdId);

      world.clock.advance(30_000);
      const approved = await world.admin('alice').approveHold({ id: held.body.holdId, code: aliceCode() });
      expect(approved.hold.status).toBe('approved');
      expect(approved.warning).toBeUndefined();

      const ran = await world.send('DELETE', path, { holdId: held.body.holdId });
      expect(ran.status).toBe(200);
      // Sent once more by a retrying client: "already used", which is not the agent going astray.
      const used = await world.send('DELETE', path, { holdId: held.body.holdId });
      expect(used.body.reason).toBe('hold_invalid');
      expect(deletes(path)).toBe(1);
    }

    const agent = await world.airlock.airlock.runtime.store.agents.get('deploy-bot');
    expect(agent!.state).toBe('active');
    expect(await world.airlock.airlock.runtime.store.audit.list({ agent: 'deploy-bot', type: 'agent.suspended' })).toEqual([]);
    // A read afterwards goes through as before.
    expect((await world.send('GET', '/v1/volumes')).status).toBe(200);
  });

  it('suspends the agent on the incident pattern, and an approval then warns that the run will be refused', async () => {
    const found = await world.airlock.token('deploy-bot', ['read:*'], 86_400_000);
    const narrow = await world.airlock.token('deploy-bot', ['read:*'], 86_400_000);
    world.clock.advance(60_000);
    // A permission error: the narrow token may not write.
    expect((await world.send('POST', '/v1/services', { token: narrow, body: { name: 'api' } })).body.reason).toBe('forbidden');
    // Another credential, then a destructive call with it.
    world.clock.advance(5_000);
    const held = await world.send('DELETE', '/v1/volumes/vol-prod', { token: found });
    expect(held.body.verdict).toBe('hold');

    const agent = await world.airlock.airlock.runtime.store.agents.get('deploy-bot');
    expect(agent!.state).toBe('suspended');
    expect(agent!.stateReason).toContain('a refused call, another credential, then destructive');

    world.clock.advance(30_000);
    const approved = await world.admin('alice').approveHold({ id: held.body.holdId, code: aliceCode() });
    expect(approved.warning).toContain('agent deploy-bot is suspended');
    expect(approved.warning).toContain('airlock agent resume deploy-bot');
    const refused = await world.send('DELETE', '/v1/volumes/vol-prod', { token: found, holdId: held.body.holdId });
    expect(refused.status).toBe(403);
    expect(deletes('/v1/volumes/vol-prod')).toBe(0);
  });
});
