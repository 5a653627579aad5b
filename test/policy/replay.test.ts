import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startTestAirlock, type TestAirlock } from '../support/airlock.js';

let airlock: TestAirlock;
let token: string;
let nextPolicies: string;

async function decideVia(operation: Record<string, unknown>): Promise<string> {
  const response = await fetch(`${airlock.url}/v1/decide`, {
    method: 'POST',
    headers: { 'content-type': 'application/json', authorization: `Bearer ${token}` },
    body: JSON.stringify({ operation }),
  });
  return ((await response.json()) as { verdict: string }).verdict;
}

beforeAll(async () => {
  airlock = await startTestAirlock({
    config: {
      baseline: { ignore: ['refusal-burst', 'first-destructive', 'first-environment', 'first-upstream'], suspendOn: [] },
      upstreams: [
        { name: 'railway', kind: 'graphql', url: 'http://127.0.0.1:9/graphql', environment: 'staging' },
        { name: 'billing', kind: 'rest', url: 'http://127.0.0.1:9/', environment: 'production' },
      ],
    },
  });
  token = await airlock.token('deploy-bot', ['destructive:staging', 'write:*']);
  // What happened last week under today's policies (only the built-in ones).
  expect(await decideVia({ action: 'graphql:volumeDelete', class: 'destructive', upstream: 'railway', resources: ['vol_1'] })).toBe('hold');
  expect(await decideVia({ action: 'graphql:volumeDelete', class: 'destructive', upstream: 'railway', resources: ['vol_2'] })).toBe('hold');
  expect(await decideVia({ action: 'http:POST', class: 'write', upstream: 'billing', resources: ['/invoices'] })).toBe('allow');
  expect(await decideVia({ action: 'graphql:projects', class: 'read', upstream: 'railway', resources: [] })).toBe('allow');

  nextPolicies = join(airlock.dir, 'policies-next');
  mkdirSync(nextPolicies);
  writeFileSync(
    join(nextPolicies, 'next.cedar'),
    `@id("staging-destructive-allowed")
permit (principal, action == Airlock::Action::"destructive", resource) when { resource.environment == "staging" };

@id("billing-read-only")
@reason("billing is read-only for agents")
forbid (principal, action == Airlock::Action::"write", resource == Airlock::Upstream::"billing");
`,
  );
});
afterAll(() => airlock.close());

describe('airlock policy replay', () => {
  it('prints each recorded decision that new policies would change, and a summary', () => {
    const run = airlock.cli(['policy', 'replay', '--since', '1d', '--policies', nextPolicies]);
    expect(run.status, run.stderr).toBe(0);
    expect(run.stdout).toMatch(/graphql:volumeDelete \[destructive\] staging\s+hold\s+allow/);
    expect(run.stdout).toMatch(/http:POST \[write\] production\s+allow\s+deny \(forbidden\)\s+billing is read-only for agents/);
    expect(run.stdout).not.toMatch(/graphql:projects/);
    expect(run.stdout).toMatch(/4 decisions since .* replayed against 1 policy file: 3 would change \(2 hold → allow, 1 allow → deny\)/);
  });

  it('finds nothing to change against the policies in force, and prints every decision with --all --json', () => {
    const run = airlock.cli(['policy', 'replay', '--since', '1d', '--all', '--json']);
    expect(run.status, run.stderr).toBe(0);
    const out = JSON.parse(run.stdout) as { summary: { replayed: number; changed: number }; decisions: unknown[] };
    expect(out.summary).toMatchObject({ replayed: 4, changed: 0 });
    expect(out.decisions).toHaveLength(4);
  });

  it('exits 1 with --fail-on-change when a decision would change, for CI', () => {
    expect(airlock.cli(['policy', 'replay', '--policies', nextPolicies, '--fail-on-change']).status).toBe(1);
    expect(airlock.cli(['policy', 'replay', '--fail-on-change']).status).toBe(0);
  });

  it('refuses a policy file that does not parse, naming it, and a --since that is not a duration', () => {
    const broken = join(airlock.dir, 'broken.cedar');
    writeFileSync(broken, 'permit (principal, action, resource) when { nonsense ');
    const run = airlock.cli(['policy', 'replay', '--policies', broken]);
    expect(run.status).toBe(1);
    expect(run.stderr).toContain('broken.cedar');
    expect(airlock.cli(['policy', 'replay', '--since', 'last week']).stderr).toMatch(/expected a duration/);
  });
});
