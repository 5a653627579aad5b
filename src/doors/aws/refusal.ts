import { randomUUID } from 'node:crypto';
import type { AwsProtocol } from '../../classify/aws/index.js';
import { refusalFor } from '../../core/refusal.js';
import type { RefusalResponse, Refused } from '../http/refusal.js';

/**
 * Refusals in AWS's own error forms, so that the AWS CLI and SDKs print them as they print any
 * service error: `An error occurred (AccessDenied) when calling the DeleteBucket operation: …`.
 * XML for S3 and the query protocols, JSON for the JSON protocols.
 */

/** How an agent retries an approved hold through the AWS door: the gate finds the approval by the request itself. */
export const AWS_RETRY_HINT = 'run exactly the same command again; Airlock recognises the approved request.';

/** Every verdict is 403 (or 400 for a request Airlock cannot read): SDKs retry 5xx and 429 on their own, and an agent must not. */
function statusFor(verdict: Refused): number {
  return verdict.kind === 'deny' && verdict.code === 'bad_request' ? 400 : 403;
}

function escapeXml(text: string): string {
  return text.replace(/[<>&"']/g, (c) => ({ '<': '&lt;', '>': '&gt;', '&': '&amp;', '"': '&quot;', "'": '&apos;' })[c]!);
}

/** An AWS error answer with this code and message, in the protocol's form. */
export function awsError(protocol: AwsProtocol, code: string, message: string, status: number, extra: Record<string, string> = {}): RefusalResponse {
  const requestId = randomUUID();
  const headers: Record<string, string> = { 'cache-control': 'no-store', 'x-amzn-requestid': requestId, 'x-amz-request-id': requestId, ...extra };
  if (protocol === 'json' || protocol === 'rest-json') {
    headers['content-type'] = protocol === 'json' ? 'application/x-amz-json-1.0' : 'application/json';
    headers['x-amzn-errortype'] = code;
    return { status, headers, body: JSON.stringify({ __type: code, message }) };
  }
  headers['content-type'] = 'application/xml';
  const error = `<Code>${escapeXml(code)}</Code><Message>${escapeXml(message)}</Message>`;
  const body =
    protocol === 'rest-xml'
      ? `<Error>${error}<RequestId>${requestId}</RequestId></Error>`
      : protocol === 'ec2'
        ? `<Response><Errors><Error>${error}</Error></Errors><RequestID>${requestId}</RequestID></Response>`
        : `<ErrorResponse><Error><Type>Sender</Type>${error}</Error><RequestId>${requestId}</RequestId></ErrorResponse>`;
  return { status, headers, body: `<?xml version="1.0" encoding="UTF-8"?>\n${body}` };
}

/**
 * A verdict of the gate (or the door) as `AccessDenied` (or the code AWS itself would give, such
 * as `SignatureDoesNotMatch`),
 * with Airlock's stop-and-ask words and the hold id.
 */
export function awsRefusal(protocol: AwsProtocol, verdict: Refused, status = statusFor(verdict), code = 'AccessDenied'): RefusalResponse {
  const refusal = refusalFor(verdict, verdict.kind === 'hold' ? AWS_RETRY_HINT : undefined);
  const extra: Record<string, string> = { 'airlock-verdict': verdict.kind };
  if (verdict.holdId) extra['airlock-hold'] = verdict.holdId;
  return awsError(protocol, code, `${refusal.message} ${refusal.instruction}`, status, extra);
}
