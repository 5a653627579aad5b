import { z } from 'zod';
import { classSchema } from '../common.js';
import { hostsSchema, httpCredentialSchema, upstreamBase } from './base.js';
import { resolveSchema, restResolverSchema } from './graphql.js';

export const restRuleSchema = z.strictObject({
  /** An HTTP method, or `*`. */
  method: z.string().regex(/^([A-Z]+|\*)$/, 'an upper-case HTTP method or *'),
  /**
   * A path pattern matched after normalisation, relative to the upstream's URL: literal segments,
   * `*` (one segment), `{name}` (one segment, recorded as a resource id), `**` (any number).
   * E.g. `/v1/volumes/{volumeId}` or `/v1/cache/**`.
   */
  path: z.string().startsWith('/'),
  class: classSchema,
  /** The action name to record (default `rest:METHOD /pattern`). */
  action: z.string().optional(),
});

export const restUpstreamSchema = z.strictObject({
  ...upstreamBase,
  kind: z.literal('rest'),
  url: z.url({ protocol: /^https?$/, error: 'an http:// or https:// URL' }),
  credential: httpCredentialSchema.optional(),
  hosts: hostsSchema,
  /** Checked in order before the method defaults (GET/HEAD/OPTIONS read, DELETE destructive, others write). */
  rules: z.array(restRuleSchema).default([]),
  /**
   * The upstream's OpenAPI description (OpenAPI 3.x or Swagger 2; JSON or YAML, optionally
   * gzip-compressed), relative to the config file. Each request is matched to its operation and
   * classed by the operation's operationId, summary and description as well as its path. Until
   * it has been read, requests to the upstream are refused.
   */
  openapi: z.string().min(1).optional(),
  /** Match paths without regard to case, for upstreams that treat /Volumes and /volumes alike. */
  caseInsensitivePaths: z.boolean().default(false),
  /** Ask the upstream which environment a resource is in (see docs/http-door.md). */
  resolve: resolveSchema(restResolverSchema).optional(),
});
export type RestUpstreamConfig = z.infer<typeof restUpstreamSchema>;
