import type { FreezeWindowConfig } from '../config/schema.js';
import type { ControlState } from '../store/records.js';

export interface ActiveFreeze {
  readonly reason: string;
  /** When the window closes, if known. */
  readonly until?: string;
}

const DAYS = ['sun', 'mon', 'tue', 'wed', 'thu', 'fri', 'sat'];
const MINUTE = 60_000;
const DAY = 1440;
const WEEK = 7 * DAY;

function minutesOf(text: string): number {
  const [h, m] = text.split(':').map(Number);
  return h! * 60 + m!;
}

/** Minutes since the start of the cycle (Sunday 00:00 UTC for weeks, midnight for days). */
function position(now: Date, cycle: number): number {
  const ofDay = now.getUTCHours() * 60 + now.getUTCMinutes();
  return cycle === WEEK ? now.getUTCDay() * DAY + ofDay : ofDay;
}

/** Whether `now` is inside [from, until) on a repeating cycle, and when it closes. */
function inRecurring(now: Date, from: number, until: number, cycle: number): string | undefined {
  const at = position(now, cycle);
  const inside = from < until ? at >= from && at < until : at >= from || at < until;
  if (!inside) return undefined;
  const minutesLeft = (until - at + cycle) % cycle || cycle;
  const start = Math.floor(now.getTime() / MINUTE) * MINUTE;
  return new Date(start + minutesLeft * MINUTE).toISOString();
}

/** The freeze in force at `now`: the run-time one (`airlock freeze start`) or a configured window. */
export function activeFreeze(windows: readonly FreezeWindowConfig[], runtime: ControlState['freeze'], now: Date): ActiveFreeze | undefined {
  if (runtime && Date.parse(runtime.from) <= now.getTime() && (!runtime.until || now.getTime() < Date.parse(runtime.until))) {
    return { reason: runtime.reason, ...(runtime.until ? { until: runtime.until } : {}) };
  }
  for (const window of windows) {
    if ('from' in window) {
      if (Date.parse(window.from) <= now.getTime() && now.getTime() < Date.parse(window.until)) {
        return { reason: window.reason, until: new Date(window.until).toISOString() };
      }
    } else if ('weekly' in window) {
      const toMinutes = (text: string) => {
        const [day, time] = text.split(' ');
        return DAYS.indexOf(day!) * DAY + minutesOf(time!);
      };
      const until = inRecurring(now, toMinutes(window.weekly.from), toMinutes(window.weekly.until), WEEK);
      if (until) return { reason: window.reason, until };
    } else {
      const until = inRecurring(now, minutesOf(window.daily.from), minutesOf(window.daily.until), DAY);
      if (until) return { reason: window.reason, until };
    }
  }
  return undefined;
}
