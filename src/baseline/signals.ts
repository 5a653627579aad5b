/**
 * Anomaly signals: pure functions of an agent's baseline, the operation it asks for, the time,
 * and what it did in the last minutes. Each returns a reason in words or nothing; the gate puts
 * the names into Cedar's `context.signals` and the strongest strength into
 * `context.signalStrength`.
 *
 * @example
 * detectSignals({ baseline, operation, now, recentOperations: 3, recentRefusals: [], settings });
 * // [{ name: 'first-environment', strength: 3, explanation: 'deploy-bot has never …' }]
 */
import { formatDuration } from '../core/duration.js';
import type { Operation } from '../core/operation.js';
import type { Signal } from '../policy/decide.js';
import type { RefusalEvent } from '../store/records.js';
import { countsAsRefusal, describeRefusals } from './breaker.js';
import type { BaselineSettings } from './config.js';
import { isWarm, MAX_ACTIONS, usualRatePerHour, type Baseline } from './model.js';
import { DEFAULT_STRENGTHS, type SignalName } from './names.js';

const HOUR = 3_600_000;

export type SignalOperation = Pick<Operation, 'upstream' | 'environment' | 'action' | 'class'>;

export type { RefusalEvent };

export interface SignalInput {
  readonly agent: string;
  readonly baseline: Baseline | undefined;
  readonly operation: SignalOperation;
  readonly now: Date;
  /** The agent's operations within the burst window, before this one. */
  readonly recentOperations: number;
  /** The agent's refusals and holds since its last suspension or resumption (any age); holds do not count. */
  readonly recentRefusals: readonly RefusalEvent[];
  readonly settings: BaselineSettings;
}

export function firstDestructive({ agent, baseline, operation }: SignalInput): string | undefined {
  if (operation.class !== 'destructive' || (baseline && Object.hasOwn(baseline.seen.classes, 'destructive'))) return undefined;
  return `${agent} has never had a destructive operation allowed; ${operation.action} would be its first`;
}

function seenList(map: Readonly<Record<string, string>>): string {
  const names = Object.keys(map);
  return names.length > 0 ? names.slice(0, 5).join(', ') + (names.length > 5 ? ', …' : '') : 'nothing yet';
}

export function firstEnvironment({ agent, baseline, operation, now, settings }: SignalInput): string | undefined {
  if (!isWarm(baseline, now, settings.warmup) || Object.hasOwn(baseline.seen.environments, operation.environment)) return undefined;
  return `${agent} has never had an operation allowed in ${operation.environment} (it has worked in: ${seenList(baseline.seen.environments)})`;
}

export function firstUpstream({ agent, baseline, operation, now, settings }: SignalInput): string | undefined {
  if (operation.upstream === undefined || !isWarm(baseline, now, settings.warmup)) return undefined;
  if (Object.hasOwn(baseline.seen.upstreams, operation.upstream)) return undefined;
  return `${agent} has never had an operation allowed on ${operation.upstream} (it has used: ${seenList(baseline.seen.upstreams)})`;
}

export function firstAction({ agent, baseline, operation, now, settings }: SignalInput): string | undefined {
  if (!isWarm(baseline, now, settings.warmup) || Object.hasOwn(baseline.seen.actions, operation.action)) return undefined;
  if (Object.keys(baseline.seen.actions).length >= MAX_ACTIONS) return undefined;
  return `${agent} has never had ${operation.action} allowed before`;
}

export function rateBurst({ agent, baseline, now, recentOperations, settings }: SignalInput): string | undefined {
  // A rate is known once at least one hour has been folded into the baseline.
  if (!isWarm(baseline, now, settings.warmup) || !baseline.folds.some((folds) => folds > 0)) return undefined;
  const { factor, window, minimum } = settings.burst;
  const count = recentOperations + 1;
  const usual = usualRatePerHour(baseline, now);
  const expected = (usual * window) / HOUR;
  if (count < minimum || count <= factor * expected) return undefined;
  return (
    `${count} operations in the last ${formatDuration(window)}, beyond ${factor}× what ${agent} usually does ` +
    `(about ${round(usual)} an hour at this time of day, ${round(expected)} per ${formatDuration(window)})`
  );
}

/** The refusals within the window. */
export function refusalsInWindow(refusals: readonly RefusalEvent[], now: Date, window: number): RefusalEvent[] {
  const since = now.getTime() - window;
  return refusals.filter((r) => Date.parse(r.at) > since && Date.parse(r.at) <= now.getTime());
}

export function refusalBurst({ agent, recentRefusals, now, settings }: SignalInput): string | undefined {
  const { count, window } = settings.refusals;
  const burst = refusalsInWindow(recentRefusals, now, window).filter((r) => countsAsRefusal(r.verdict, r.code));
  if (burst.length < count) return undefined;
  return `${burst.length} of ${agent}'s attempts were refused in the last ${formatDuration(window)} ` + `(the limit is ${count}): ${describeRefusals(burst)}`;
}

export function unusualHour({ agent, baseline, now, settings }: SignalInput): string | undefined {
  if (!isWarm(baseline, now, settings.warmup)) return undefined;
  const hour = now.getUTCHours();
  if (baseline.folds[hour] === 0) return undefined;
  const peak = Math.max(...baseline.hourly);
  if (peak <= 0) return undefined;
  const around = Math.max(baseline.hourly[(hour + 23) % 24]!, baseline.hourly[hour]!, baseline.hourly[(hour + 1) % 24]!);
  if (around >= settings.unusualHour.share * peak) return undefined;
  const busiest = baseline.hourly.indexOf(peak);
  return (
    `${agent} rarely acts at ${pad(hour)}:00 UTC (about ${round(baseline.hourly[hour]!)} operations an hour then, ` +
    `against ${round(peak)} at ${pad(busiest)}:00 UTC, its busiest hour)`
  );
}

const DETECTORS: readonly [SignalName, (input: SignalInput) => string | undefined][] = [
  ['first-destructive', firstDestructive],
  ['first-environment', firstEnvironment],
  ['first-upstream', firstUpstream],
  ['first-action', firstAction],
  ['rate-burst', rateBurst],
  ['refusal-burst', refusalBurst],
  ['unusual-hour', unusualHour],
];

/** Every signal that fires for this operation, strongest first. */
export function detectSignals(input: SignalInput): Signal[] {
  const { ignore, strengths } = input.settings;
  const fired: Signal[] = [];
  for (const [name, detect] of DETECTORS) {
    if (ignore.includes(name)) continue;
    const explanation = detect(input);
    if (explanation !== undefined) fired.push({ name, strength: strengths[name] ?? DEFAULT_STRENGTHS[name], explanation });
  }
  return fired.sort((a, b) => b.strength - a.strength);
}

function round(value: number): string {
  return value >= 10 ? String(Math.round(value)) : String(Math.round(value * 10) / 10);
}

function pad(hour: number): string {
  return String(hour).padStart(2, '0');
}
