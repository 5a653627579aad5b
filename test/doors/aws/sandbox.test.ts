/**
 * The real AWS CLI in a sandbox set up by `airlock init sandbox`: no --endpoint-url, no
 * credentials of its own, only the env file and the AWS profile it wrote, reaching AWS's real
 * S3 host names through the egress door, in front of s3rver.
 */
import { mkdtempSync, readFileSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
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
  });
});
