import { X509Certificate } from 'node:crypto';
import { readFileSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { runCli, writeTestConfig } from '../../support/airlock.js';

describe("airlock ca: the egress door's certificate authority", () => {
  const { dir, configPath } = writeTestConfig();
  afterAll(() => rmSync(dir, { recursive: true, force: true }));
  const ca = (command: string) => runCli(['--config', configPath, 'ca', command]);

  it('creates the CA on first export, keeps its key sealed, and exports the same certificate again', () => {
    const first = ca('export');
    expect(first.status).toBe(0);
    const certificate = new X509Certificate(first.stdout);
    expect(certificate.ca).toBe(true);
    expect(certificate.subject).toContain('Airlock egress CA');
    expect(certificate.verify(certificate.publicKey)).toBe(true);

    const stored = JSON.parse(readFileSync(join(dir, 'data', 'egress-ca.json'), 'utf8')) as Record<string, string>;
    expect(stored.sealedKey).toMatch(/^v1:/);
    expect(JSON.stringify(stored)).not.toContain('PRIVATE KEY');
    expect(ca('export').stdout).toBe(first.stdout);
  });

  it('rotates to a new CA, which export then prints', () => {
    const before = ca('export').stdout;
    const rotated = ca('rotate');
    expect(rotated.status).toBe(0);
    expect(rotated.stderr).toMatch(/New CA ([0-9A-F]{2}:){31}[0-9A-F]{2}/);
    expect(rotated.stdout).not.toBe(before);
    expect(ca('export').stdout).toBe(rotated.stdout);
  });
});
