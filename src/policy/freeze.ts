/**
 * Freeze windows: times in which agents may only read. Configured (once, every week, every day,
 * in UTC) or started at run time by an operator (`airlock freeze start`). Pure functions of the
 * windows and the time.
 *
 * @example
 * activeFreeze([{ reason: 'weekend', weekly: { from: 'fri 18:00', until: 'mon 08:00' } }], undefined, saturdayNoon);
 * // { reason: 'weekend', until: '…Monday 08:00Z' }
 */
import type { FreezeWindowConfig } from '../config/schema.js';
import type { ControlState } from '../store/records.js';

export interface ActiveFreeze {
  readonly reason: string;
  /** When agents may change things again; undefined while a run-time freeze has no end. */
  readonly until?: string;
}

/** A window as it occurs: one opening and its close (undefined: until an operator ends it). */
export interface FreezeOccurrence {
  readonly reason: string;
  readonly from: string;
  readonly until: string | undefined;
  /** `runtime` for a freeze started by an operator, else the configured window's kind. */
  readonly kind: 'runtime' | 'once' | 'weekly' | 'daily';
}

const DAYS = ['sun', 'mon', 'tue', 'wed', 'thu', 'fri', 'sat'];
const MINUTE = 60_000;
const DAY = 1440;
const WEEK = 7 * DAY;
/** Back-to-back windows are followed this many times to find when a freeze really ends. */
const MAX_CHAIN = 16;

function minutesOf(text: string): number {
  const [h, m] = text.split(':').map(Number);
  return h! * 60 + m!;
}

function weekMinutes(text: string): number {
  const [day, time] = text.split(' ');
  return DAYS.indexOf(day!) * DAY + minutesOf(time!);
}

/** Minutes since the start of the cycle (Sunday 00:00 UTC for weeks, midnight for days). */
function position(now: Date, cycle: number): number {
  const ofDay = now.getUTCHours() * 60 + now.getUTCMinutes();
  return cycle === WEEK ? now.getUTCDay() * DAY + ofDay : ofDay;
}

/** The recurring window's bounds in minutes of its cycle. */
function recurring(window: Exclude<FreezeWindowConfig, { from: string }>): { from: number; until: number; cycle: number } {
  return 'weekly' in window
    ? { from: weekMinutes(window.weekly.from), until: weekMinutes(window.weekly.until), cycle: WEEK }
    : { from: minutesOf(window.daily.from), until: minutesOf(window.daily.until), cycle: DAY };
}

/** The occurrence of a window that contains `now`, if any. */
export function occurrenceAt(window: FreezeWindowConfig, now: Date): FreezeOccurrence | undefined {
  const t = now.getTime();
  if ('from' in window) {
    if (Date.parse(window.from) <= t && t < Date.parse(window.until)) {
      return { reason: window.reason, from: new Date(window.from).toISOString(), until: new Date(window.until).toISOString(), kind: 'once' };
    }
    return undefined;
  }
  const { from, until, cycle } = recurring(window);
  const at = position(now, cycle);
  const inside = from < until ? at >= from && at < until : at >= from || at < until;
  if (!inside) return undefined;
  const minuteStart = Math.floor(t / MINUTE) * MINUTE;
  const sinceOpen = (at - from + cycle) % cycle;
  const left = (until - at + cycle) % cycle || cycle;
  return {
    reason: window.reason,
    from: new Date(minuteStart - sinceOpen * MINUTE).toISOString(),
    until: new Date(minuteStart + left * MINUTE).toISOString(),
    kind: 'weekly' in window ? 'weekly' : 'daily',
  };
}

function runtimeOccurrence(runtime: ControlState['freeze'], now: Date): FreezeOccurrence | undefined {
  if (!runtime || Date.parse(runtime.from) > now.getTime()) return undefined;
  if (runtime.until && now.getTime() >= Date.parse(runtime.until)) return undefined;
  return { reason: runtime.reason, from: runtime.from, until: runtime.until, kind: 'runtime' };
}

/** Every window open at `now`, the run-time freeze first. */
export function openFreezes(windows: readonly FreezeWindowConfig[], runtime: ControlState['freeze'], now: Date): FreezeOccurrence[] {
  const open = windows.flatMap((w) => occurrenceAt(w, now) ?? []);
  const started = runtimeOccurrence(runtime, now);
  return started ? [started, ...open] : open;
}

/**
 * The freeze in force at `now`, and when agents may change things again: the end of the
 * latest open window, followed through any window that opens exactly as another closes (a
 * weekend freeze and a release freeze back to back end when the last of them does).
 */
export function activeFreeze(windows: readonly FreezeWindowConfig[], runtime: ControlState['freeze'], now: Date): ActiveFreeze | undefined {
  const open = openFreezes(windows, runtime, now);
  if (open.length === 0) return undefined;
  const reason = [...new Set(open.map((o) => o.reason))].join('; ');
  let until = latestEnd(open);
  for (let i = 0; i < MAX_CHAIN && until !== undefined; i++) {
    const next = openFreezes(windows, runtime, new Date(until));
    if (next.length === 0) break;
    const end = latestEnd(next);
    if (end !== undefined && Date.parse(end) <= Date.parse(until)) break;
    until = end;
  }
  return until === undefined ? { reason } : { reason, until };
}

function latestEnd(occurrences: readonly FreezeOccurrence[]): string | undefined {
  if (occurrences.some((o) => o.until === undefined)) return undefined;
  return occurrences.reduce((a, b) => (Date.parse(b.until!) > Date.parse(a.until!) ? b : a)).until;
}

/** The next window to open after `now` (within `horizon`), for `airlock freeze status`. */
export function nextFreeze(
  windows: readonly FreezeWindowConfig[],
  runtime: ControlState['freeze'],
  now: Date,
  horizon = 8 * DAY * MINUTE,
): FreezeOccurrence | undefined {
  const t = now.getTime();
  const candidates: FreezeOccurrence[] = [];
  if (runtime && Date.parse(runtime.from) > t) candidates.push({ reason: runtime.reason, from: runtime.from, until: runtime.until, kind: 'runtime' });
  for (const window of windows) {
    if ('from' in window) {
      if (Date.parse(window.from) > t) {
        candidates.push({ reason: window.reason, from: new Date(window.from).toISOString(), until: new Date(window.until).toISOString(), kind: 'once' });
      }
      continue;
    }
    const { from, until, cycle } = recurring(window);
    const minuteStart = Math.floor(t / MINUTE) * MINUTE;
    const ahead = (from - position(now, cycle) + cycle) % cycle || cycle;
    const opens = minuteStart + ahead * MINUTE;
    const length = (until - from + cycle) % cycle || cycle;
    candidates.push({
      reason: window.reason,
      from: new Date(opens).toISOString(),
      until: new Date(opens + length * MINUTE).toISOString(),
      kind: 'weekly' in window ? 'weekly' : 'daily',
    });
  }
  const soonest = candidates.filter((c) => Date.parse(c.from) - t <= horizon).sort((a, b) => Date.parse(a.from) - Date.parse(b.from));
  return soonest[0];
}
