import { z } from 'zod';
import { secretRefSchema } from '../secret.js';
import { upstreamBase } from './base.js';

export const postgresUpstreamSchema = z.strictObject({
  ...upstreamBase,
  kind: z.literal('postgres'),
  host: z.string().default('127.0.0.1'),
  port: z.number().int().min(1).max(65535).default(5432),
  /** The database agents reach through this upstream; they connect with `dbname=<upstream name>`. */
  database: z.string(),
  user: z.string(),
  password: secretRefSchema.optional(),
  tls: z.enum(['disable', 'prefer', 'require']).default('prefer'),
});
export type PostgresUpstreamConfig = z.infer<typeof postgresUpstreamSchema>;
