/**
 * `airlock config init` gives a new user a config that works where it is written, and
 * `airlock config check` says everything that is wrong with one, in one run.
 */
import { copyFileSync, existsSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { ROOT, runCli } from '../support/airlock.js';

const scratch: string[] = [];
afterAll(() => {
  for (const dir of scratch) rmSync(dir, { recursive: true, force: true });
});

function folder(): string {
  const dir = mkdtempSync(join(tmpdir(), 'airlock-config-'));
  scratch.push(dir);
  return dir;
}

/** Run from a folder that is neither the checkout nor the config's, so no path resolves by luck. */
const cli = (args: string[], env: NodeJS.ProcessEnv = {}) =>
  runCli(args, { cwd: folder(), env: { AIRLOCK_CONFIG: '', RAILWAY_TOKEN: 'rw-test-token', AIRLOCK_STATE_DIR: join(folder(), 'state'), ...env } });

describe('airlock config init', () => {
  it('writes a config and its policies into a new folder, and that config checks clean from anywhere', () => {
    const dir = join(folder(), 'airlock');
    const written = cli(['config', 'init', dir]);
    expect(written.status, written.stderr).toBe(0);
    expect(readdirSync(join(dir, 'policies')).sort()).toEqual(readdirSync(join(ROOT, 'examples', 'policies')).sort());
    expect(readFileSync(join(dir, 'airlock.yaml'), 'utf8')).toBe(readFileSync(join(ROOT, 'examples', 'airlock.yaml'), 'utf8'));
    const checked = cli(['--config', join(dir, 'airlock.yaml'), 'config', 'check']);
    expect(checked.status, checked.stderr).toBe(0);
    expect(checked.stdout).toMatch(/ok — 2 upstreams, [1-9]\d* policies of yours in 2 files/);
  });

  it('refuses to overwrite a config that is already there, leaving it as it was', () => {
    const dir = folder();
    writeFileSync(join(dir, 'airlock.yaml'), 'listen: { http: 127.0.0.1:4999 }\n');
    const result = cli(['config', 'init', dir]);
    expect(result.status).toBe(1);
    expect(result.stderr).toContain('already exists; Airlock will not overwrite them');
    expect(readFileSync(join(dir, 'airlock.yaml'), 'utf8')).toBe('listen: { http: 127.0.0.1:4999 }\n');
    expect(existsSync(join(dir, 'policies'))).toBe(false);
  });
});

describe('airlock config check', () => {
  it('lists every problem at once: a secret that is not set and each policy that does not parse', () => {
    const dir = folder();
    mkdirSync(join(dir, 'policies'));
    writeFileSync(join(dir, 'policies', 'a.cedar'), 'permit (principal, action, resource) when { nonsense };\n');
    writeFileSync(join(dir, 'policies', 'b.cedar'), '@id("x")\nforbid (principal, action, resource) when { resource.nope == 1 ;\n');
    writeFileSync(
      join(dir, 'airlock.yaml'),
      'policies: [policies/]\nupstreams:\n  - name: railway\n    kind: graphql\n    url: https://backboard.railway.com/graphql/v2\n    credential: { bearer: { env: AIRLOCK_TEST_UNSET_TOKEN } }\n    environment: production\n',
    );
    const result = cli(['--config', join(dir, 'airlock.yaml'), 'config', 'check']);
    expect(result.status).toBe(1);
    expect(result.stderr).toContain('upstreams[0].credential.bearer: environment variable AIRLOCK_TEST_UNSET_TOKEN is not set');
    expect(result.stderr).toContain(`${join(dir, 'policies', 'a.cedar')}:`);
    expect(result.stderr).toContain(`${join(dir, 'policies', 'b.cedar')}:`);
    expect(result.stderr).toMatch(/airlock: \d+ problems in /);
  });

  it('lists every key that is wrong in the file itself, not the first', () => {
    const dir = folder();
    writeFileSync(join(dir, 'airlock.yaml'), 'listen: { http: 127.0.0.1:notaport }\nholds: { ttl: soon }\nfreez: []\n');
    const result = cli(['--config', join(dir, 'airlock.yaml'), 'config', 'check']);
    expect(result.status).toBe(1);
    for (const key of ['listen.http', 'holds.ttl', 'freez']) expect(result.stderr).toContain(`: ${key}: `);
  });

  it('says, for the example copied without its policies, where they are looked for and how to get them', () => {
    const dir = folder();
    copyFileSync(join(ROOT, 'examples', 'airlock.yaml'), join(dir, 'airlock.yaml'));
    const result = cli(['--config', join(dir, 'airlock.yaml'), 'config', 'check']);
    expect(result.status).toBe(1);
    expect(result.stderr).toContain(`paths are relative to the config's folder, ${dir}`);
    expect(result.stderr).toContain('airlock config init DIR');
  });
});
