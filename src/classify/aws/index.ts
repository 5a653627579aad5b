/**
 * AWS calls classified by service and operation, from AWS's published service models.
 *
 * @example
 * const service = serviceBySigningName('s3')!;
 * const result = classifyAwsCall(
 *   { service, method: 'DELETE', path: '/orders', query: [], header: () => undefined, body: Buffer.alloc(0) },
 *   { region: 'eu-west-1', account: '123456789012' },
 * );
 * result.ok && result.part.action; // 'aws:s3:DeleteBucket'
 * result.ok && result.part.class;  // 'destructive'
 */
import type { OperationPart } from '../../core/operation.js';
import { awsPart, type AwsTarget } from './classify.js';
import { resolveAwsOperation, type AwsRequest, type ResolvedCall } from './resolve.js';

export type AwsClassification =
  | { readonly ok: true; readonly call: ResolvedCall; readonly part: OperationPart }
  | { readonly ok: false; readonly error: string };

export function classifyAwsCall(request: AwsRequest, target: AwsTarget): AwsClassification {
  const resolved = resolveAwsOperation(request);
  if (!resolved.ok) return resolved;
  return { ok: true, call: resolved.call, part: awsPart(request.service, resolved.call, target) };
}

export { classifyAwsOperation, resourcesOf, deletedKeysOf, awsPart, type AwsRuling, type AwsTarget } from './classify.js';
export { resolveAwsOperation, type AwsRequest, type ResolvedCall, type Resolution } from './resolve.js';
export { awsServices, serviceBySigningName, type AwsService, type AwsProtocol } from './services.js';
