import { afterEach, describe, expect, it } from 'vitest';
import { DEMO } from '../../../src/demo/railway-standin.js';
import { replayHttpRequest, type StoredHttpRequest } from '../../../src/doors/http/index.js';
import { nextRecord } from '../../holds/support.js';
import { graphql, startWorld, type HttpDoorWorld } from './support.js';

const DELETE_STAGING = { query: `mutation { volumeDelete(volumeId: "${DEMO.volumes.stagingDb}") }` };

describe('held HTTP requests', () => {
  let world: HttpDoorWorld | undefined;
  afterEach(async () => {
    await world?.close();
    world = undefined;
  });

  it('replays a held request exactly, with the credential injected and masked in the answer', async () => {
    world = await startWorld({ echoHeaders: true });
    const token = await world.airlock.token('agent', ['write:staging', 'read:*']);
    const held = await graphql(world, token, DELETE_STAGING);
    const hold = await world.airlock.airlock.runtime.store.holds.get(held.json.errors[0].extensions.holdId);
    expect(world.railway.volume(DEMO.volumes.stagingDb)).toBeDefined();

    const answer = await replayHttpRequest(hold!.request as StoredHttpRequest, world.airlock.config);
    expect(answer.status).toBe(200);
    const body = JSON.parse(answer.body.toString()) as { data: unknown; extensions: { requestHeaders: Record<string, string> } };
    expect(body.data).toEqual({ volumeDelete: true });
    expect(body.extensions.requestHeaders.authorization).toBe(`Bearer ${'*'.repeat(world.railwayToken.length)}`);
    expect(world.railway.volume(DEMO.volumes.stagingDb)).toBeUndefined();
    expect(world.railway.received.at(-1)!.body).toBe(JSON.stringify(DELETE_STAGING));
  });

  it('refuses to replay something that is not an HTTP request, or for an upstream no longer configured', async () => {
    world = await startWorld();
    await expect(replayHttpRequest({ door: 'mcp' } as unknown as StoredHttpRequest, world.airlock.config)).rejects.toThrow(
      'not a request held by the HTTP door',
    );
    const stored: StoredHttpRequest = { door: 'http', upstream: 'gone', method: 'POST', path: '/', headers: {}, body: '' };
    await expect(replayHttpRequest(stored, world.airlock.config)).rejects.toThrow('no longer configured');
  });

  it('in wait mode keeps the request open and forwards it once an operator approves', async () => {
    world = await startWorld({ config: { holds: { mode: 'wait', wait: '20s' } } });
    const token = await world.airlock.token('patient-agent', ['write:staging', 'read:*']);
    const { store, clock } = world.airlock.airlock.runtime;
    const held = nextRecord(world.airlock.airlock.runtime.audit, (r) => r.agent === 'patient-agent' && r.verdict === 'hold', 'the hold');
    const pending = graphql(world, token, DELETE_STAGING);
    const holdId = (await held).holdId!;
    await store.holds.addApproval(holdId, { operator: 'alice', at: clock().toISOString(), secondFactor: true });
    const answer = await pending;
    expect(answer.status).toBe(200);
    expect(answer.json).toEqual({ data: { volumeDelete: true } });
  });

  it('in wait mode answers the refusal when an operator denies', async () => {
    world = await startWorld({ config: { holds: { mode: 'wait', wait: '20s' } } });
    const token = await world.airlock.token('patient-agent', ['write:staging', 'read:*']);
    const { store } = world.airlock.airlock.runtime;
    const held = nextRecord(world.airlock.airlock.runtime.audit, (r) => r.agent === 'patient-agent' && r.verdict === 'hold', 'the hold');
    const pending = graphql(world, token, DELETE_STAGING);
    const holdId = (await held).holdId!;
    await store.holds.transition(holdId, ['pending'], 'denied', { decidedBy: 'alice', decision: 'not during the sale' });
    const answer = await pending;
    expect(answer.status).toBe(403);
    expect(answer.json.errors[0].extensions).toMatchObject({ code: 'AIRLOCK_DENIED', reason: 'hold_invalid', holdId });
    expect(answer.json.errors[0].message).toContain('not during the sale');
    expect(world.railway.volume(DEMO.volumes.stagingDb)).toBeDefined();
  });
});
