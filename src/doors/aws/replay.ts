import { serviceBySigningName, awsServices } from '../../classify/aws/index.js';
import type { AirlockConfig } from '../../config/load.js';
import type { Replayer } from '../../holds/replay.js';
import { redactorFor } from '../../redact/index.js';
import type { StoredAwsRequest } from './door.js';
import { createAwsUpstream } from './upstream.js';

/** Whether a hold's stored request is one the AWS door kept. */
export function isStoredAwsRequest(request: unknown): request is StoredAwsRequest {
  return typeof request === 'object' && request !== null && (request as { kind?: unknown }).kind === 'aws' && (request as { door?: unknown }).door === 'http';
}

/**
 * Sends a held AWS call, exactly as it was judged, signed with the upstream's real credentials
 * now: what Airlock does when an approved hold runs on a schedule rather than on the agent's
 * retry. Throws when the upstream is gone or has no credential.
 */
export async function replayAwsRequest(
  stored: StoredAwsRequest,
  config: Pick<AirlockConfig, 'upstreams' | 'limits'>,
  options: { env?: NodeJS.ProcessEnv } = {},
): Promise<{ status: number; body: Buffer }> {
  const upstreamConfig = config.upstreams.find((upstream) => upstream.name === stored.upstream);
  if (upstreamConfig?.kind !== 'aws') throw new Error(`the upstream ${stored.upstream} is no longer configured as an AWS upstream`);
  const service = awsServices().get(stored.service) ?? serviceBySigningName(stored.service);
  if (!service) throw new Error(`Airlock no longer knows the AWS service ${stored.service}`);
  const redactor = redactorFor(config);
  const upstream = createAwsUpstream(upstreamConfig, { timeoutMs: config.limits.upstreamTimeout, redactor, ...(options.env ? { env: options.env } : {}) });
  try {
    if (upstream.credentialProblem) throw new Error(upstream.credentialProblem);
    const answer = await upstream.send(stored, service, Buffer.from(stored.body, 'base64'));
    const body = Buffer.from(await answer.body.arrayBuffer());
    redactor.maskBuffer(body);
    return { status: answer.statusCode, body };
  } finally {
    await upstream.close();
  }
}

/** Runs an approved, delayed AWS hold, and says whether AWS took it. */
export const awsHoldReplayer: Replayer = async (runtime, hold) => {
  let answer: Awaited<ReturnType<typeof replayAwsRequest>>;
  try {
    answer = await replayAwsRequest(hold.request as StoredAwsRequest, runtime.config);
  } catch (error) {
    return { forwarded: false, ok: false, detail: (error as Error).message };
  }
  return { forwarded: true, ok: answer.status < 300, status: answer.status, detail: `AWS answered HTTP ${answer.status}` };
};
