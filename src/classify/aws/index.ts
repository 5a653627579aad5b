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
import { severity, type OperationPart } from '../../core/operation.js';
import { awsPart, type AwsTarget } from './classify.js';
import { resolveAwsOperation, type AwsRequest, type ResolvedCall } from './resolve.js';

export type AwsClassification =
  | { readonly ok: true; readonly call: ResolvedCall; readonly part: OperationPart }
  | { readonly ok: false; readonly error: string };

export function classifyAwsCall(request: AwsRequest, target: AwsTarget): AwsClassification {
  const resolved = resolveAwsOperation(request);
  if (!resolved.ok) return resolved;
  const part = awsPart(request.service, resolved.call, target);
  return { ok: true, call: resolved.call, part: withAclHeaders(request, part) };
}

/** S3 headers that set who may read or write what is being written, whatever the operation. */
const S3_ACCESS_HEADERS = ['x-amz-acl', 'x-amz-grant-read', 'x-amz-grant-write', 'x-amz-grant-read-acp', 'x-amz-grant-write-acp', 'x-amz-grant-full-control'];

/** `PutObject` with `x-amz-acl: public-read` publishes the object: a change of access, not only a write. */
function withAclHeaders(request: AwsRequest, part: OperationPart): OperationPart {
  if (request.service.name !== 's3' || severity(part.class) >= severity('privilege')) return part;
  const header = S3_ACCESS_HEADERS.find((name) => request.header(name) !== undefined);
  if (!header) return part;
  return { ...part, class: 'privilege', why: `${part.why}; its ${header} header sets who may access it` };
}

export { classifyAwsOperation, resourcesOf, deletedKeysOf, awsPart, type AwsRuling, type AwsTarget } from './classify.js';
export { resolveAwsOperation, type AwsRequest, type ResolvedCall, type Resolution } from './resolve.js';
export { awsServices, serviceBySigningName, type AwsService, type AwsProtocol } from './services.js';
