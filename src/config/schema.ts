import { z } from 'zod';
import { durationSchema, environmentSchema, listenSchema, nameSchema, classSchema } from './common.js';
import { upstreamSchema } from './upstreams/index.js';
import { DEFAULT_PROTECTED_BRANCHES } from '../classify/shell/context.js';
import { DEFAULT_BLAST_RADIUS, postgresDoorSchema } from './upstreams/postgres.js';
import { notifySchema } from './holds.js';
import { baselineSchema } from '../baseline/config.js';
import { egressSchema } from './egress.js';
import { secretRefSchema } from './secret.js';

/** A postgres:// URL without a password: the password is a secret reference beside it. */
const postgresUrlSchema = z
  .string()
  .regex(/^postgres(ql)?:\/\//, 'a postgres:// URL')
  .refine((url) => !/^postgres(ql)?:\/\/[^/@:]*:[^/@]*@/.test(url), {
    error: 'a password in the URL is a credential written in the config; give it as password: { env: VARIABLE } or { file: path }',
  });

const isoInstant = z.iso.datetime({ offset: true, error: 'an ISO 8601 time such as 2026-12-24T18:00:00Z' });
const weekTime = z.string().regex(/^(mon|tue|wed|thu|fri|sat|sun) ([01]\d|2[0-3]):[0-5]\d$/, 'a weekday and UTC time such as "fri 18:00"');
const dayTime = z.string().regex(/^([01]\d|2[0-3]):[0-5]\d$/, 'a UTC time such as "22:00"');

/** A window in which agents may only read: once, every week, or every day (UTC). */
export const freezeWindowSchema = z.union(
  [
    z.strictObject({ reason: z.string().min(1), from: isoInstant, until: isoInstant }),
    z.strictObject({ reason: z.string().min(1), weekly: z.strictObject({ from: weekTime, until: weekTime }) }),
    z.strictObject({ reason: z.string().min(1), daily: z.strictObject({ from: dayTime, until: dayTime }) }),
  ],
  {
    error:
      'a freeze window is { reason, from, until } (ISO times), { reason, weekly: { from: "fri 18:00", until: "mon 08:00" } } or { reason, daily: { from: "22:00", until: "06:00" } }',
  },
);
export type FreezeWindowConfig = z.infer<typeof freezeWindowSchema>;

/** At most `limit` operations of `class` per `per`, for one agent or for each agent (`*`). */
export const budgetSchema = z.strictObject({
  agent: z.union([nameSchema, z.literal('*')]).default('*'),
  class: classSchema,
  limit: z.number().int().min(0),
  per: durationSchema,
});
export type BudgetConfig = z.infer<typeof budgetSchema>;

const WORKERS_FORM = 'workers is auto or a whole number from 1 to 256';

export const configSchema = z
  .strictObject({
    listen: z
      .strictObject({
        /** Doors over HTTP (REST, GraphQL, MCP), the decision API, the console. */
        http: listenSchema.default({ host: '127.0.0.1', port: 4100 }),
        /** The PostgreSQL door; off when absent. */
        postgres: listenSchema.optional(),
        /** The egress door, an HTTPS proxy for the agent's sandbox (docs/egress-door.md); off when absent. */
        egress: listenSchema.optional(),
      })
      .default({ http: { host: '127.0.0.1', port: 4100 } }),
    /**
     * How many processes serve the doors on this host: each runs every door on the same
     * listeners (the connections are dealt out in turn) and shares the one store. `auto` is one
     * per core; 1 (the default) is a single process. Read at start only (docs/operations.md).
     */
    workers: z
      .union([z.literal('auto'), z.number().int({ error: WORKERS_FORM }).min(1, { error: WORKERS_FORM }).max(256, { error: WORKERS_FORM })], {
        error: WORKERS_FORM,
      })
      .default(1),
    /** Hosts the egress door tunnels without opening them (package registries, docs). */
    egress: egressSchema.prefault({}),
    /** The PostgreSQL door's TLS and login settings (docs/postgres-door.md). */
    postgres: postgresDoorSchema.default({ tls: 'generate', plaintext: 'never', blastRadius: DEFAULT_BLAST_RADIUS }),
    /** The address operators use to reach the console, for links in notifications. */
    publicUrl: z.url().optional(),
    /**
     * Where Airlock keeps its state (agents, tokens, holds, audit, keys). When absent:
     * AIRLOCK_STATE_DIR, else $XDG_STATE_HOME/airlock, else ~/.local/state/airlock — never the
     * folder of the config, which is often a source tree.
     */
    dataDir: z.string().min(1).optional(),
    store: z
      .union(
        [
          z.strictObject({ sqlite: z.string().min(1) }),
          z.strictObject({
            postgres: z.union([
              postgresUrlSchema,
              z.strictObject({ url: postgresUrlSchema, password: secretRefSchema.optional(), pool: z.number().int().min(1).max(200).optional() }),
            ]),
          }),
        ],
        {
          error: 'store is { sqlite: path } or { postgres: postgres://… } or { postgres: { url, password: { env: VARIABLE } } }',
        },
      )
      .optional(),
    audit: z
      .strictObject({
        /** The chain head kept apart from the log (see docs/operations.md). */
        head: z.string().optional(),
        /** `changes`: records of allowed reads are committed without their own disk sync; `all`: every commit is synced. */
        durability: z.enum(['changes', 'all']).default('changes'),
        /**
         * A signed chain head kept where no replica can rewrite it: a second PostgreSQL database,
         * advanced by every replica, checked by `airlock audit verify` (docs/operations.md).
         */
        checkpoint: z
          .strictObject({
            postgres: z.union([postgresUrlSchema, z.strictObject({ url: postgresUrlSchema, password: secretRefSchema.optional() })]),
          })
          .optional(),
      })
      .default({ durability: 'changes' }),
    /** Cedar policy files, in addition to Airlock's built-in rules. */
    policies: z.array(z.string()).default([]),
    holds: z
      .strictObject({
        ttl: durationSchema.default(3_600_000),
        mode: z.enum(['respond', 'wait']).default('respond'),
        wait: durationSchema.default(300_000),
      })
      .default({ ttl: 3_600_000, mode: 'respond', wait: 300_000 }),
    /** Webhooks told about holds (docs/holds.md). */
    notify: notifySchema.default({ webhooks: [] }),
    freeze: z.array(freezeWindowSchema).default([]),
    budgets: z.array(budgetSchema).default([]),
    /** Behaviour baselines and anomaly signals (docs/signals.md). */
    baseline: baselineSchema,
    /** How shell commands are judged (the hook door, MCP tools that run commands). */
    shell: z
      .strictObject({
        /** Branches where `git push --force` and `git reset --hard` are destructive (globs). */
        protectedBranches: z.array(z.string().min(1)).default([...DEFAULT_PROTECTED_BRANCHES]),
      })
      .prefault({}),
    limits: z
      .strictObject({
        /** Largest request body a door reads (bytes). */
        bodyBytes: z.number().int().min(1024).default(1_048_576),
        /** How long a door waits for an upstream's answer. */
        upstreamTimeout: durationSchema.default(30_000),
      })
      .default({ bodyBytes: 1_048_576, upstreamTimeout: 30_000 }),
    /** Token lifetime when `airlock token issue` is given no --ttl. */
    tokens: z.strictObject({ defaultTtl: durationSchema.default(28_800_000) }).default({ defaultTtl: 28_800_000 }),
    upstreams: z.array(upstreamSchema).default([]),
  })
  .superRefine((config, ctx) => {
    const seen = new Map<string, number>();
    config.upstreams.forEach((upstream, index) => {
      const first = seen.get(upstream.name);
      if (first !== undefined) {
        ctx.addIssue({
          code: 'custom',
          path: ['upstreams', index, 'name'],
          message: `upstream name "${upstream.name}" is already used by upstreams[${first}]; names must be unique`,
        });
      } else seen.set(upstream.name, index);
    });
  });

export type AirlockConfigInput = z.input<typeof configSchema>;
export type ParsedConfig = z.infer<typeof configSchema>;
export { environmentSchema };
