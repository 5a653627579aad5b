import { z } from 'zod';
import { classSchema, durationSchema } from '../common.js';
import { backupStepSchema } from '../holds.js';
import { secretRefSchema } from '../secret.js';
import { upstreamBase } from './base.js';

/**
 * Airlock's own backup step for PostgreSQL: `pg_dump` of the tables a destructive statement is
 * about to touch (the schema for DROP SCHEMA, the whole database when the effect is unknown),
 * into `dir`, before the statement is forwarded. If the dump fails, the statement is not.
 */
export const pgDumpBackupSchema = z.strictObject({
  pgDump: z.strictObject({
    /** Where dumps are written (relative to the config file), one file per statement. */
    dir: z.string().min(1),
    /** The pg_dump to run; its major version must be at least the upstream's. */
    command: z.string().min(1).default('pg_dump'),
    /** For statements whose affected tables are unknown (DO, CALL, unknown functions): dump the whole database, or none. */
    unknownEffect: z.enum(['database', 'skip']).default('database'),
    timeout: durationSchema.default(600_000),
  }),
});
export type PgDumpBackupConfig = z.infer<typeof pgDumpBackupSchema>['pgDump'];

export const postgresUpstreamSchema = z.strictObject({
  ...upstreamBase,
  kind: z.literal('postgres'),
  host: z.string().default('127.0.0.1'),
  port: z.number().int().min(1).max(65535).default(5432),
  /** The database agents reach through this upstream; they connect with `dbname=<upstream name>`. */
  database: z.string(),
  user: z.string(),
  password: secretRefSchema.optional(),
  /**
   * TLS to the upstream: `prefer` uses it when offered, `require` insists (without checking the
   * certificate, as libpq's sslmode=require), `verify-full` also checks it against `ca`.
   */
  tls: z.enum(['disable', 'prefer', 'require', 'verify-full']).default('prefer'),
  /** A CA certificate file (PEM) for `tls: verify-full`; the system's CAs when absent. */
  ca: z.string().optional(),
  /**
   * Function name glob → class, for functions Airlock cannot know (your own, extensions'):
   * `{ "app.refresh_*": write, "st_*": read }`. Unlisted unknown functions are destructive.
   */
  functions: z.record(z.string(), classSchema).default({}),
  /** Run before any destructive statement is forwarded: Airlock's pg_dump step, or a generic one. */
  backup: z.union([pgDumpBackupSchema, backupStepSchema], { error: 'backup is { pgDump: { dir } }, { command: [...] } or { http: { url } }' }).optional(),
});
export type PostgresUpstreamConfig = z.infer<typeof postgresUpstreamSchema>;

/**
 * The PostgreSQL door's listener settings (the address is `listen.postgres`).
 *
 * Agents log in with their Airlock token as the password. Tokens are stored only as hashes, so
 * SCRAM (which needs a verifier derived from the password) is not possible: the token travels
 * as a cleartext password, and therefore only inside TLS, unless `plaintext: loopback` allows it
 * from clients on the same host.
 */
export const DEFAULT_BLAST_RADIUS = { share: 0.5, minRows: 50 } as const;

const blastRadiusSchema = z.strictObject({
  share: z.number().gt(0).lte(1).default(DEFAULT_BLAST_RADIUS.share),
  minRows: z.number().int().min(0).default(DEFAULT_BLAST_RADIUS.minRows),
  maxRows: z.number().int().positive().optional(),
});
export type BlastRadiusConfig = z.infer<typeof blastRadiusSchema>;

export const postgresDoorSchema = z.strictObject({
  /** A certificate and key (PEM files), or `generate`: a self-signed one made at first start in dataDir. */
  tls: z
    .union([z.strictObject({ cert: z.string().min(1), key: z.string().min(1) }), z.literal('generate')], {
      error: 'tls is { cert: FILE, key: FILE } or "generate"',
    })
    .default('generate'),
  /** `never`: the token only over TLS. `loopback`: also in clear from 127.0.0.1 / ::1. */
  plaintext: z.enum(['never', 'loopback']).default('never'),
  /**
   * How many rows a DELETE, UPDATE or MERGE that Airlock cannot prove narrow may touch before it
   * is rolled back and held (docs/postgres-door.md): more than `share` of a table of at least
   * `minRows` rows, or more than `maxRows` rows of any table.
   */
  blastRadius: blastRadiusSchema.default(DEFAULT_BLAST_RADIUS),
});
export type PostgresDoorConfig = z.infer<typeof postgresDoorSchema>;
