/**
 * The anomaly signals Airlock raises, by name. Policies see them as `context.signals`
 * (docs/signals.md describes each).
 */
export const SIGNAL_NAMES = [
  'first-destructive',
  'first-environment',
  'first-upstream',
  'first-action',
  'rate-burst',
  'refusal-burst',
  'unusual-hour',
] as const;

export type SignalName = (typeof SIGNAL_NAMES)[number];

/** 1 weak (recorded), 2 moderate (recorded; policies may act on it), 3 strong (changes are held). */
export const DEFAULT_STRENGTHS: Readonly<Record<SignalName, 1 | 2 | 3>> = {
  'first-destructive': 3,
  'first-environment': 3,
  'first-upstream': 2,
  'first-action': 1,
  'rate-burst': 3,
  'refusal-burst': 3,
  'unusual-hour': 1,
};
