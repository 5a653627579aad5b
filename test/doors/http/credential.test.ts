/**
 * The real credential lives in Airlock alone: it is injected on the way to the upstream and
 * never comes back to the agent — not in a body, a header, an error or a log line — and the
 * agent's own Airlock token never goes on to the upstream.
 */
import { Writable } from 'node:stream';
import { pino } from 'pino';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { DEMO } from '../../../src/demo/railway-standin.js';
import { startTestAirlock, type TestAirlock } from '../../support/airlock.js';
import { recordAttack } from '../../support/attacks.js';
import { graphql, startWorld, type HttpDoorWorld } from './support.js';

describe('the upstream credential', () => {
  let world: HttpDoorWorld;
  let token: string;
  let logs = '';

  beforeAll(async () => {
    const sink = new Writable({
      write(chunk: Buffer, _encoding, callback) {
        logs += chunk.toString();
        callback();
      },
    });
    world = await startWorld({ echoHeaders: true, airlock: { log: pino({ level: 'trace' }, sink) } });
    token = await world.airlock.token('curious-agent', ['write:staging', 'read:*']);
  });
  afterAll(() => world.close());

  const secrets = () => [world.railwayToken, world.volumesToken];
  const expectClean = (text: string) => {
    for (const secret of secrets()) expect(text).not.toContain(secret);
  };

  it('is injected on the way to the GraphQL upstream', async () => {
    await graphql(world, token, { query: '{ me { email } }' });
    expect(world.railway.received.at(-1)!.headers.authorization).toBe(`Bearer ${world.railwayToken}`);
  });

  it('is masked when a GraphQL upstream echoes the request headers back', async () => {
    const { status, json } = await graphql(world, token, { query: '{ me { email } }' });
    expect(status).toBe(200);
    const echoed = json.extensions.requestHeaders.authorization as string;
    expect(echoed).toBe(`Bearer ${'*'.repeat(world.railwayToken.length)}`);
    expectClean(JSON.stringify(json));
  });

  it('is masked when a REST upstream echoes it in its body and in a response header', async () => {
    const response = await fetch(`${world.restUrl}/echo`, { headers: { authorization: `Bearer ${token}` } });
    const text = await response.text();
    expect(response.status).toBe(200);
    expect(JSON.parse(text).headers['x-api-key']).toBe('*'.repeat(world.volumesToken.length));
    expect(response.headers.get('x-seen-key')).toBe('*'.repeat(world.volumesToken.length));
    expectClean(text);
    expectClean(JSON.stringify([...response.headers]));
  });

  it('cannot be overridden or read by the agent sending its own credential header', async () => {
    const response = await fetch(`${world.restUrl}/echo`, { headers: { authorization: `Bearer ${token}`, 'x-api-key': 'agent-chosen' } });
    const body = (await response.json()) as { headers: Record<string, string> };
    expect(body.headers['x-api-key']).toBe('*'.repeat(world.volumesToken.length));
    expect(world.volumes.received.at(-1)!.headers['x-api-key']).toBe(world.volumesToken);
  });

  it.each([
    ['Project-Access-Token', () => world.railwayToken],
    ['X-Railway-Token', () => world.railwayToken],
    ['X-Api-Key', () => world.volumesToken],
  ])('refuses a request that brings a real credential of its own in %s, and forwards nothing', async (header, value) => {
    const before = world.railway.received.length;
    const { status, json } = await graphql(
      world,
      token,
      { query: `mutation { volumeDelete(volumeId: "${DEMO.volumes.productionDb}") }` },
      { [header]: value() },
    );
    expect(status).toBe(403);
    expect(JSON.stringify(json)).toMatch(/not the agent's own/);
    expectClean(JSON.stringify(json));
    expect(world.railway.received.length).toBe(before);
    const [record] = await world.airlock.airlock.runtime.store.audit.list({ type: 'decision', newestFirst: true, limit: 1 });
    expect(record).toMatchObject({ agent: 'curious-agent', verdict: 'deny', policies: ['airlock/raw-credential'] });
    expectClean(JSON.stringify(record));
    recordAttack({
      door: 'http',
      category: 'a real credential beside the Airlock token',
      attack: `${header}: <the provider's real token>`,
      outcome: 'refused',
      effect: 'nothing reached the upstream (its request log is unchanged)',
    });
  });

  it('is not in refusals, holds or errors', async () => {
    const held = await graphql(world, token, { query: `mutation { volumeDelete(volumeId: "${DEMO.volumes.productionDb}") }` });
    expectClean(JSON.stringify(held.json));
    const denied = await graphql(world, token, {
      query: `mutation { variableUpsert(input: { projectId: "p", environmentId: "${DEMO.environments.production}", name: "A", value: "1" }) }`,
    });
    expectClean(JSON.stringify(denied.json));
    const unreadable = await graphql(world, token, '{"query": ');
    expectClean(JSON.stringify(unreadable.json));
    const hold = await world.airlock.airlock.runtime.store.holds.get(held.json.errors[0].extensions.holdId);
    expectClean(JSON.stringify(hold));
    expect(JSON.stringify(hold)).not.toContain(token);
  });

  it('is not in the audit log', async () => {
    const records = await world.airlock.airlock.runtime.store.audit.list({ limit: 1000 });
    expect(records.length).toBeGreaterThan(3);
    expectClean(JSON.stringify(records));
    expect(JSON.stringify(records)).not.toContain(token);
  });

  it('is not in the log, and neither is the agent token', () => {
    expect(logs).toContain('decided');
    expectClean(logs);
    expect(logs).not.toContain(token);
  });

  it('the agent token never reaches an upstream', () => {
    const seen = JSON.stringify([...world.railway.received, ...world.volumes.received]);
    expect(seen).not.toContain(token);
    expect(seen).not.toContain('alk_');
  });
});

describe('an upstream that cannot be reached or has no credential', () => {
  let airlock: TestAirlock;
  const secret = 'rw_unreachable_0123456789';

  beforeAll(async () => {
    process.env.AIRLOCK_TEST_UNREACHABLE = secret;
    airlock = await startTestAirlock({
      config: {
        upstreams: [
          { name: 'down', kind: 'graphql', url: 'http://127.0.0.1:9/graphql', credential: { bearer: { env: 'AIRLOCK_TEST_UNREACHABLE' } } },
          { name: 'nokey', kind: 'rest', url: 'http://127.0.0.1:9/', credential: { bearer: { env: 'AIRLOCK_TEST_NEVER_SET' } } },
          {
            name: 'noschema',
            kind: 'graphql',
            url: 'http://127.0.0.1:9/graphql',
            introspect: true,
            credential: { bearer: { env: 'AIRLOCK_TEST_UNREACHABLE' } },
          },
        ],
      },
    });
  });
  afterAll(async () => {
    await airlock.close();
    delete process.env.AIRLOCK_TEST_UNREACHABLE;
  });

  it('answers 502 in GraphQL form without the credential', async () => {
    const token = await airlock.token('agent', ['read:*']);
    const response = await fetch(`${airlock.url}/u/down`, {
      method: 'POST',
      headers: { authorization: `Bearer ${token}`, 'content-type': 'application/json' },
      body: JSON.stringify({ query: '{ me { email } }' }),
    });
    const text = await response.text();
    expect(response.status).toBe(502);
    expect(JSON.parse(text).errors[0].message).toContain('the upstream down did not answer');
    expect(text).not.toContain(secret);
  });

  it('refuses requests to a GraphQL upstream whose schema it could not introspect', async () => {
    const token = await airlock.token('agent', ['read:*']);
    const response = await fetch(`${airlock.url}/u/noschema`, {
      method: 'POST',
      headers: { authorization: `Bearer ${token}`, 'content-type': 'application/json' },
      body: JSON.stringify({ query: '{ me { email } }' }),
    });
    const text = await response.text();
    expect(response.status).toBe(503);
    expect(JSON.parse(text).errors[0].message).toContain('has not yet read the schema of the upstream noschema');
    expect(text).not.toContain(secret);
  });

  it('refuses requests to an upstream whose credential is not set, saying an operator must configure it', async () => {
    const token = await airlock.token('agent', ['read:*']);
    const response = await fetch(`${airlock.url}/u/nokey/things`, { headers: { authorization: `Bearer ${token}` } });
    expect(response.status).toBe(503);
    const problem = (await response.json()) as { detail: string };
    expect(problem.detail).toContain('an operator must configure it');
    expect(problem.detail).not.toContain('AIRLOCK_TEST_NEVER_SET');
  });
});
