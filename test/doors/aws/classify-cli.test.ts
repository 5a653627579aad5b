import { describe, expect, it } from 'vitest';
import { runCli } from '../../support/airlock.js';

describe('airlock classify aws', () => {
  it('prints the class of one operation, and of every operation of a service as JSON', () => {
    const one = runCli(['classify', 'aws', 's3', 'DeleteBucket']);
    expect(one.status).toBe(0);
    expect(one.stdout).toMatch(/destructive\s+aws:s3:DeleteBucket/);
    const all = runCli(['classify', 'aws', 'iam', '--json']);
    const rows = JSON.parse(all.stdout) as { class: string; action: string }[];
    expect(rows.find((row) => row.action === 'aws:iam:CreateAccessKey')?.class).toBe('privilege');
    expect(rows.find((row) => row.action === 'aws:iam:ListUsers')?.class).toBe('read');
  });

  it('says an operation the model does not have would be refused', () => {
    const unknown = runCli(['classify', 'aws', 's3', 'DropEverything']);
    expect(unknown.status).not.toBe(0);
    expect(unknown.stderr).toContain('s3 has no operation DropEverything; Airlock would refuse it');
  });
});
