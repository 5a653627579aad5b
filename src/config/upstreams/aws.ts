import { z } from 'zod';
import { durationSchema } from '../common.js';
import { secretRefSchema } from '../secret.js';
import { awsHostsSchema, upstreamBase } from './base.js';

const endpointSchema = z.url({ protocol: /^https?$/, error: 'an http:// or https:// URL' });

/**
 * An AWS account behind the AWS door. Agents sign with Airlock-issued credentials (the token as
 * both access key id and secret); Airlock checks that signature, classes the call by service
 * and operation, and signs it again with `credential` (docs/aws.md).
 */
export const awsUpstreamSchema = z.strictObject({
  ...upstreamBase,
  kind: z.literal('aws'),
  /** The real credentials, which only Airlock holds. */
  credential: z.strictObject({
    accessKeyId: secretRefSchema,
    secretAccessKey: secretRefSchema,
    sessionToken: secretRefSchema.optional(),
    /**
     * Sign with a role assumed with the keys above (STS AssumeRole) rather than with the keys
     * themselves: its temporary credentials are fetched when first needed and renewed before they expire.
     */
    assumeRole: z
      .strictObject({
        roleArn: z.string().regex(/^arn:aws[a-z-]*:iam::\d{12}:role\/.+$/, 'an IAM role ARN (arn:aws:iam::<account>:role/<name>)'),
        externalId: z.string().min(2).optional(),
        sessionName: z
          .string()
          .regex(/^[\w+=,.@-]{2,64}$/)
          .default('airlock'),
        duration: durationSchema.default(3_600_000),
      })
      .optional(),
  }),
  /** The account those credentials belong to: it goes into the ARNs `environments:` globs are matched with. */
  account: z
    .string()
    .regex(/^\d{12}$/, 'a 12-digit AWS account id')
    .optional(),
  /**
   * Send requests here rather than to AWS's own endpoints (`https://<service>.<region>.amazonaws.com`):
   * a VPC endpoint, or a stand-in in a test. `endpoints` sets one per service (`s3: http://…`).
   */
  url: endpointSchema.optional(),
  endpoints: z.record(z.string(), endpointSchema).default({}),
  /** Regions agents may sign for; a call for another is refused. Any region when empty. */
  regions: z.array(z.string().regex(/^[a-z0-9-]+$/, 'a region name such as eu-west-1')).default([]),
  /** Real host names this upstream answers for at the egress door (`s3.amazonaws.com`), and `*.` for every subdomain of one (`*.s3.amazonaws.com`). */
  hosts: awsHostsSchema,
});
export type AwsUpstreamConfig = z.infer<typeof awsUpstreamSchema>;
