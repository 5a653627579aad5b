import { z } from 'zod';
import { durationSchema, nameSchema } from './common.js';
import { secretRefSchema } from './secret.js';

/** A header value written in the config, or read from a secret (a token for the backup API). */
const headerValue = z.union([z.string(), secretRefSchema]);

/**
 * The step an upstream runs before any destructive operation is forwarded (see docs/holds.md).
 * If it fails, the operation is not forwarded. Both forms are told what is about to happen:
 * a command through AIRLOCK_* environment variables, an HTTP call through {placeholders}.
 */
export const backupStepSchema = z.union(
  [
    z.strictObject({
      /** An argument list run without a shell (["pg_dump", "-Fc", …]), or a string run by /bin/sh -c. */
      command: z.union([z.string().min(1), z.array(z.string()).min(1)]),
      /** Extra environment for the command; values may be secrets ({ env } or { file }). */
      env: z.record(z.string().regex(/^[A-Za-z_][A-Za-z0-9_]*$/, 'an environment variable name'), headerValue).default({}),
      /** The folder the command runs in (default: the config file's folder). */
      cwd: z.string().optional(),
      timeout: durationSchema.default(600_000),
    }),
    z.strictObject({
      http: z.strictObject({
        url: z.url({ protocol: /^https?$/, error: 'an http:// or https:// URL' }),
        method: z.enum(['POST', 'PUT', 'PATCH', 'GET']).default('POST'),
        headers: z.record(z.string().regex(/^[A-Za-z0-9-]+$/, 'an HTTP header name'), headerValue).default({}),
        /** Send the upstream's own credential (e.g. the provider's backup mutation). */
        credential: z.literal('upstream').optional(),
        /** JSON (placeholders replaced inside strings) or a string body. */
        body: z.unknown().optional(),
      }),
      timeout: durationSchema.default(120_000),
    }),
  ],
  { error: 'backup is { command: [...] } or { http: { url, … } } (docs/holds.md)' },
);
export type BackupStepConfig = z.infer<typeof backupStepSchema>;

export const NOTIFY_EVENTS = [
  'hold.created',
  'hold.approval',
  'hold.approved',
  'hold.denied',
  'hold.cancelled',
  'hold.expired',
  'hold.released',
  'hold.executed',
  'hold.failed',
  'backup.failed',
] as const;
export type NotifyEvent = (typeof NOTIFY_EVENTS)[number];

export const webhookSchema = z.strictObject({
  /** Names the webhook in delivery records; defaults to webhook-1, webhook-2, … */
  name: nameSchema.optional(),
  /** A Slack incoming-webhook URL is itself a credential: give it as { env } or { file }. */
  url: z.union([z.url({ protocol: /^https?$/, error: 'an http:// or https:// URL' }), secretRefSchema]),
  /** `slack`: Slack-compatible { text, blocks }; `json`: Airlock's own event document. */
  format: z.enum(['slack', 'json']).default('json'),
  events: z.array(z.enum(NOTIFY_EVENTS)).min(1).default(['hold.created']),
  /** Signs `json` deliveries: Airlock-Signature: sha256=HMAC(secret, body). */
  secret: secretRefSchema.optional(),
  headers: z.record(z.string().regex(/^[A-Za-z0-9-]+$/, 'an HTTP header name'), headerValue).default({}),
});
export type WebhookConfig = z.infer<typeof webhookSchema>;

export const notifySchema = z.strictObject({ webhooks: z.array(webhookSchema).default([]) });
export type NotifyConfig = z.infer<typeof notifySchema>;
