/**
 * The AWS door: an AWS account behind `/u/<upstream>/…` of the HTTP listener. The agent's AWS
 * CLI and SDKs sign as usual, with the Airlock token as both access key id and secret; Airlock
 * checks that signature, classes the call by service and operation, and signs it again with
 * the real credentials.
 *
 * @example
 * // airlock.yaml
 * // upstreams:
 * //   - name: aws
 * //     kind: aws
 * //     account: '123456789012'
 * //     credential: { accessKeyId: { env: AWS_ACCESS_KEY_ID }, secretAccessKey: { env: AWS_SECRET_ACCESS_KEY } }
 * //     environments: { 'arn:aws:s3:::staging-*': staging }
 * //
 * // The agent, holding only an Airlock token:
 * // AWS_ACCESS_KEY_ID=alk_… AWS_SECRET_ACCESS_KEY=alk_… aws --endpoint-url http://127.0.0.1:4100/u/aws s3 ls
 */
export { openAwsDoor, type AwsDoor, type StoredAwsRequest } from './door.js';
export { awsError, awsRefusal, AWS_RETRY_HINT } from './refusal.js';
export { readSignature, verifySignature, type Signed, type ArrivedRequest } from './sigv4.js';
export { createAwsUpstream, endpointOf, type AwsUpstream, type AwsOutbound } from './upstream.js';
export { replayAwsRequest, awsHoldReplayer, isStoredAwsRequest } from './replay.js';
