import { describe, expect, it } from 'vitest';
import { baselineSchema } from './config.js';
import { emptyBaseline, observe, type Baseline, type Observation } from './model.js';
import { detectSignals, type RefusalEvent, type SignalInput, type SignalOperation } from './signals.js';

const H = 3_600_000;
const D = 24 * H;
const T0 = Date.parse('2026-03-02T00:00:00.000Z');
const settings = baselineSchema.parse({ warmup: { operations: 50, period: '2d' }, burst: { factor: 10, window: '5m', minimum: 20 } });

/** Four days of an agent that writes to staging on railway, 12 an hour, 09:00–16:59 UTC. */
function warmBaseline(): Baseline {
  let b = emptyBaseline('deploy-bot', new Date(T0 + 9 * H).toISOString());
  const base: Omit<Observation, 'at'> = { upstream: 'railway', environment: 'staging', action: 'graphql:serviceUpdate', class: 'write', allowed: true };
  for (let d = 0; d < 4; d++) {
    for (let h = 9; h < 17; h++) {
      for (let i = 0; i < 12; i++) {
        const action = i === 0 ? 'graphql:deployments' : base.action;
        b = observe(
          b,
          { ...base, action, class: i === 0 ? 'read' : 'write', at: new Date(T0 + d * D + h * H + i * 300_000).toISOString() },
          { halfLife: settings.halfLife },
        );
      }
    }
  }
  return b;
}

const warm = warmBaseline();
const young = observe(
  emptyBaseline('deploy-bot', new Date(T0).toISOString()),
  {
    at: new Date(T0).toISOString(),
    upstream: 'railway',
    environment: 'staging',
    action: 'graphql:serviceUpdate',
    class: 'write',
    allowed: true,
  },
  { halfLife: settings.halfLife },
);

const usual: SignalOperation = { upstream: 'railway', environment: 'staging', action: 'graphql:serviceUpdate', class: 'write' };
const dayFive = (hour: number, minute = 0) => new Date(T0 + 4 * D + hour * H + minute * 60_000);

function refusal(at: Date, verdict: 'deny' | 'hold' = 'deny', code = 'forbidden', request?: { digest: string; token: string }): RefusalEvent {
  return { at: at.toISOString(), verdict, ...(verdict === 'deny' ? { code } : {}), action: 'graphql:serviceUpdate', ...request };
}
const sameRequest = { digest: 'd1', token: 'tok_a' };

function input(overrides: Partial<SignalInput>): SignalInput {
  return { agent: 'deploy-bot', baseline: warm, operation: usual, now: dayFive(10), recentOperations: 2, recentRefusals: [], settings, ...overrides };
}

describe('detectSignals', () => {
  it.each<[string, Partial<SignalInput>, string[]]>([
    ['nothing for what the agent always does', {}, []],
    [
      'first-destructive for its first destructive operation',
      { operation: { ...usual, class: 'destructive', action: 'graphql:volumeDelete' } },
      ['first-destructive', 'first-action'],
    ],
    [
      'first-destructive even while the baseline warms up',
      { baseline: young, operation: { ...usual, class: 'destructive', action: 'graphql:volumeDelete' } },
      ['first-destructive'],
    ],
    [
      'first-destructive for an agent never seen before',
      { baseline: undefined, operation: { ...usual, class: 'destructive', action: 'graphql:volumeDelete' } },
      ['first-destructive'],
    ],
    ['first-environment for a write in production', { operation: { ...usual, environment: 'production' } }, ['first-environment']],
    [
      'first-environment for a read in production too (reads are not held by default)',
      { operation: { ...usual, environment: 'production', class: 'read', action: 'graphql:deployments' } },
      ['first-environment'],
    ],
    ['no first-environment while the baseline warms up', { baseline: young, operation: { ...usual, environment: 'production' } }, []],
    ['first-upstream for an upstream never used', { operation: { ...usual, upstream: 'github' } }, ['first-upstream']],
    ['no first-upstream for an operation that names none', { operation: { ...usual, upstream: undefined } }, []],
    ['first-action for an action never allowed', { operation: { ...usual, action: 'graphql:variableUpsert' } }, ['first-action']],
    ['no rate-burst at the usual rate', { recentOperations: 5 }, []],
    ['rate-burst beyond 10× the usual rate (12/h → 1 per 5m; 25 > 10 and ≥ 20)', { recentOperations: 24 }, ['rate-burst']],
    ['no rate-burst below the minimum, however far above the usual rate', { recentOperations: 15, now: dayFive(10) }, []],
    ['no rate-burst while the baseline warms up', { baseline: young, recentOperations: 500 }, []],
    [
      'no rate-burst before any hour has ended (no rate is known yet)',
      { baseline: { ...young, operations: 1000, since: new Date(T0 - 3 * D).toISOString() }, now: new Date(T0 + 60_000), recentOperations: 500 },
      [],
    ],
    ['unusual-hour at 03:00 for an agent that works 09:00–17:00', { now: dayFive(3) }, ['unusual-hour']],
    ['no unusual-hour just after its usual hours (neighbouring hour)', { now: dayFive(17, 30) }, []],
    ['no unusual-hour while the baseline warms up', { baseline: young, now: new Date(T0 + 3 * H) }, []],
    [
      'refusal-burst after 3 refusals within 10 minutes',
      { recentRefusals: [refusal(dayFive(9, 55)), refusal(dayFive(9, 57), 'deny', 'unauthenticated'), refusal(dayFive(9, 59), 'deny', 'budget')] },
      ['refusal-burst'],
    ],
    [
      'no refusal-burst for holds waiting for a human, however many',
      { recentRefusals: [refusal(dayFive(9, 55), 'hold'), refusal(dayFive(9, 56), 'hold'), refusal(dayFive(9, 57), 'hold'), refusal(dayFive(9, 58), 'hold')] },
      [],
    ],
    [
      'no refusal-burst for answers about a hold (already used, expired)',
      { recentRefusals: [refusal(dayFive(9, 55)), refusal(dayFive(9, 56), 'deny', 'hold_invalid'), refusal(dayFive(9, 57), 'deny', 'hold_invalid')] },
      [],
    ],
    ['no refusal-burst for 2 refusals', { recentRefusals: [refusal(dayFive(9, 55)), refusal(dayFive(9, 59))] }, []],
    [
      'no refusal-burst when the third is older than the window',
      { recentRefusals: [refusal(dayFive(9, 45)), refusal(dayFive(9, 55)), refusal(dayFive(9, 59))] },
      [],
    ],
    [
      'refusal-burst for a refused call retried with the same token',
      {
        recentRefusals: [
          refusal(dayFive(9, 55), 'deny', 'forbidden', sameRequest),
          refusal(dayFive(9, 56), 'deny', 'forbidden', sameRequest),
          refusal(dayFive(9, 57), 'deny', 'forbidden', sameRequest),
        ],
      },
      ['refusal-burst'],
    ],
    [
      'refusal-burst even while the baseline warms up',
      { baseline: undefined, recentRefusals: [refusal(dayFive(9, 55)), refusal(dayFive(9, 56)), refusal(dayFive(9, 57))] },
      ['refusal-burst'],
    ],
  ])('%s', (_name, overrides, expected) => {
    expect(
      detectSignals(input(overrides))
        .map((s) => s.name)
        .sort(),
    ).toEqual([...expected].sort());
  });

  it('gives each signal its default strength, strongest first', () => {
    const signals = detectSignals(
      input({ operation: { upstream: 'github', environment: 'production', action: 'graphql:deleteRepository', class: 'destructive' }, now: dayFive(3) }),
    );
    expect(signals.map((s) => [s.name, s.strength])).toEqual([
      ['first-destructive', 3],
      ['first-environment', 3],
      ['first-upstream', 2],
      ['first-action', 1],
      ['unusual-hour', 1],
    ]);
  });

  it('explains each signal in words an operator can check', () => {
    const [env] = detectSignals(input({ operation: { ...usual, environment: 'production' } }));
    expect(env!.explanation).toBe('deploy-bot has never had an operation allowed in production (it has worked in: staging)');
    const [burst] = detectSignals(input({ recentOperations: 40 }));
    expect(burst!.explanation).toContain('41 operations in the last 5m, beyond 10× what deploy-bot usually does');
    const [hour] = detectSignals(input({ now: dayFive(3) }));
    expect(hour!.explanation).toContain('rarely acts at 03:00 UTC');
    const [burstOfRefusals] = detectSignals(
      input({ recentRefusals: [refusal(dayFive(9, 55)), refusal(dayFive(9, 56), 'hold'), refusal(dayFive(9, 57)), refusal(dayFive(9, 58))] }),
    );
    expect(burstOfRefusals!.explanation).toContain("3 of deploy-bot's attempts were refused in the last 10m (the limit is 3)");
    expect(burstOfRefusals!.explanation).toContain('refused (forbidden) graphql:serviceUpdate at 2026-03-06T09:58:00.000Z');
    expect(burstOfRefusals!.explanation).not.toContain('held');
  });

  it('takes strengths and ignored signals from the config', () => {
    const tuned = baselineSchema.parse({
      warmup: { operations: 50, period: '2d' },
      burst: { factor: 10, window: '5m', minimum: 20 },
      strengths: { 'first-environment': 2 },
      ignore: ['first-action'],
    });
    const signals = detectSignals(input({ settings: tuned, operation: { ...usual, environment: 'production', action: 'graphql:variableUpsert' } }));
    expect(signals.map((s) => [s.name, s.strength])).toEqual([['first-environment', 2]]);
  });
});
