/**
 * `airlock_forward_duration_seconds` after real traffic through every door: each door's forward
 * is observed under its door and upstream, read back from /metrics with the strict text-format
 * reader. The AWS test runs the real `aws` CLI; the egress test the agent's own curl.
 */
import { afterEach, describe, expect, it } from 'vitest';
import { createMcpDoor } from '../../src/doors/mcp/index.js';
import { startTestAirlock, type TestAirlock } from '../support/airlock.js';
import { startRecordingServer } from '../holds/support.js';
import { startNotesHttpServer } from '../fixtures/mcp/notes-server.js';
import { call, connectAgent } from '../doors/mcp/support.js';
import { railwayGraphql, startEgressWorld } from '../doors/egress/support.js';
import { startAwsWorld } from '../doors/aws/support.js';
import { agentClient, startPostgresWorld } from '../doors/postgres/support.js';
import { parsePrometheusText } from './prometheus-text.js';

const cleanups: (() => Promise<unknown> | unknown)[] = [];
afterEach(async () => {
  for (const cleanup of cleanups.splice(0).reverse()) await cleanup();
});

/** The forward histogram's count for one door and upstream, as a scrape reads it. */
async function forwardCount(airlock: TestAirlock, door: string, upstream: string): Promise<number | undefined> {
  const families = parsePrometheusText(await (await fetch(`${airlock.url}/metrics`)).text());
  const family = families.get('airlock_forward_duration_seconds');
  expect(family?.type).toBe('histogram');
  return family!.samples.find((s) => s.name === 'airlock_forward_duration_seconds_count' && s.labels.door === door && s.labels.upstream === upstream)?.value;
}

describe('airlock_forward_duration_seconds', () => {
  it('counts each request the HTTP door forwards, under its upstream, and none it refuses', async () => {
    const upstream = await startRecordingServer();
    cleanups.push(() => upstream.close());
    const airlock = await startTestAirlock({ config: { upstreams: [{ name: 'api', kind: 'rest', url: upstream.url, environment: 'staging' }] } });
    cleanups.push(() => airlock.close());
    const token = await airlock.token('deploy-bot', ['read:staging']);
    for (const item of ['a', 'b', 'c']) {
      const response = await fetch(`${airlock.url}/u/api/v1/items/${item}`, { headers: { authorization: `Bearer ${token}` } });
      expect(response.status).toBe(200);
    }
    const refused = await fetch(`${airlock.url}/u/api/v1/items/d`, { method: 'DELETE', headers: { authorization: `Bearer ${token}` } });
    expect(refused.status).toBeGreaterThanOrEqual(400);
    expect(upstream.received).toHaveLength(3);
    expect(await forwardCount(airlock, 'http', 'api')).toBe(3);
  });

  it('counts the egress door’s forwards under door egress', async () => {
    const world = await startEgressWorld();
    cleanups.push(() => world.close());
    const token = await world.airlock.token('coding-agent', ['read:*']);
    const result = await railwayGraphql(world, `Bearer ${token}`, '{ projects { edges { node { name } } } }');
    expect(JSON.parse(result.stdout)).toMatchObject({ data: { projects: {} } });
    expect(await forwardCount(world.airlock, 'egress', 'railway')).toBe(1);
  });

  it('counts the AWS door’s forwards under door aws', async () => {
    const world = await startAwsWorld({ buckets: { orders: { 'a.csv': 'x' } } });
    cleanups.push(() => world.close());
    const listed = await world.aws(['s3', 'ls']);
    expect(listed.code, listed.stderr).toBe(0);
    expect(world.received.length).toBeGreaterThan(0);
    expect(await forwardCount(world.airlock, 'aws', 'aws')).toBeGreaterThan(0);
  }, 60_000);

  it('counts the MCP door’s tool calls under door mcp', async () => {
    const notes = await startNotesHttpServer();
    cleanups.push(() => notes.close());
    const airlock = await startTestAirlock({
      config: { upstreams: [{ name: 'notes', kind: 'mcp', environment: 'staging', transport: { type: 'http', url: notes.url } }] },
      doors: [createMcpDoor()],
    });
    cleanups.push(() => airlock.close());
    const agent = await connectAgent(airlock.url, await airlock.token('notes-bot', ['write:staging']));
    cleanups.push(() => agent.close());
    expect((await call(agent, 'notes__add_note', { id: 'n9', title: 't', text: 'x' })).isError).toBeFalsy();
    expect((await call(agent, 'notes__list_notes')).isError).toBeFalsy();
    expect(await forwardCount(airlock, 'mcp', 'notes')).toBe(2);
  });

  it('counts each statement the PostgreSQL door forwards, to its ReadyForQuery', async () => {
    const world = await startPostgresWorld({ prefix: 'fwdmetrics', setup: 'CREATE TABLE items (id int); INSERT INTO items VALUES (1), (2);' });
    cleanups.push(() => world.close());
    const client = agentClient(world, 'sql-bot', await world.airlock.token('sql-bot', ['read:staging']));
    await client.connect();
    cleanups.push(() => client.end());
    const before = (await forwardCount(world.airlock, 'postgres', world.upstream)) ?? 0;
    expect((await client.query('SELECT count(*)::int AS n FROM items')).rows).toEqual([{ n: 2 }]);
    expect((await client.query('SELECT id FROM items WHERE id = $1', [1])).rows).toEqual([{ id: 1 }]);
    expect(await forwardCount(world.airlock, 'postgres', world.upstream)).toBe(before + 2);
  });
});
