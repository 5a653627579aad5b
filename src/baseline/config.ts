import { z } from 'zod';
import { durationSchema } from '../config/common.js';
import { SIGNAL_NAMES } from './names.js';

const signalName = z.enum(SIGNAL_NAMES, { error: `one of ${SIGNAL_NAMES.join(', ')}` });

/**
 * How Airlock learns what each agent normally does, and when it calls something unusual.
 * Every key has a default; docs/signals.md explains each and how to tune it.
 *
 * @example
 * baseline:
 *   warmup: { operations: 200, period: 7d }
 *   burst: { factor: 20 }
 *   refusals: { count: 5, window: 15m }
 *   suspendOn: [refusal-burst]
 */
export const baselineSchema = z
  .strictObject({
    /** Until both are reached, signals that compare with the baseline stay quiet. */
    warmup: z
      .strictObject({
        operations: z.number().int().min(0).default(100),
        period: durationSchema.default(259_200_000),
      })
      .prefault({}),
    /** How quickly rates forget: an hour of the day weighs half as much after this long. */
    halfLife: durationSchema.default(604_800_000),
    /** rate-burst: more than `factor` times the usual rate within `window`, and at least `minimum`. */
    burst: z
      .strictObject({
        factor: z.number().min(1).default(10),
        window: durationSchema.default(300_000),
        minimum: z.number().int().min(1).default(30),
      })
      .prefault({}),
    /** refusal-burst: `count` operations refused or held within `window`. */
    refusals: z
      .strictObject({
        count: z.number().int().min(1).default(3),
        window: durationSchema.default(600_000),
      })
      .prefault({}),
    /** unusual-hour: this hour and its neighbours see less than `share` of the busiest hour's rate. */
    unusualHour: z.strictObject({ share: z.number().min(0).max(1).default(0.05) }).prefault({}),
    /** Overrides of a signal's strength: 1 weak, 2 moderate, 3 strong (strong holds changes). */
    strengths: z.partialRecord(signalName, z.number().int().min(1).max(3)).default({}),
    /** Signals that are not raised at all. */
    ignore: z.array(signalName).default([]),
    /** Signals that suspend the agent (the circuit breaker) until an operator resumes it. */
    suspendOn: z.array(signalName).default(['refusal-burst']),
  })
  .prefault({});

export type BaselineSettings = z.infer<typeof baselineSchema>;

/** The settings when the config says nothing: what tests and tools use by default. */
export const DEFAULT_BASELINE_SETTINGS: BaselineSettings = baselineSchema.parse(undefined);
