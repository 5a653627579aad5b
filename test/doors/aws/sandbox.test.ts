/**
 * The real AWS CLI in a sandbox set up by `airlock init sandbox`: no --endpoint-url, no
 * credentials of its own, only the env file and the AWS profile it wrote, reaching AWS's real
 * S3 host names through the egress door, in front of s3rver.
 */
import { mkdtempSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { recordAttack } from '../../support/attacks.js';
import { initSandbox, inSandbox } from '../egress/support.js';
import { startAwsWorld, type AwsWorld } from './support.js';

async function keysIn(world: AwsWorld, bucket: string): Promise<string[]> {
  const listed = await world.direct('GET', `/${bucket}?list-type=2`);
  expect(listed.status).toBe(200);
  return [...listed.text.matchAll(/<Key>([^<]*)<\/Key>/g)].map((match) => match[1]!);
}

describe('the AWS CLI with the profile airlock init sandbox wrote', () => {
  let world: AwsWorld | undefined;
  let scratch: string | undefined;
  afterEach(async () => {
    await world?.close();
    world = undefined;
    if (scratch) rmSync(scratch, { recursive: true, force: true });
  });

  const sandbox = async (aws: AwsWorld) => {
    scratch = mkdtempSync(join(tmpdir(), 'airlock-aws-sandbox-'));
    const dir = join(scratch, 'sandbox');
    const written = await initSandbox(aws.airlock.configPath, { dir, proxy: aws.airlock.addresses.egress!, token: aws.token });
    expect(written.code, written.stderr).toBe(0);
    expect(written.stdout + written.stderr).not.toContain(aws.token);
    return dir;
  };

  it('writes [profile airlock] with the Airlock-issued credentials; a read passes, a delete is held and the object is still there', async () => {
    world = await startAwsWorld({ buckets: { orders: { 'a.txt': 'alpha' } }, egress: true });
    const dir = await sandbox(world);
    const config = readFileSync(join(dir, 'aws', 'config'), 'utf8');
    expect(config).toContain('[profile airlock]\nregion = us-east-1\n');
    expect(config).toContain('addressing_style = path');
    expect(readFileSync(join(dir, 'aws', 'credentials'), 'utf8')).toBe(
      `[airlock]\naws_access_key_id = ${world.token}\naws_secret_access_key = ${world.token}\n`,
    );
    expect(statSync(join(dir, 'aws', 'credentials')).mode & 0o777).toBe(0o600);
    expect(readFileSync(join(dir, 'env'), 'utf8')).toContain("export AWS_PROFILE='airlock'");

    const listed = await inSandbox(dir, 'aws s3 ls s3://orders');
    expect(listed.stderr).toBe('');
    expect(listed.stdout).toContain('a.txt');
    expect(world.received.length).toBeGreaterThan(0);
    for (const request of world.received) expect(request.authorization).toContain('Credential=S3RVER/');

    const removed = await inSandbox(dir, 'aws s3 rm s3://orders/a.txt');
    expect(removed.code).not.toBe(0);
    expect(removed.stderr).toContain('AccessDenied');
    expect(removed.stderr).toContain('holding this operation');
    expect(world.received.filter((request) => request.method === 'DELETE')).toEqual([]);
    expect(await keysIn(world, 'orders')).toEqual(['a.txt']);
  }, 120_000);

  it('reads the bucket from its own host name (virtual-hosted S3) when hosts: lists *.s3.amazonaws.com: a read and an upload pass, deletes are held', async () => {
    world = await startAwsWorld({
      buckets: { orders: { 'a.txt': 'alpha' } },
      egress: true,
      upstream: { hosts: ['s3.amazonaws.com', '*.s3.amazonaws.com', 's3.us-east-1.amazonaws.com', '*.s3.us-east-1.amazonaws.com'] },
    });
    const dir = await sandbox(world);
    expect(readFileSync(join(dir, 'aws', 'config'), 'utf8')).toContain('addressing_style = virtual');
    const opened = async () =>
      (await world!.airlock.airlock.runtime.store.audit.list({ newestFirst: true, limit: 200 }))
        .filter((record) => record.door === 'egress' && record.action === 'egress:open')
        .map((record) => record.resources?.[0]);

    const listed = await inSandbox(dir, 'aws s3 ls s3://orders');
    expect(listed.stderr).toBe('');
    expect(listed.stdout).toContain('a.txt');
    expect((await opened()).some((host) => host?.startsWith('orders.s3.'))).toBe(true);
    // s3rver is asked in path style, signed with the real credentials.
    expect(world.received.some((request) => request.method === 'GET' && request.url.startsWith('/orders'))).toBe(true);
    for (const request of world.received) expect(request.authorization).toContain('Credential=S3RVER/');
    // The regional name too (orders.s3.us-east-1.amazonaws.com).
    const regional = await inSandbox(dir, 'AWS_S3_US_EAST_1_REGIONAL_ENDPOINT=regional aws s3 ls s3://orders');
    expect(regional.stderr).toBe('');
    expect(regional.stdout).toContain('a.txt');
    expect(await opened()).toContain('orders.s3.us-east-1.amazonaws.com');

    const file = join(scratch!, 'report.csv');
    writeFileSync(file, 'id,total\n1,42\n');
    const uploaded = await inSandbox(dir, 'aws s3 cp "$1" s3://orders/2026/report.csv', [file]);
    expect(uploaded.stderr).toBe('');
    expect((await world.direct('GET', '/orders/2026/report.csv')).text).toBe('id,total\n1,42\n');
    const downloaded = await inSandbox(dir, 'aws s3 cp s3://orders/a.txt -');
    expect(downloaded.stdout).toBe('alpha');

    const removed = await inSandbox(dir, 'aws s3 rm s3://orders/a.txt');
    expect(removed.code).not.toBe(0);
    expect(removed.stderr).toContain('holding this operation');
    const [hold] = await world.airlock.airlock.runtime.store.holds.list({ agent: 'deploy-bot', status: ['pending'], limit: 10 });
    expect(hold?.operation).toMatchObject({ action: 'aws:s3:DeleteObject', resources: ['arn:aws:s3:::orders/a.txt'], environment: 'production' });
    const dropped = await inSandbox(dir, 'aws s3 rb s3://orders --force');
    expect(dropped.code).not.toBe(0);
    expect(world.received.filter((request) => request.method === 'DELETE' || request.url.includes('delete'))).toEqual([]);
    expect((await keysIn(world, 'orders')).sort()).toEqual(['2026/report.csv', 'a.txt']);
    recordAttack({
      door: 'egress',
      category: 'AWS: signatures and operations',
      attack: 'aws s3 rb s3://orders --force at the bucket’s own host name (orders.s3.amazonaws.com), through the proxy',
      outcome: 'held',
      effect: 'the bucket and both objects are still on s3rver',
    });
    // Seven runs of the AWS CLI, each a Python start: more than the default allows on a busy machine.
  }, 180_000);
});
