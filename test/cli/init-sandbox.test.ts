/**
 * `airlock init sandbox` writes what an agent's sandbox needs, and the agent's own tools work
 * with nothing else: the env file sourced by `sh -c`, then the real curl at the real Railway
 * host name, through the egress door.
 */
import { existsSync, mkdtempSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { DEMO } from '../../src/demo/railway-standin.js';
import { findSystemBundle } from '../../src/doors/egress/sandbox.js';
import { AIRLOCK_BIN } from '../support/airlock.js';
import { finalResponse, initSandbox, inSandbox, RAILWAY_HOST, run, startEgressWorld, type EgressWorld } from '../doors/egress/support.js';

const PROD_VOLUME = DEMO.volumes.productionDb;

describe('airlock init sandbox', () => {
  let world: EgressWorld;
  let token: string;
  let scratch: string;
  let egress: string;

  beforeAll(async () => {
    world = await startEgressWorld();
    token = await world.airlock.token('coding-agent', ['write:staging', 'read:*']);
    scratch = mkdtempSync(join(tmpdir(), 'airlock-sandbox-'));
    egress = world.airlock.addresses.egress!;
  });
  afterAll(async () => {
    await world.close();
    rmSync(scratch, { recursive: true, force: true });
  });

  const cli = (args: readonly string[], env: NodeJS.ProcessEnv = {}) =>
    run(process.execPath, [AIRLOCK_BIN, '--config', world.airlock.configPath, 'init', 'sandbox', ...args], {
      AIRLOCK_TOKEN: '',
      AIRLOCK_TOKEN_FILE: '',
      ...env,
    });

  it('writes the env file, the CA and the bundle, with the token only in files readable by their owner', async () => {
    const dir = join(scratch, 'written');
    const result = await initSandbox(world.airlock.configPath, { dir, proxy: egress, token });
    expect(result.code, result.stderr).toBe(0);
    expect(result.stdout + result.stderr).not.toContain(token);
    expect(result.stdout).toContain(`HTTPS_PROXY=http://agent:alk_…@${egress}`);
    expect(statSync(dir).mode & 0o777).toBe(0o700);
    expect(statSync(join(dir, 'env')).mode & 0o777).toBe(0o600);
    const env = readFileSync(join(dir, 'env'), 'utf8');
    expect(env).toContain(`export HTTPS_PROXY='http://agent:${token}@${egress}'`);
    expect(env).toContain("export NO_PROXY='127.0.0.1'");
    expect(env).toContain(`export NODE_EXTRA_CA_CERTS='${join(dir, 'airlock-ca.pem')}'`);
    expect(readFileSync(join(dir, 'airlock-ca.pem'), 'utf8')).toBe(readFileSync(world.caFile, 'utf8'));
    const system = findSystemBundle();
    if (system) {
      expect(env).toContain(`export SSL_CERT_FILE='${join(dir, 'ca-bundle.pem')}'`);
      const bundle = readFileSync(join(dir, 'ca-bundle.pem'), 'utf8');
      expect(bundle.startsWith(system.pem.trimEnd())).toBe(true);
      expect(bundle.endsWith(readFileSync(world.caFile, 'utf8'))).toBe(true);
    }
    // No AWS upstream in this config: no AWS profile.
    expect(existsSync(join(dir, 'aws'))).toBe(false);
    expect(env).not.toContain('AWS_PROFILE');
  });

  it("gives the sandbox's curl the proxy, the token and the CA: a read passes, volumeDelete is held, the volume is intact", async () => {
    const dir = join(scratch, 'curl');
    expect((await initSandbox(world.airlock.configPath, { dir, proxy: egress, token })).code).toBe(0);
    const graphql = (query: string) =>
      inSandbox(dir, 'curl -sS -i -X POST -H "content-type: application/json" -d "$1" "$2"', [JSON.stringify({ query }), `https://${RAILWAY_HOST}/graphql/v2`]);

    const before = world.railway.received.length;
    const read = await graphql('{ projects { edges { node { name } } } }');
    expect(read.stderr).toBe('');
    expect(JSON.parse(finalResponse(read.stdout).body)).toEqual({ data: { projects: { edges: [{ node: { name: 'shop' } }] } } });
    const received = world.railway.received.slice(before);
    expect(received).toHaveLength(1);
    expect(received[0]!.headers.authorization).toBe(`Bearer ${world.railwayToken}`);
    const records = await world.airlock.airlock.runtime.store.audit.list({ newestFirst: true, limit: 5 });
    const open = records.find((record) => record.door === 'egress');
    expect(open).toMatchObject({ action: 'egress:open', agent: 'coding-agent', resources: [RAILWAY_HOST] });

    const held = await graphql(`mutation { volumeDelete(volumeId: "${PROD_VOLUME}") }`);
    const answer = finalResponse(held.stdout);
    expect(answer.status).toBe(403);
    expect(JSON.parse(answer.body).errors[0].extensions).toMatchObject({ code: 'AIRLOCK_HELD', verdict: 'hold' });
    expect(world.railway.received.some((request) => request.body.includes('volumeDelete'))).toBe(false);
    expect(world.railway.volume(PROD_VOLUME)!.instances[0]!.files.size).toBe(3);
  });

  it('prints the variables with the token masked, or with --show-token, and writes nothing', async () => {
    const printed = await cli(['--proxy', egress], { AIRLOCK_TOKEN: token });
    expect(printed.code, printed.stderr).toBe(0);
    expect(printed.stdout).toContain(`export HTTPS_PROXY='http://agent:alk_…@${egress}'`);
    expect(printed.stdout + printed.stderr).not.toContain(token);
    expect(printed.stdout).toContain('Nothing was written');
    expect(printed.stderr).toContain('The token is masked');
    // The folder the printed lines name, which only --write creates.
    expect(existsSync(join(process.cwd(), 'airlock-sandbox'))).toBe(false);
    const shown = await cli(['--proxy', egress, '--show-token'], { AIRLOCK_TOKEN: token });
    expect(shown.stdout).toContain(`export HTTPS_PROXY='http://agent:${token}@${egress}'`);
  });

  it('refuses to print the token and write it at once, and to run without an Airlock token', async () => {
    const dir = join(scratch, 'refused');
    const both = await cli(['--write', dir, '--show-token', '--proxy', egress], { AIRLOCK_TOKEN: token });
    expect(both.code).toBe(2);
    expect(both.stderr).toContain('--show-token');
    const none = await cli(['--write', dir, '--proxy', egress]);
    expect(none.code).toBe(2);
    expect(none.stderr).toContain('no Airlock token');
    const found = await cli(['--write', dir, '--proxy', egress], { AIRLOCK_TOKEN: 'f3b2c1d0-9a8e-4f7d-b6c5-a4e3d2c1b0a9' });
    expect(found.code).toBe(2);
    expect(found.stderr).toContain('not an Airlock token');
    expect(found.stderr).not.toContain('f3b2c1d0');
    expect(existsSync(dir)).toBe(false);
  });

  it('takes the token from --token-file', async () => {
    const dir = join(scratch, 'from-file');
    const file = join(scratch, 'token');
    writeFileSync(file, `${token}\n`, { mode: 0o600 });
    const result = await cli(['--write', dir, '--proxy', egress, '--token-file', file]);
    expect(result.code, result.stderr).toBe(0);
    expect(readFileSync(join(dir, 'env'), 'utf8')).toContain(`agent:${token}@`);
  });

  it('explains itself in --help', async () => {
    const help = await run(process.execPath, [AIRLOCK_BIN, 'init', 'sandbox', '--help']);
    expect(help.code).toBe(0);
    for (const word of ['--write', '--token-file', '--show-token', '--proxy', 'NODE_EXTRA_CA_CERTS', 'AWS_CA_BUNDLE', 'aws/credentials', 'docs/egress-door.md'])
      expect(help.stdout).toContain(word);
  });
});
