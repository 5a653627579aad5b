import { afterEach, describe, expect, it } from 'vitest';
import { startAwsWorld, type AwsWorld } from './support.js';

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
});
