import { z } from 'zod';
import { classSchema, durationSchema } from '../common.js';
import { hostsSchema, httpCredentialSchema, upstreamBase } from './base.js';

/**
 * How Airlock asks the upstream itself which environment a resource is in, so that an agent
 * cannot choose its own verdict by claiming one. Each entry names the argument keys that carry
 * that kind of id, and a request that returns the environment's name.
 */
const resolverFields = {
  /** What the ids are (`volume`), for messages. */
  name: z.string().min(1),
  /**
   * Argument keys carrying this kind of id: a key anywhere in the arguments (`volumeId`), or one
   * for one root field (`environmentDelete.id`).
   */
  keys: z.array(z.string().min(1)).min(1),
  /** Dotted path to the environment name(s) in the answer; lists are walked (`a.edges.node.env.name`). */
  environment: z.string().min(1),
  /**
   * Whether a call that names this kind of resource acts in its environment only, so other ids in
   * the same call do not widen it (Railway's `environmentId` on `serviceInstanceRedeploy`).
   * `true` for every field, or a list of root-field globs. Off by default: narrowing on a field
   * that does not really narrow would let an agent pick a staging verdict for a production call.
   */
  narrows: z.union([z.boolean(), z.array(z.string().min(1))]).default(false),
};

export const graphqlResolverSchema = z.strictObject({
  ...resolverFields,
  /** A GraphQL query taking `$id`, sent to the upstream with its real credential. */
  query: z.string().min(1),
});
export type GraphqlResolverConfig = z.infer<typeof graphqlResolverSchema>;

export const restResolverSchema = z.strictObject({
  ...resolverFields,
  /** A path under the upstream's URL with `{id}` in it, fetched with GET (`/v1/volumes/{id}`). */
  get: z.string().startsWith('/').includes('{id}'),
});
export type RestResolverConfig = z.infer<typeof restResolverSchema>;

export const resolveSchema = <T extends z.ZodType>(resolver: T) =>
  z.strictObject({
    /** How long an answer is kept. */
    ttl: durationSchema.default(300_000),
    resources: z.array(resolver).min(1),
  });

export const graphqlUpstreamSchema = z.strictObject({
  ...upstreamBase,
  kind: z.literal('graphql'),
  /** The upstream endpoint, e.g. https://backboard.railway.com/graphql/v2 */
  url: z.url({ protocol: /^https?$/, error: 'an http:// or https:// URL' }),
  credential: httpCredentialSchema.optional(),
  /** Also route requests whose Host header is one of these to this upstream. */
  hosts: hostsSchema,
  /** An SDL or introspection-JSON file of the upstream's schema, to refine classification. */
  schema: z.string().optional(),
  /**
   * Without a `schema` file: ask the upstream for its schema (an introspection query, with the
   * credential) when Airlock starts. Until it has answered, requests to it are refused.
   */
  introspect: z.boolean().default(false),
  /** Root field → class, overriding Airlock's naming rules (`volumeDelete: destructive`). */
  classify: z.record(z.string(), classSchema).default({}),
  /** Persisted-query hashes without a document cannot be judged: refused unless `allow`. */
  persistedQueries: z.enum(['refuse', 'allow']).default('refuse'),
  /** Ask the upstream which environment a resource is in (see docs/http-door.md). */
  resolve: resolveSchema(graphqlResolverSchema).optional(),
});
export type GraphqlUpstreamConfig = z.infer<typeof graphqlUpstreamSchema>;
