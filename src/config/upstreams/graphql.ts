import { z } from 'zod';
import { classSchema } from '../common.js';
import { httpCredentialSchema, upstreamBase } from './base.js';

export const graphqlUpstreamSchema = z.strictObject({
  ...upstreamBase,
  kind: z.literal('graphql'),
  /** The upstream endpoint, e.g. https://backboard.railway.com/graphql/v2 */
  url: z.url({ protocol: /^https?$/, error: 'an http:// or https:// URL' }),
  credential: httpCredentialSchema.optional(),
  /** Also route requests whose Host header is one of these to this upstream. */
  hosts: z.array(z.string()).default([]),
  /** An SDL or introspection-JSON file of the upstream's schema, to refine classification. */
  schema: z.string().optional(),
  /** Root field → class, overriding Airlock's naming rules (`volumeDelete: destructive`). */
  classify: z.record(z.string(), classSchema).default({}),
  /** Persisted-query hashes without a document cannot be judged: refused unless `allow`. */
  persistedQueries: z.enum(['refuse', 'allow']).default('refuse'),
});
export type GraphqlUpstreamConfig = z.infer<typeof graphqlUpstreamSchema>;
