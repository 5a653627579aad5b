/**
 * A running Airlock with an upstream of kind aws in front of s3rver (an S3 stand-in) on
 * loopback, and the real AWS CLI pointed at Airlock with `--endpoint-url`, holding only its
 * Airlock token as AWS credentials.
 */
import { execFile } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { createServer, type IncomingMessage } from 'node:http';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Hash } from '@smithy/hash-node';
import { SignatureV4 } from '@smithy/signature-v4';
import S3rver from 's3rver';
import { testClock } from '../../holds/support.js';
import { AIRLOCK_BIN, startTestAirlock, type TestAirlock } from '../../support/airlock.js';
import { run } from '../egress/support.js';

/** s3rver's own key pair: the "real" credential only Airlock holds. */
const S3RVER_KEY = 'S3RVER';

export interface S3Request {
  readonly method: string;
  readonly url: string;
  readonly authorization: string;
  readonly securityToken?: string;
  /** The form's Action, for the query protocols. */
  readonly action?: string;
}

export interface AwsWorld {
  readonly airlock: TestAirlock;
  readonly clock: ReturnType<typeof testClock>;
  /** The agent's token: write:production, so reads and writes pass and deletes are held. */
  readonly token: string;
  /** `http://127.0.0.1:<port>/u/aws` */
  readonly endpoint: string;
  /** Every request that reached s3rver. */
  readonly received: S3Request[];
  /** Every request that reached the stand-in for the services other than S3 (an empty answer to anything, ListTables one table). */
  readonly others: S3Request[];
  /**
   * Runs the real `aws` CLI as the agent: at `--endpoint-url`, or with `viaProxy` at AWS's real
   * host names through the egress door (HTTPS_PROXY, Airlock's CA in AWS_CA_BUNDLE).
   */
  aws(args: readonly string[], options?: { viaProxy?: boolean }): Promise<{ code: number; stdout: string; stderr: string }>;
  /** Asks s3rver directly (signed with its own key), not through Airlock. */
  direct(method: string, path: string, body?: string): Promise<{ status: number; text: string }>;
  close(): Promise<void>;
}

/** The temporary credentials the stand-in's STS hands out for AssumeRole. */
export const ASSUMED = { accessKeyId: 'ASIATEMPORARYKEY0001', secretAccessKey: 'temporary-secret-key', sessionToken: 'temporary-session-token' };

/** The real S3 host names the upstream answers for at the egress door, in the egress tests. */
export const S3_HOSTS = ['s3.amazonaws.com', 's3.us-east-1.amazonaws.com'];

export async function startAwsWorld(
  options: {
    buckets?: Record<string, Record<string, string>>;
    egress?: boolean;
    upstream?: Record<string, unknown>;
    assumeRole?: Record<string, unknown>;
  } = {},
): Promise<AwsWorld> {
  const directory = mkdtempSync(join(tmpdir(), 'airlock-s3-'));
  const s3 = new S3rver({
    address: '127.0.0.1',
    port: 0,
    silent: true,
    directory,
    configureBuckets: Object.keys(options.buckets ?? {}).map((name) => ({ name })),
  });
  const address = (await s3.run()) as AddressInfo;
  const s3url = `http://127.0.0.1:${address.port}`;
  const received: S3Request[] = [];
  (s3 as unknown as { httpServer: import('node:http').Server }).httpServer.on('request', (request: IncomingMessage) => {
    received.push({ method: request.method!, url: request.url!, authorization: request.headers.authorization ?? '' });
  });

  const others: S3Request[] = [];
  const standIn = createServer((request, response) => {
    const chunks: Buffer[] = [];
    request.on('data', (chunk: Buffer) => chunks.push(chunk));
    request.on('end', () => {
      const action = new URLSearchParams(Buffer.concat(chunks).toString('utf8')).get('Action') ?? undefined;
      const securityToken = request.headers['x-amz-security-token'] as string | undefined;
      others.push({
        method: request.method!,
        url: request.url!,
        authorization: request.headers.authorization ?? '',
        ...(securityToken ? { securityToken } : {}),
        ...(action ? { action } : {}),
      });
      const target = request.headers['x-amz-target'];
      if (action === 'AssumeRole') {
        const expiration = new Date(Date.now() + 3_600_000).toISOString();
        response.writeHead(200, { 'content-type': 'text/xml' });
        return response.end(
          `<AssumeRoleResponse><AssumeRoleResult><Credentials><AccessKeyId>${ASSUMED.accessKeyId}</AccessKeyId><SecretAccessKey>${ASSUMED.secretAccessKey}</SecretAccessKey><SessionToken>${ASSUMED.sessionToken}</SessionToken><Expiration>${expiration}</Expiration></Credentials></AssumeRoleResult></AssumeRoleResponse>`,
        );
      }
      if (target === 'DynamoDB_20120810.ListTables') {
        response.writeHead(200, { 'content-type': 'application/x-amz-json-1.0' });
        return response.end(JSON.stringify({ TableNames: ['orders'] }));
      }
      if (action) {
        response.writeHead(200, { 'content-type': 'text/xml' });
        return response.end(`<${action}Response><${action}Result></${action}Result></${action}Response>`);
      }
      // An empty answer, which every JSON client reads as a result with nothing in it.
      response.writeHead(200, { 'content-type': target ? 'application/x-amz-json-1.1' : 'application/json' });
      response.end('{}');
    });
  });
  await new Promise<void>((resolve) => standIn.listen(0, '127.0.0.1', resolve));
  const standInUrl = `http://127.0.0.1:${(standIn.address() as AddressInfo).port}`;

  const variable = `AIRLOCK_TEST_AWS_${randomBytes(4).toString('hex').toUpperCase()}`;
  process.env[`${variable}_ID`] = S3RVER_KEY;
  process.env[`${variable}_SECRET`] = S3RVER_KEY;
  const clock = testClock(new Date().toISOString());
  const airlock = await startTestAirlock({
    clock,
    config: {
      ...(options.egress ? { listen: { http: '127.0.0.1:0', egress: '127.0.0.1:0' } } : {}),
      // The tests hold several deletes in a row, and a new agent's first delete, on purpose.
      baseline: { ignore: ['refusal-burst', 'first-destructive'], suspendOn: [] },
      upstreams: [
        {
          name: 'aws',
          kind: 'aws',
          account: '123456789012',
          url: s3url,
          endpoints: Object.fromEntries(
            ['dynamodb', 'rds', 'ec2', 'iam', 'kms', 'sts', 'lambda', 'sqs', 'sns', 'secretsmanager', 'cloudformation'].map((name) => [name, standInUrl]),
          ),
          hosts: options.egress ? S3_HOSTS : [],
          ...options.upstream,
          credential: {
            accessKeyId: { env: `${variable}_ID` },
            secretAccessKey: { env: `${variable}_SECRET` },
            ...(options.assumeRole ? { assumeRole: options.assumeRole } : {}),
          },
          environment: 'production',
          environments: { 'arn:aws:s3:::scratch-*': 'development' },
        },
      ],
    },
  });
  const token = await airlock.token('deploy-bot', ['write:production', 'write:development'], 30 * 86_400_000);
  const home = mkdtempSync(join(tmpdir(), 'airlock-aws-home-'));
  const endpoint = `${airlock.url}/u/aws`;
  // SigV4 for presigned URLs too (the CLI presigns S3 in us-east-1 with SigV2 unless told).
  writeFileSync(join(home, 'config'), '[default]\ns3 =\n  signature_version = s3v4\n  addressing_style = path\n');
  const caFile = join(home, 'airlock-ca.pem');
  if (options.egress) {
    const exported = await run(process.execPath, [AIRLOCK_BIN, '--config', airlock.configPath, 'ca', 'export'], {});
    if (exported.code !== 0) throw new Error(`airlock ca export failed: ${exported.stderr}`);
    writeFileSync(caFile, exported.stdout);
  }

  const signer = new SignatureV4({
    credentials: { accessKeyId: S3RVER_KEY, secretAccessKey: S3RVER_KEY },
    region: 'us-east-1',
    service: 's3',
    sha256: Hash.bind(null, 'sha256'),
    uriEscapePath: false,
  });
  const direct: AwsWorld['direct'] = async (method, path, body) => {
    const [pathname, search] = path.split('?');
    const query = Object.fromEntries(new URLSearchParams(search ?? ''));
    const signed = await signer.sign({
      method,
      protocol: 'http:',
      hostname: '127.0.0.1',
      port: address.port,
      path: pathname!,
      query,
      headers: { host: `127.0.0.1:${address.port}`, 'x-amz-content-sha256': 'UNSIGNED-PAYLOAD' },
      ...(body !== undefined ? { body } : {}),
    });
    const response = await fetch(`${s3url}${path}`, { method, headers: signed.headers as Record<string, string>, ...(body !== undefined ? { body } : {}) });
    return { status: response.status, text: await response.text() };
  };
  for (const [bucket, objects] of Object.entries(options.buckets ?? {})) {
    for (const [key, text] of Object.entries(objects)) {
      const put = await direct('PUT', `/${bucket}/${key}`, text);
      if (put.status !== 200) throw new Error(`seeding ${bucket}/${key} failed: ${put.status} ${put.text}`);
    }
  }
  received.length = 0;

  return {
    airlock,
    clock,
    token,
    endpoint,
    received,
    others,
    direct,
    aws: (args, awsOptions = {}) =>
      new Promise((resolve) => {
        execFile(
          'aws',
          awsOptions.viaProxy ? [...args] : ['--endpoint-url', endpoint, ...args],
          {
            env: {
              ...(awsOptions.viaProxy ? { HTTPS_PROXY: `http://${airlock.addresses.egress}`, AWS_CA_BUNDLE: caFile } : {}),
              PATH: process.env.PATH,
              HOME: home,
              AWS_ACCESS_KEY_ID: token,
              AWS_SECRET_ACCESS_KEY: token,
              AWS_DEFAULT_REGION: 'us-east-1',
              AWS_CONFIG_FILE: join(home, 'config'),
              AWS_SHARED_CREDENTIALS_FILE: join(home, 'none'),
              AWS_EC2_METADATA_DISABLED: 'true',
              AWS_MAX_ATTEMPTS: '1',
              AWS_PAGER: '',
            },
            timeout: 60_000,
          },
          (error, stdout, stderr) => resolve({ code: error ? ((error as { code?: number }).code ?? 1) : 0, stdout, stderr }),
        );
      }),
    async close() {
      await airlock.close();
      await s3.close();
      await new Promise<void>((resolve) => {
        standIn.close(() => resolve());
        standIn.closeAllConnections();
      });
      rmSync(directory, { recursive: true, force: true });
      rmSync(home, { recursive: true, force: true });
      delete process.env[`${variable}_ID`];
      delete process.env[`${variable}_SECRET`];
    },
  };
}
