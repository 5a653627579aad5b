import { afterEach, describe, expect, it } from 'vitest';
import { startAirlock, type RunningAirlock } from '../../src/server/start.js';
import { silentLogger } from '../../src/server/log.js';
import { startTestAirlock, type TestAirlock } from '../support/airlock.js';
import { DAY, HOUR, TestClock, decide, serviceUpdate, workDays, type AskedOperation } from './traffic.js';

const CONFIG = {
  upstreams: [
    { name: 'railway', kind: 'graphql', url: 'http://127.0.0.1:9/graphql', environment: 'production', environments: { 'stg-*': 'staging' } },
    { name: 'github', kind: 'graphql', url: 'http://127.0.0.1:9/github', environment: 'staging' },
  ],
  baseline: { warmup: { operations: 20, period: '1d' } },
};
const WEEK = Date.parse('2026-03-02T00:00:00Z');
const productionUpdate: AskedOperation = { ...serviceUpdate, resources: ['prod-api'] };

let first: TestAirlock | undefined;
const others: RunningAirlock[] = [];
afterEach(async () => {
  for (const other of others.splice(0)) await other.close();
  await first?.close();
  first = undefined;
});

describe('the baseline in the store', () => {
  it('is still warm, and still knows what the agent has done, after a restart', async () => {
    const clock = new TestClock('2026-03-02T00:00:00Z');
    first = await startTestAirlock({ clock: clock.now, config: CONFIG });
    const token = await first.token('deploy-bot', ['write:*'], 30 * DAY);
    const narrow = await first.token('deploy-bot', ['read:staging'], 30 * DAY);
    const refusedWrite = (url: string, resource: string) => decide(url, narrow, { ...serviceUpdate, resources: [resource] });
    await workDays(first.url, token, clock, WEEK, 2);
    // Two refused attempts before the restart…
    clock.set(WEEK + 2 * DAY + 10 * HOUR);
    for (const resource of ['stg-x', 'stg-y']) expect((await refusedWrite(first.url, resource)).code).toBe('forbidden');
    await first.airlock.close();

    const restarted = await startAirlock(first.config, { clock: clock.now, log: silentLogger });
    others.push(restarted);
    clock.advance(60_000);
    expect((await decide(restarted.url, token, serviceUpdate)).signals).toBeUndefined();
    const production = await decide(restarted.url, token, productionUpdate);
    expect(production.verdict).toBe('hold');
    expect(production.signals).toEqual(['first-environment']);
    expect((await restarted.runtime.store.agents.get('deploy-bot'))!.state).toBe('active');
    // …and the third after it trips the circuit breaker: the count is in the store, not in memory.
    expect((await refusedWrite(restarted.url, 'stg-z')).code).toBe('forbidden');
    expect((await restarted.runtime.store.agents.get('deploy-bot'))!.state).toBe('suspended');
  });

  it('learns from every Airlock that shares the store', async () => {
    const clock = new TestClock('2026-03-02T09:00:00Z');
    first = await startTestAirlock({ clock: clock.now, config: CONFIG });
    const second = await startAirlock(first.config, { clock: clock.now, log: silentLogger });
    others.push(second);
    const token = await first.token('deploy-bot', ['write:staging'], 30 * DAY);
    for (let i = 0; i < 10; i++) {
      clock.advance(60_000);
      expect((await decide(first.url, token, serviceUpdate)).verdict).toBe('allow');
      expect((await decide(second.url, token, { ...serviceUpdate, upstream: 'github', resources: [] })).verdict).toBe('allow');
    }
    await second.close();
    others.length = 0;
    await first.airlock.close();
    const reopened = await startAirlock(first.config, { clock: clock.now, log: silentLogger });
    others.push(reopened);
    const baseline = (await reopened.runtime.store.baselines.get('deploy-bot'))!;
    expect(baseline.operations).toBe(20);
    expect(Object.keys(baseline.seen.upstreams).sort()).toEqual(['github', 'railway']);
    expect(baseline.hour).toEqual({ start: '2026-03-02T09:00:00.000Z', count: 20 });
  });

  it('forgets an agent that is removed, so that a new agent of the same name starts afresh', async () => {
    const clock = new TestClock('2026-03-02T00:00:00Z');
    first = await startTestAirlock({ clock: clock.now, config: CONFIG });
    const token = await first.token('temp-bot', ['write:*'], 30 * DAY);
    await workDays(first.url, token, clock, WEEK, 2);
    await first.airlock.close();
    const removed = first.cli(['agent', 'remove', 'temp-bot']);
    expect(removed.status).toBe(0);
    const reopened = await startAirlock(first.config, { clock: clock.now, log: silentLogger });
    others.push(reopened);
    expect(await reopened.runtime.store.baselines.get('temp-bot')).toBeUndefined();
  }, 60_000);
});

describe('airlock explain', () => {
  it('shows which signals would fire and why, from the baseline the server stored', async () => {
    const clock = new TestClock('2026-03-02T00:00:00Z');
    first = await startTestAirlock({ clock: clock.now, config: CONFIG });
    const token = await first.token('deploy-bot', ['write:*'], 300 * DAY);
    await workDays(first.url, token, clock, WEEK, 2);
    await first.airlock.close();

    // The command runs on the real clock, months after this routine: the baseline is warm.
    const text = first.cli([
      'explain',
      '--agent',
      'deploy-bot',
      '--class',
      'write',
      '--action',
      'graphql:serviceUpdate',
      '--upstream',
      'railway',
      '--resource',
      'prod-api',
    ]);
    expect(text.stderr).toBe('');
    expect(text.stdout).toContain('HOLD  graphql:serviceUpdate (write) in production on railway');
    expect(text.stdout).toContain('policies: airlock/anomaly');
    expect(text.stdout).toContain(
      '  - first-environment (strength 3): deploy-bot has never had an operation allowed in production (it has worked in: staging)',
    );

    const json = JSON.parse(
      first.cli([
        'explain',
        '--agent',
        'deploy-bot',
        '--class',
        'write',
        '--action',
        'graphql:serviceUpdate',
        '--upstream',
        'railway',
        '--resource',
        'stg-api',
        '--json',
      ]).stdout,
    );
    expect(json.verdict).toBe('allow');
    expect(json.signals.map((s: { name: string }) => s.name)).not.toContain('first-environment');

    // And what it learned, for tuning.
    const shown = first.cli(['baseline', 'show', 'deploy-bot']);
    expect(shown.stderr).toBe('');
    expect(shown.stdout).toContain('deploy-bot: warm — 48 operations since 2026-03-02T09:00:00.000Z');
    expect(shown.stdout).toContain('environments  staging (2026-03-02)');
    expect(shown.stdout).toContain('classes       read (2026-03-02), write (2026-03-02)');
    expect(shown.stdout).toMatch(/^ {2}04 · +10 3\.0 +16 3\.0 +22 · *$/m);
  }, 90_000);
});
