import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startTestAirlock, type TestAirlock } from '../../support/airlock.js';

let airlock: TestAirlock;

beforeAll(async () => {
  airlock = await startTestAirlock({ config: { shell: { protectedBranches: ['develop', 'env/*'] } } });
});
afterAll(() => airlock?.close());

async function classOf(branch: string): Promise<string> {
  const token = await airlock.token(`coder-${branch.replace(/\W/g, '-')}`, ['read:*', 'write:local']);
  const response = await fetch(`${airlock.url}/v1/decide`, {
    method: 'POST',
    headers: { authorization: `Bearer ${token}`, 'content-type': 'application/json' },
    body: JSON.stringify({ hook: { kind: 'shell', harness: 'claude-code', command: 'git push --force', branch, workspace: airlock.dir } }),
  });
  const body = (await response.json()) as { operation: { class: string } };
  return body.operation.class;
}

describe('protected branches from the config', () => {
  it('makes a force push to a configured branch destructive', async () => {
    expect(await classOf('develop')).toBe('destructive');
    expect(await classOf('env/staging')).toBe('destructive');
  });

  it('replaces the defaults rather than adding to them', async () => {
    expect(await classOf('main')).not.toBe('destructive');
  });
});
