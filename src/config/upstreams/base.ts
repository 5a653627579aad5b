import { z } from 'zod';
import { secretRefSchema as secretRef } from '../secret.js';
import { environmentMapSchema, environmentSchema, holdModeSchema, nameSchema } from '../common.js';
import { backupStepSchema } from '../holds.js';

const HOST = '[a-z0-9]([a-z0-9-]*[a-z0-9])?(\\.[a-z0-9]([a-z0-9-]*[a-z0-9])?)*(:\\d{1,5})?';

/** A real host name an upstream answers for at the egress door and by Host (`backboard.railway.app`, `:port` optional). */
export const hostsSchema = z
  .array(z.string().regex(new RegExp(`^${HOST}$`, 'i'), 'a host name such as backboard.railway.app, optionally with :port'))
  .default([]);

/**
 * An AWS upstream's hosts, which may also name every subdomain of one (`*.s3.amazonaws.com`):
 * S3 reads a bucket from its own host name (`orders.s3.amazonaws.com`).
 */
export const awsHostsSchema = z
  .array(
    z
      .string()
      .regex(
        new RegExp(`^(\\*\\.)?${HOST}$`, 'i'),
        'a host name such as s3.eu-west-1.amazonaws.com, or *.s3.eu-west-1.amazonaws.com for every bucket’s own name',
      ),
  )
  .default([]);

/** Fields every upstream has, whatever its door. */
export const upstreamBase = {
  name: nameSchema,
  description: z.string().optional(),
  /**
   * The environment of this upstream's targets when nothing more specific is known.
   * Defaults to production: what Airlock cannot place, it treats as production.
   */
  environment: environmentSchema.default('production'),
  /** Resource-id glob → environment, first match wins (e.g. `"vol_stg_*": staging`). */
  environments: environmentMapSchema.default({}),
  holds: holdModeSchema.optional(),
  /**
   * Observe mode for this upstream until this time (ISO 8601): what would be held or refused is
   * recorded as such and forwarded — never for a stopped agent or during a freeze.
   */
  observeUntil: z.iso.datetime({ offset: true }).optional(),
  /** Run before any destructive operation is forwarded; if it fails, nothing is (docs/holds.md). */
  backup: backupStepSchema.optional(),
};

export const httpCredentialSchema = z.union(
  [
    z.strictObject({ bearer: secretRef }),
    z.strictObject({ header: z.string().regex(/^[A-Za-z0-9-]+$/, 'an HTTP header name'), value: secretRef }),
    z.strictObject({ basic: z.strictObject({ username: z.string(), password: secretRef }) }),
  ],
  { error: 'credential must be { bearer: SECRET }, { header: NAME, value: SECRET } or { basic: { username, password: SECRET } }' },
);
export type HttpCredentialConfig = z.infer<typeof httpCredentialSchema>;
