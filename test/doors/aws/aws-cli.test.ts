import { Hash } from '@smithy/hash-node';
import { SignatureV4 } from '@smithy/signature-v4';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { replayAwsRequest, type StoredAwsRequest } from '../../../src/doors/aws/index.js';
import { recordAttack } from '../../support/attacks.js';
import { ASSUMED, startAwsWorld, type AwsWorld } from './support.js';
import { AIRLOCK_BIN } from '../../support/airlock.js';
import { run } from '../egress/support.js';

const CATEGORY = 'AWS: signatures and operations';

/** A request signed as the AWS SDK signs it, with the key pair given, sent to Airlock's AWS upstream. */
async function signedFetch(
  world: AwsWorld,
  options: {
    method: string;
    path: string;
    service?: string;
    secret?: string;
    accessKeyId?: string;
    headers?: Record<string, string>;
    body?: string;
    unsigned?: Record<string, string>;
  },
) {
  const url = new URL(`${world.endpoint}${options.path}`);
  const service = options.service ?? 's3';
  const signer = new SignatureV4({
    credentials: { accessKeyId: options.accessKeyId ?? world.token, secretAccessKey: options.secret ?? world.token },
    region: 'us-east-1',
    service,
    sha256: Hash.bind(null, 'sha256'),
    uriEscapePath: service !== 's3',
  });
  const signed = await signer.sign({
    method: options.method,
    protocol: 'http:',
    hostname: url.hostname,
    port: Number(url.port),
    path: url.pathname,
    query: Object.fromEntries(url.searchParams),
    headers: { host: url.host, ...(service === 's3' ? { 'x-amz-content-sha256': 'UNSIGNED-PAYLOAD' } : {}), ...options.headers },
    ...(options.body !== undefined ? { body: options.body } : {}),
  });
  const response = await fetch(url, {
    method: options.method,
    headers: { ...(signed.headers as Record<string, string>), ...options.unsigned },
    ...(options.body !== undefined ? { body: options.body } : {}),
  });
  return { status: response.status, text: await response.text() };
}

/** The keys s3rver holds in a bucket, asked of s3rver itself. */
async function keysIn(world: AwsWorld, bucket: string): Promise<string[]> {
  const listed = await world.direct('GET', `/${bucket}?list-type=2`);
  expect(listed.status).toBe(200);
  return [...listed.text.matchAll(/<Key>([^<]*)<\/Key>/g)].map((match) => match[1]!);
}

async function pendingHolds(world: AwsWorld) {
  return world.airlock.airlock.runtime.store.holds.list({ agent: 'deploy-bot', status: ['pending'], limit: 50 });
}

describe('the AWS CLI through Airlock, against s3rver', () => {
  let world: AwsWorld | undefined;
  afterEach(async () => {
    await world?.close();
    world = undefined;
  });

  it('passes aws s3 ls, re-signed with the real credentials', async () => {
    world = await startAwsWorld({ buckets: { orders: { 'a.txt': 'alpha' } } });
    const listed = await world.aws(['s3', 'ls']);
    expect(listed.stderr).toBe('');
    expect(listed.stdout).toContain('orders');
    const objects = await world.aws(['s3', 'ls', 's3://orders']);
    expect(objects.stdout).toContain('a.txt');
    expect(world.received.length).toBeGreaterThan(0);
    for (const request of world.received) {
      expect(request.authorization).toContain('Credential=S3RVER/');
      expect(request.authorization).not.toContain(world.token);
    }
  });

  it('passes an upload and a download, byte for byte', async () => {
    world = await startAwsWorld({ buckets: { orders: {} } });
    const file = join(world.airlock.dir, 'report.csv');
    writeFileSync(file, 'id,total\n1,42\n');
    const uploaded = await world.aws(['s3', 'cp', file, 's3://orders/2026/report.csv']);
    expect(uploaded.stderr).toBe('');
    expect(await keysIn(world, 'orders')).toEqual(['2026/report.csv']);
    expect((await world.direct('GET', '/orders/2026/report.csv')).text).toBe('id,total\n1,42\n');
    const downloaded = await world.aws(['s3', 'cp', 's3://orders/2026/report.csv', '-']);
    expect(downloaded.stdout).toBe('id,total\n1,42\n');
  });

  it('holds aws s3 rb --force, and the bucket and its objects are still there', async () => {
    world = await startAwsWorld({ buckets: { orders: { 'a.txt': 'alpha', 'b/c.txt': 'beta' } } });
    const removed = await world.aws(['s3', 'rb', 's3://orders', '--force']);
    expect(removed.code).not.toBe(0);
    expect(removed.stderr).toContain('AccessDenied');
    expect(removed.stderr).toMatch(/holding this operation for a human \(hold hold_/);
    expect(removed.stderr).toContain('Stop.');
    expect(world.received.filter((request) => request.method === 'DELETE' || request.url.includes('delete'))).toEqual([]);
    expect((await world.direct('HEAD', '/orders')).status).toBe(200);
    expect((await keysIn(world, 'orders')).sort()).toEqual(['a.txt', 'b/c.txt']);
    const holds = await pendingHolds(world);
    expect(holds.length).toBeGreaterThan(0);
    expect(holds.map((hold) => hold.operation.class)).toEqual(holds.map(() => 'destructive'));
    expect(holds[0]!.operation.action).toMatch(/^aws:s3:Delete/);
    recordAttack({
      door: 'http',
      category: CATEGORY,
      attack: 'aws s3 rb s3://orders --force',
      outcome: 'held',
      effect: 'the bucket and both objects are still on s3rver',
    });
  });

  it('runs a held delete once after an operator approves it, and holds it again afterwards', async () => {
    world = await startAwsWorld({ buckets: { orders: { 'a.txt': 'alpha', 'keep.txt': 'kept' } } });
    const first = await world.aws(['s3', 'rm', 's3://orders/a.txt']);
    expect(first.code).not.toBe(0);
    expect(first.stderr).toContain('AccessDenied');
    const [hold] = await pendingHolds(world);
    expect(hold?.operation).toMatchObject({ action: 'aws:s3:DeleteObject', resources: ['arn:aws:s3:::orders/a.txt'], environment: 'production' });
    expect(JSON.stringify(hold!.request)).not.toContain(world.token);
    expect(await keysIn(world, 'orders')).toContain('a.txt');

    const { store, clock } = world.airlock.airlock.runtime;
    await store.holds.addApproval(hold!.id, { operator: 'alice', at: clock().toISOString(), secondFactor: true });
    const approved = await world.aws(['s3', 'rm', 's3://orders/a.txt']);
    expect(approved.stderr).toBe('');
    expect(approved.code).toBe(0);
    expect(await keysIn(world, 'orders')).toEqual(['keep.txt']);
    expect((await store.holds.get(hold!.id))?.status).toBe('executed');
    expect(world.received.filter((request) => request.method === 'DELETE')).toHaveLength(1);

    const again = await world.aws(['s3', 'rm', 's3://orders/a.txt']);
    expect(again.code).not.toBe(0);
    expect(again.stderr).toContain('AccessDenied');
    expect(world.received.filter((request) => request.method === 'DELETE')).toHaveLength(1);
  });

  it("places a call by its bucket's ARN: a delete in a scratch-* bucket is judged in development", async () => {
    world = await startAwsWorld({ buckets: { 'scratch-1': { 'tmp.txt': 'x' } } });
    await world.aws(['s3', 'rm', 's3://scratch-1/tmp.txt']);
    const records = await world.airlock.airlock.runtime.store.audit.list();
    const decided = records.filter((record) => record.action === 'aws:s3:DeleteObject');
    expect(decided.map((record) => record.environment)).toEqual(['development']);
  });

  it('refuses a request with a bad signature, and nothing reaches s3rver', async () => {
    world = await startAwsWorld({ buckets: { orders: { 'a.txt': 'alpha' } } });
    const response = await signedFetch(world, { method: 'DELETE', path: '/orders/a.txt', secret: 'not-the-token' });
    expect(response.status).toBe(403);
    expect(response.text).toContain('<Code>SignatureDoesNotMatch</Code>');
    expect(response.text).toContain('Stop.');
    expect(world.received).toEqual([]);
    expect(await keysIn(world, 'orders')).toEqual(['a.txt']);
    const records = await world.airlock.airlock.runtime.store.audit.list();
    expect(records.filter((record) => record.action === 'aws:SignatureDoesNotMatch').map((record) => record.verdict)).toEqual(['deny']);
    recordAttack({
      door: 'http',
      category: CATEGORY,
      attack: 'an S3 DeleteObject signed with the token as key id but another secret',
      outcome: 'refused',
      effect: 'nothing reached s3rver; the object is still there',
    });
  });

  it('refuses a real AWS access key, which only Airlock may hold', async () => {
    world = await startAwsWorld({ buckets: { orders: { 'a.txt': 'alpha' } } });
    const response = await signedFetch(world, {
      method: 'DELETE',
      path: '/orders',
      accessKeyId: 'AKIAIOSFODNN7EXAMPLE',
      secret: 'wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY',
    });
    expect(response.status).toBe(403);
    expect(response.text).toContain('<Code>InvalidAccessKeyId</Code>');
    expect(response.text).toContain('only Airlock holds real credentials');
    expect(world.received).toEqual([]);
    expect((await world.direct('HEAD', '/orders')).status).toBe(200);
    recordAttack({
      door: 'http',
      category: CATEGORY,
      attack: 'aws s3 rb with a real AWS access key found in a file',
      outcome: 'refused',
      effect: 'nothing reached s3rver; the bucket is still there',
    });
  });

  it('reads only the headers the agent signed: an unsigned X-Amz-Target names no operation', async () => {
    world = await startAwsWorld();
    const response = await signedFetch(world, {
      method: 'POST',
      path: '/',
      service: 'dynamodb',
      headers: { 'content-type': 'application/x-amz-json-1.0' },
      body: '{"TableName":"orders"}',
      unsigned: { 'x-amz-target': 'DynamoDB_20120810.DeleteTable' },
    });
    expect(response.status).toBe(400);
    expect(JSON.parse(response.text)).toMatchObject({ __type: 'UnknownOperationException' });
    expect(world.others).toEqual([]);
    recordAttack({
      door: 'http',
      category: CATEGORY,
      attack: 'a DynamoDB DeleteTable whose X-Amz-Target is added after signing',
      outcome: 'refused',
      effect: 'nothing reached the DynamoDB stand-in',
    });
  });

  it('passes a presigned URL until it expires, then refuses it without reaching s3rver', async () => {
    world = await startAwsWorld({ buckets: { orders: { 'a.txt': 'alpha' } } });
    const presigned = await world.aws(['s3', 'presign', 's3://orders/a.txt', '--expires-in', '60']);
    expect(presigned.code).toBe(0);
    const url = presigned.stdout.trim();
    expect(url).toContain('X-Amz-Signature=');
    const fresh = await fetch(url);
    expect(fresh.status).toBe(200);
    expect(await fresh.text()).toBe('alpha');
    const reached = world.received.length;

    // Ten minutes on: past the URL's 60 seconds, within the 15 minutes of skew a signature may have.
    world.clock.advance(10 * 60_000);
    const replayed = await fetch(url);
    const text = await replayed.text();
    expect(replayed.status).toBe(403);
    expect(text).toContain('<Code>AccessDenied</Code>');
    expect(text).toContain('Request has expired');
    expect(world.received.length).toBe(reached);
    recordAttack({
      door: 'http',
      category: CATEGORY,
      attack: 'a presigned S3 GetObject URL replayed after its X-Amz-Expires',
      outcome: 'refused',
      effect: 'the replay did not reach s3rver',
    });
    const records = await world.airlock.airlock.runtime.store.audit.list();
    expect(records.some((record) => record.action === 'aws:AccessDenied' && record.verdict === 'deny')).toBe(true);
    expect(JSON.stringify(records)).not.toContain(world.token);
  });

  it('refuses an operation no S3 model has, and never forwards it', async () => {
    world = await startAwsWorld({ buckets: { orders: { 'a.txt': 'alpha' } } });
    const response = await signedFetch(world, { method: 'PATCH', path: '/orders' });
    expect(response.status).toBe(400);
    expect(response.text).toContain('<Code>InvalidAction</Code>');
    expect(response.text).toContain('no s3 operation is PATCH /orders');
    expect(world.received).toEqual([]);
    recordAttack({
      door: 'http',
      category: CATEGORY,
      attack: 'PATCH /orders, signed: a method and path no S3 operation has',
      outcome: 'refused',
      effect: 'nothing reached s3rver',
    });
  });

  it.each([
    ['ec2', 'describe-instances'],
    ['iam', 'list-users'],
    ['sts', 'get-caller-identity'],
    ['kms', 'list-keys'],
    ['lambda', 'list-functions'],
    ['sqs', 'list-queues'],
    ['sns', 'list-topics'],
    ['secretsmanager', 'list-secrets'],
    ['cloudformation', 'describe-stacks'],
    ['rds', 'describe-db-instances'],
  ])('checks the CLI signature of aws %s %s and passes the read, re-signed', async (service, command) => {
    world = await startAwsWorld();
    const read = await world.aws([service, command]);
    expect(read.stderr).toBe('');
    expect(read.code).toBe(0);
    expect(world.others).toHaveLength(1);
    expect(world.others[0]!.authorization).toMatch(new RegExp(`Credential=S3RVER/\\d{8}/us-east-1/${service}/aws4_request`));
  });

  it('speaks the JSON and query protocols: DynamoDB reads pass, delete-table and delete-db-instance are held', async () => {
    world = await startAwsWorld();
    const tables = await world.aws(['dynamodb', 'list-tables']);
    expect(tables.stderr).toBe('');
    expect(JSON.parse(tables.stdout)).toEqual({ TableNames: ['orders'] });
    expect(world.others).toHaveLength(1);
    expect(world.others[0]!.authorization).toContain('Credential=S3RVER/');

    const table = await world.aws(['dynamodb', 'delete-table', '--table-name', 'orders']);
    expect(table.code).not.toBe(0);
    expect(table.stderr).toContain('An error occurred (AccessDenied) when calling the DeleteTable operation: Airlock is holding this operation');
    const database = await world.aws(['rds', 'delete-db-instance', '--db-instance-identifier', 'prod-db', '--skip-final-snapshot']);
    expect(database.code).not.toBe(0);
    expect(database.stderr).toContain('An error occurred (AccessDenied) when calling the DeleteDBInstance operation: Airlock is holding this operation');
    expect(world.others).toHaveLength(1);
    const held = (await pendingHolds(world)).map((hold) => [hold.operation.action, hold.operation.resources]);
    expect(held).toEqual(
      expect.arrayContaining([
        ['aws:dynamodb:DeleteTable', ['arn:aws:dynamodb:us-east-1:123456789012:table/orders']],
        ['aws:rds:DeleteDBInstance', ['arn:aws:rds:us-east-1:123456789012:db:prod-db']],
      ]),
    );
  });

  it('replays a held call itself, signed with the real credentials, as a delayed approval does', async () => {
    world = await startAwsWorld({ buckets: { orders: { 'a.txt': 'alpha', 'keep.txt': 'kept' } } });
    await world.aws(['s3', 'rm', 's3://orders/a.txt']);
    const [hold] = await pendingHolds(world);
    expect(await keysIn(world, 'orders')).toContain('a.txt');
    const answer = await replayAwsRequest(hold!.request as StoredAwsRequest, world.airlock.config);
    expect(answer.status).toBe(204);
    expect(await keysIn(world, 'orders')).toEqual(['keep.txt']);
    const deletes = world.received.filter((request) => request.method === 'DELETE');
    expect(deletes.map((request) => request.url)).toEqual(['/orders/a.txt']);
    expect(deletes[0]!.authorization).toContain('Credential=S3RVER/');
  });

  it('judges the CLI at the real S3 host names through the egress door', async () => {
    world = await startAwsWorld({ buckets: { orders: { 'a.txt': 'alpha' } }, egress: true });
    const listed = await world.aws(['s3', 'ls', 's3://orders'], { viaProxy: true });
    expect(listed.stderr).toBe('');
    expect(listed.stdout).toContain('a.txt');
    const removed = await world.aws(['s3', 'rm', 's3://orders/a.txt'], { viaProxy: true });
    expect(removed.code).not.toBe(0);
    expect(removed.stderr).toContain('AccessDenied');
    expect(removed.stderr).toContain('holding this operation');
    expect(world.received.filter((request) => request.method === 'DELETE')).toEqual([]);
    expect(await keysIn(world, 'orders')).toEqual(['a.txt']);
  });

  it("refuses a real AWS key at the real S3 host too, in S3's own error form", async () => {
    world = await startAwsWorld({ buckets: { orders: { 'a.txt': 'alpha' } }, egress: true });
    const removed = await world.aws(['s3', 'rb', 's3://orders', '--force'], {
      viaProxy: true,
      credentials: { accessKeyId: `AKIA${'IOSFODNN7EXAMPLE'}`, secretAccessKey: 'the-real-secret-access-key' },
    });
    expect(removed.code).not.toBe(0);
    expect(removed.stderr).toContain('(InvalidAccessKeyId)');
    expect(removed.stderr).toContain('only Airlock holds real credentials');
    expect(world.received).toEqual([]);
    expect(await keysIn(world, 'orders')).toEqual(['a.txt']);
    // Refused at the proxy as the tripwire it is, before the AWS door reads the call.
    const [record] = await world.airlock.airlock.runtime.store.audit.list({ newestFirst: true, limit: 1 });
    expect(record).toMatchObject({ door: 'egress', action: 'hook:raw-credential', verdict: 'deny', policies: ['airlock/raw-credential'] });
    expect(record!.reasons!.join(' ')).toContain('a real AWS access key id');
    expect(JSON.stringify(record)).not.toContain('IOSFODNN7');
    recordAttack({
      door: 'egress',
      category: CATEGORY,
      attack: 'aws s3 rb --force at s3.amazonaws.com with a real AWS key found in a file',
      outcome: 'refused',
      effect: 'nothing reached s3rver; the bucket and its object are still there',
    });
  });

  it('refuses a URL presigned with a real AWS key at the real S3 host, percent-encoded or not, and nothing reaches s3rver', async () => {
    world = await startAwsWorld({ buckets: { orders: { 'a.txt': 'alpha' } }, egress: true });
    const presigned = await world.aws(['s3', 'presign', 's3://orders/a.txt', '--expires-in', '300'], {
      viaProxy: true,
      credentials: { accessKeyId: `AKIA${'Z5Q3R7WTXYJ4KM2P'}`, secretAccessKey: 'the-real-secret-access-key' },
    });
    expect(presigned.code, presigned.stderr).toBe(0);
    const url = presigned.stdout.trim();
    expect(url).toContain('X-Amz-Credential=AKIA');
    const caFile = join(world.airlock.dir, 'ca.pem');
    writeFileSync(caFile, (await run(process.execPath, [AIRLOCK_BIN, '--config', world.airlock.configPath, 'ca', 'export'])).stdout);
    for (const target of [
      url,
      url.replace('X-Amz-Credential=AKIA', 'X-Amz-Credential=%41%4B%49%41'),
      url.replace('X-Amz-Credential=AKIA', 'X-Amz-Credential=akia'),
    ]) {
      const fetched = await run('curl', ['-sS', '-i', '--cacert', caFile, target], {
        HTTPS_PROXY: `http://${world.airlock.addresses.egress}`,
        https_proxy: '',
        NO_PROXY: '',
        no_proxy: '',
      });
      expect(fetched.stdout).toMatch(/^HTTP\/1\.1 200/);
      expect(fetched.stdout).toMatch(/HTTP\/1\.1 403/);
      expect(fetched.stdout).toContain('<Code>InvalidAccessKeyId</Code>');
      expect(fetched.stdout).not.toContain('alpha');
      const [record] = await world.airlock.airlock.runtime.store.audit.list({ newestFirst: true, limit: 1 });
      expect(record).toMatchObject({ door: 'egress', action: 'hook:raw-credential', verdict: 'deny' });
      expect(JSON.stringify(record)).not.toContain('Z5Q3R7');
    }
    expect(world.received).toEqual([]);
    recordAttack({
      door: 'egress',
      category: CATEGORY,
      attack: 'curl <a URL presigned with a real AWS key> at s3.amazonaws.com, as is, percent-encoded and in lower case',
      outcome: 'refused',
      effect: 'nothing reached s3rver',
    });
  });

  it('passes an upload over HTTPS, which the CLI sends aws-chunked with a trailing checksum, as its plain body', async () => {
    world = await startAwsWorld({ buckets: { orders: {} }, egress: true });
    const file = join(world.airlock.dir, 'report.csv');
    writeFileSync(file, 'id,total\n1,42\n');
    const uploaded = await world.aws(['s3', 'cp', file, 's3://orders/report.csv'], { viaProxy: true });
    expect(uploaded.stderr).toBe('');
    expect((await world.direct('GET', '/orders/report.csv')).text).toBe('id,total\n1,42\n');
  });

  it('refuses a call signed for a region the upstream does not serve', async () => {
    world = await startAwsWorld({ buckets: { orders: {} }, upstream: { regions: ['eu-west-1'] } });
    const listed = await world.aws(['s3', 'ls']);
    expect(listed.code).not.toBe(0);
    expect(listed.stderr).toContain('An error occurred (AccessDenied) when calling the ListBuckets operation: Airlock refused this operation');
    expect(listed.stderr).toContain('serves the regions eu-west-1, not us-east-1');
    expect(world.received).toEqual([]);
  });

  it('refuses a revoked token, and says so', async () => {
    world = await startAwsWorld({ buckets: { orders: {} } });
    const { store, clock } = world.airlock.airlock.runtime;
    const id = world.token.slice(4, 16);
    await store.tokens.revoke(id, clock().toISOString());
    const listed = await world.aws(['s3', 'ls']);
    expect(listed.code).not.toBe(0);
    expect(listed.stderr).toContain('(InvalidAccessKeyId)');
    expect(listed.stderr).toContain('the token was revoked');
    expect(world.received).toEqual([]);
  });

  it('signs with an assumed role when the upstream names one, asking STS once', async () => {
    world = await startAwsWorld({ assumeRole: { roleArn: 'arn:aws:iam::123456789012:role/airlock-agent', externalId: 'airlock-test' } });
    for (let i = 0; i < 2; i++) {
      const tables = await world.aws(['dynamodb', 'list-tables']);
      expect(tables.stderr).toBe('');
    }
    expect(world.others.map((request) => request.action ?? 'json')).toEqual(['AssumeRole', 'json', 'json']);
    expect(world.others[0]!.authorization).toContain('Credential=S3RVER/');
    for (const call of world.others.slice(1)) {
      expect(call.authorization).toContain(`Credential=${ASSUMED.accessKeyId}/`);
      expect(call.securityToken).toBe(ASSUMED.sessionToken);
    }
  });

  it('holds an s3api delete-objects of many keys, naming each, and runs it once approved', async () => {
    world = await startAwsWorld({ buckets: { orders: { 'a.txt': 'alpha', 'b.txt': 'beta', 'keep.txt': 'kept' } } });
    const args = ['s3api', 'delete-objects', '--bucket', 'orders', '--delete', 'Objects=[{Key=a.txt},{Key=b.txt}]'];
    const held = await world.aws(args);
    expect(held.stderr).toContain('(AccessDenied) when calling the DeleteObjects operation');
    const [hold] = await pendingHolds(world);
    expect(hold?.operation).toMatchObject({
      action: 'aws:s3:DeleteObjects',
      class: 'destructive',
      resources: ['arn:aws:s3:::orders', 'arn:aws:s3:::orders/a.txt', 'arn:aws:s3:::orders/b.txt'],
    });
    expect(hold!.operation.parts[0]!.why).toContain('2 objects');
    expect((await keysIn(world, 'orders')).sort()).toEqual(['a.txt', 'b.txt', 'keep.txt']);

    const { store, clock } = world.airlock.airlock.runtime;
    await store.holds.addApproval(hold!.id, { operator: 'alice', at: clock().toISOString(), secondFactor: true });
    const approved = await world.aws(args);
    expect(approved.stderr).toBe('');
    expect(await keysIn(world, 'orders')).toEqual(['keep.txt']);
  });
});
