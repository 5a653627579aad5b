import { z } from 'zod';
import { awsUpstreamSchema } from './aws.js';
import { graphqlUpstreamSchema } from './graphql.js';
import { mcpUpstreamSchema } from './mcp.js';
import { postgresUpstreamSchema } from './postgres.js';
import { restUpstreamSchema } from './rest.js';

export const upstreamSchema = z.discriminatedUnion(
  'kind',
  [graphqlUpstreamSchema, restUpstreamSchema, postgresUpstreamSchema, mcpUpstreamSchema, awsUpstreamSchema],
  {
    error: 'kind must be one of graphql, rest, postgres, mcp, aws',
  },
);
export type UpstreamConfig = z.infer<typeof upstreamSchema>;
export type UpstreamKind = UpstreamConfig['kind'];

export type { GraphqlUpstreamConfig } from './graphql.js';
export type { RestUpstreamConfig } from './rest.js';
export type { PostgresUpstreamConfig } from './postgres.js';
export type { McpUpstreamConfig } from './mcp.js';
export type { AwsUpstreamConfig } from './aws.js';
export type { HttpCredentialConfig } from './base.js';
