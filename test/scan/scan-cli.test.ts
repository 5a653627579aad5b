import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { writeTestConfig } from '../support/airlock.js';
import { airlockCli } from '../doors/hook/support.js';
import { random } from './planted.js';

const RAILWAY = random(32);
const { dir: configDir, configPath } = writeTestConfig({
  config: {
    upstreams: [
      { name: 'railway', kind: 'graphql', url: 'https://backboard.railway.app/graphql/v2', credential: { bearer: { env: 'SCAN_TEST_RAILWAY_TOKEN' } } },
    ],
  },
});
const home = mkdtempSync(join(tmpdir(), 'airlock-scan-home-'));
const env = { SCAN_TEST_RAILWAY_TOKEN: RAILWAY, HOME: home };

afterAll(() => {
  rmSync(configDir, { recursive: true, force: true });
  rmSync(home, { recursive: true, force: true });
});

function workspace(files: Record<string, string>): string {
  const dir = mkdtempSync(join(tmpdir(), 'airlock-scan-cli-'));
  for (const [name, text] of Object.entries(files)) {
    mkdirSync(join(dir, name, '..'), { recursive: true });
    writeFileSync(join(dir, name), text);
  }
  return dir;
}

describe('airlock scan', () => {
  it('prints file:line with a masked preview and exits 1 when it finds the configured secret', async () => {
    const dir = workspace({ 'ops/runbook.md': `# Runbook\n\nIf deploys fail, use ${RAILWAY} directly.\n` });
    const result = await airlockCli(['--config', configPath, 'scan', dir], '', env);
    expect(result.status).toBe(1);
    expect(result.stdout).toContain(
      `1 raw credential found in ${dir} (1 file):\n\n  the credential Airlock holds for upstream railway: (32 characters)\n    ops/runbook.md:3:22  If deploys fail, use ******** directly.\n`,
    );
    expect(result.stdout + result.stderr).not.toContain(RAILWAY);
    rmSync(dir, { recursive: true, force: true });
  });

  it('prints JSON with --json and exits 0 when the workspace is clean', async () => {
    const dir = workspace({ 'src/app.ts': 'export {};\n' });
    const result = await airlockCli(['--config', configPath, 'scan', dir, '--json'], '', env);
    expect(result.status).toBe(0);
    expect(JSON.parse(result.stdout)).toMatchObject({ dir, findings: [], files: 1, configuredSecrets: 1 });
    rmSync(dir, { recursive: true, force: true });
  });

  it('reports a secret found in several places once, listing each place, and skips Airlock’s own state folder', async () => {
    const token = `ghp_${random(36)}`;
    const dir = workspace({ 'a.sh': `GH_TOKEN=${token}\n`, 'b/notes.md': `old token: ${token}\n` });
    const { configPath: inside } = writeTestConfig({ config: { dataDir: join(dir, 'state') } });
    mkdirSync(join(dir, 'state'), { recursive: true });
    writeFileSync(join(dir, 'state', 'leftover.txt'), `${token}\n`);
    const result = await airlockCli(['--config', inside, 'scan', dir], '', env);
    expect(result.status).toBe(1);
    expect(result.stdout).toContain(`1 raw credential found in ${dir} (2 files):\n\n  GitHub token: ghp_… (40 characters), in 2 places\n`);
    expect(result.stdout).toContain('    a.sh:1:10  GH_TOKEN=ghp_********\n');
    expect(result.stdout).toContain('    b/notes.md:1:12  old token: ghp_********\n');
    expect(result.stdout).not.toContain(token.slice(4, 10));
    rmSync(dir, { recursive: true, force: true });
  });

  it('exits 2 when the folder does not exist', async () => {
    const result = await airlockCli(['--config', configPath, 'scan', join(home, 'missing')], '', env);
    expect(result.status).toBe(2);
  });
});

describe('airlock classify shell', () => {
  it('prints each command of a line with its action and class as JSON', async () => {
    const result = await airlockCli(
      ['--config', configPath, 'classify', 'shell', '--json', '--workspace', '/srv/app', 'ls && railway volume delete --volume vol_1'],
      '',
      env,
    );
    expect(result.status).toBe(0);
    expect(JSON.parse(result.stdout)).toMatchObject({
      ok: true,
      class: 'destructive',
      parts: [
        { action: 'shell:ls', class: 'read' },
        { action: 'shell:railway volume delete', class: 'destructive', resources: ['vol_1'] },
      ],
    });
  });
});
