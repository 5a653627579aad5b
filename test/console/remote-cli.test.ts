/**
 * The CLI against a running Airlock (AIRLOCK_URL + AIRLOCK_API_KEY): the same commands, through
 * the admin API, recorded as the key's operator. Runs the built CLI (npm run build).
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { runCliAsync, startConsoleAirlock, type ConsoleAirlock, type TestOperator } from './support.js';

let airlock: ConsoleAirlock;
let key: string;
let alice: TestOperator;

beforeAll(async () => {
  airlock = await startConsoleAirlock();
  alice = await airlock.operator('alice');
  await airlock.token('deploy-bot', ['write:staging']);
  const issued = airlock.cli(['operator', 'key', 'issue', 'alice', '--label', 'laptop', '--json']);
  expect(issued.status, issued.stderr).toBe(0);
  key = (JSON.parse(issued.stdout) as { key: string }).key;
});
afterAll(() => airlock?.close());

/** The CLI as an operator runs it on another machine: no config, only the URL and the key. */
function remote(args: readonly string[], env: NodeJS.ProcessEnv = {}) {
  return runCliAsync(args, { AIRLOCK_CONFIG: '/nonexistent/airlock.yaml', AIRLOCK_URL: airlock.url, AIRLOCK_API_KEY: key, ...env });
}

describe('the CLI with AIRLOCK_URL', () => {
  it('issues an operator key on the Airlock host, shown once and listed without its secret', async () => {
    expect(key).toMatch(/^alkop_/);
    const listed = airlock.cli(['operator', 'key', 'list']);
    expect(listed.stdout).toContain('alice');
    expect(listed.stdout).toContain('laptop');
    expect(listed.stdout).not.toContain(key.slice(22));
  });

  it('lists agents through the admin API', async () => {
    const result = await remote(['agent', 'list', '--json']);
    expect(result.status, result.stderr).toBe(0);
    expect(JSON.parse(result.stdout)).toEqual([expect.objectContaining({ name: 'deploy-bot', state: 'active' })]);
  });

  it('stops an agent, and the record names the key’s operator', async () => {
    const result = await remote(['stop', '--agent', 'deploy-bot', '--reason', 'looping on deletes']);
    expect(result.status, result.stderr).toBe(0);
    expect(result.stdout).toContain('STOPPED');
    expect((await airlock.airlock.runtime.store.agents.get('deploy-bot'))?.state).toBe('stopped');
    const [record] = await airlock.airlock.runtime.store.audit.list({ type: 'stop.agent', newestFirst: true, limit: 1 });
    expect(record).toMatchObject({ operator: 'alice', agent: 'deploy-bot', reasons: ['looping on deletes'] });
  });

  it('lists and approves a hold with a code, as the key’s operator', async () => {
    const agent = await airlock.token('cleanup-bot', ['write:staging']);
    const held = await fetch(`${airlock.url}/v1/decide`, {
      method: 'POST',
      headers: { 'content-type': 'application/json', authorization: `Bearer ${agent}` },
      body: JSON.stringify({ operation: { action: 'graphql:volumeDelete', class: 'destructive', resources: ['vol-prod-1'] } }),
    });
    const { holdId } = (await held.json()) as { holdId: string };
    const listed = await remote(['hold', 'list', '--json']);
    expect(listed.status, listed.stderr).toBe(0);
    expect((JSON.parse(listed.stdout) as { id: string }[]).map((h) => h.id)).toContain(holdId);
    const approved = await remote(['hold', 'approve', holdId, '--code', alice.code()]);
    expect(approved.status, approved.stderr).toBe(0);
    expect(approved.stdout).toContain('APPROVED');
    expect((await airlock.airlock.runtime.store.holds.get(holdId))?.approvals).toEqual([expect.objectContaining({ operator: 'alice', secondFactor: true })]);
  });

  it('passes on the admin API’s refusals with their message', async () => {
    const result = await remote(['agent', 'add', 'Not A Name']);
    expect(result.status).toBe(1);
    expect(result.stderr).toContain('agent names use lower-case letters');
  });

  it('tails the audit log through the API', async () => {
    const result = await remote(['audit', 'tail', '-n', '5']);
    expect(result.status, result.stderr).toBe(0);
    expect(result.stdout).toContain('stop.agent');
  });

  it('says what to set when the key is missing', async () => {
    const result = await remote(['agent', 'list'], { AIRLOCK_API_KEY: '' });
    expect(result.status).toBe(1);
    expect(result.stderr).toContain('set AIRLOCK_API_KEY');
  });

  it('says when the Airlock cannot be reached', async () => {
    const result = await remote(['agent', 'list'], { AIRLOCK_URL: 'http://127.0.0.1:9' });
    expect(result.status).toBe(1);
    expect(result.stderr).toContain('cannot reach Airlock at http://127.0.0.1:9');
  });

  it('is refused once the key is revoked', async () => {
    const revoked = airlock.cli(['operator', 'key', 'revoke', key.slice(6, 22)]);
    expect(revoked.status, revoked.stderr).toBe(0);
    const result = await remote(['agent', 'list']);
    expect(result.status).toBe(1);
    expect(result.stderr).toContain('the API key was revoked');
  });
});
