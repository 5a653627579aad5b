import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { DEMO } from '../../../src/demo/railway-standin.js';
import { recordAttack } from '../../support/attacks.js';
import { curl, finalResponse, RAILWAY_HOST, railwayGraphql, startEgressWorld, type EgressWorld } from './support.js';

const PROD_VOLUME = DEMO.volumes.productionDb;

describe("the egress door, with the agent's own curl through HTTPS_PROXY", () => {
  let world: EgressWorld;
  let agentToken: string;

  beforeAll(async () => {
    world = await startEgressWorld();
    agentToken = await world.airlock.token('coding-agent', ['write:staging', 'read:*']);
  });
  afterAll(() => world.close());

  const egressRecords = async () =>
    (await world.airlock.airlock.runtime.store.audit.list({ newestFirst: true, limit: 50 })).filter((record) => record.door === 'egress');

  it('opens a read to the real Railway host, judges it and forwards it with the real credential', async () => {
    const before = world.railway.received.length;
    const result = await railwayGraphql(world, `Bearer ${agentToken}`, '{ projects { edges { node { name } } } }');
    expect(result.stderr).toBe('');
    expect(JSON.parse(result.stdout)).toEqual({ data: { projects: { edges: [{ node: { name: 'shop' } }] } } });
    const received = world.railway.received.slice(before);
    expect(received).toHaveLength(1);
    expect(received[0]!.headers.authorization).toBe(`Bearer ${world.railwayToken}`);
    const [connect] = await egressRecords();
    expect(connect).toMatchObject({
      door: 'egress',
      action: 'egress:open',
      resources: [RAILWAY_HOST],
      verdict: 'allow',
      summary: `CONNECT ${RAILWAY_HOST}:443`,
    });
  });

  it('takes the Airlock token from the proxy URL when the tool sends no Authorization of its own', async () => {
    const proxy = world.proxy.replace('http://', `http://coding-agent:${agentToken}@`);
    const result = await curl(
      world,
      [
        '-X',
        'POST',
        '-H',
        'content-type: application/json',
        '-d',
        JSON.stringify({ query: '{ projects { edges { node { name } } } }' }),
        `https://${RAILWAY_HOST}/graphql/v2`,
      ],
      { HTTPS_PROXY: proxy, https_proxy: proxy },
    );
    expect(JSON.parse(result.stdout).data.projects.edges[0].node.name).toBe('shop');
    const [connect] = await egressRecords();
    expect(connect).toMatchObject({ action: 'egress:open', agent: 'coding-agent', verdict: 'allow' });
  });

  it('holds volumeDelete sent to the real host, and the volume is still there afterwards', async () => {
    const result = await railwayGraphql(world, `Bearer ${agentToken}`, `mutation { volumeDelete(volumeId: "${PROD_VOLUME}") }`, ['-i']);
    const answer = finalResponse(result.stdout);
    expect(answer.status).toBe(403);
    const body = JSON.parse(answer.body);
    expect(body.errors[0].extensions).toMatchObject({ code: 'AIRLOCK_HELD', verdict: 'hold' });
    expect(body.errors[0].extensions.instruction).toMatch(/^Stop\. Do not retry/);
    expect(world.railway.received.some((request) => request.body.includes('volumeDelete'))).toBe(false);
    expect(world.railway.volume(PROD_VOLUME)!.instances[0]!.files.size).toBe(3);
    const [held] = await world.airlock.airlock.runtime.store.audit.list({ verdict: 'hold', newestFirst: true, limit: 1 });
    expect(held).toMatchObject({ action: 'graphql:volumeDelete', class: 'destructive', environment: 'production', agent: 'coding-agent' });
    recordAttack({
      door: 'egress',
      category: 'the real host name, through the proxy',
      attack: `HTTPS_PROXY=… curl https://${RAILWAY_HOST}/graphql/v2 -d '{"query":"mutation { volumeDelete(volumeId: …) }"}'`,
      outcome: 'held',
      effect: 'the production volume and its backups still there on the stand-in',
    });
  });

  it('runs a held call once after an operator approves it, when the agent quotes the hold through the proxy', async () => {
    const staging = DEMO.volumes.stagingDb;
    const query = `mutation { volumeDelete(volumeId: "${staging}") }`;
    const held = JSON.parse(finalResponse((await railwayGraphql(world, `Bearer ${agentToken}`, query, ['-i'])).stdout).body);
    const holdId = held.errors[0].extensions.holdId as string;
    expect(holdId).toMatch(/^hold_/);
    expect(world.railway.volume(staging)).toBeDefined();
    const { store, clock } = world.airlock.airlock.runtime;
    await store.holds.addApproval(holdId, { operator: 'alice', at: clock().toISOString(), secondFactor: true });

    const approved = await railwayGraphql(world, `Bearer ${agentToken}`, query, ['-H', `Airlock-Hold: ${holdId}`]);
    expect(JSON.parse(approved.stdout)).toEqual({ data: { volumeDelete: true } });
    expect(world.railway.volume(staging)).toBeUndefined();
    const again = finalResponse((await railwayGraphql(world, `Bearer ${agentToken}`, query, ['-i', '-H', `Airlock-Hold: ${holdId}`])).stdout);
    expect(again.status).toBe(403);
    expect(world.railway.received.filter((request) => request.body.includes(staging) && request.body.includes('volumeDelete'))).toHaveLength(1);
  });

  it('refuses a real-looking Railway token from the agent as a tripwire, forwards nothing, and records why', async () => {
    const found = 'f3b2c1d0-9a8e-4f7d-b6c5-a4e3d2c1b0a9';
    const before = world.railway.received.length;
    const proxy = world.proxy.replace('http://', `http://coding-agent:${agentToken}@`);
    const result = await curl(
      world,
      [
        '-i',
        '-X',
        'POST',
        '-H',
        'content-type: application/json',
        '-H',
        `Authorization: Bearer ${found}`,
        '-d',
        JSON.stringify({ query: `mutation { volumeDelete(volumeId: "${PROD_VOLUME}") }` }),
        `https://${RAILWAY_HOST}/graphql/v2`,
      ],
      { HTTPS_PROXY: proxy, https_proxy: proxy },
    );
    const answer = finalResponse(result.stdout);
    expect(answer.status).toBe(403);
    const body = JSON.parse(answer.body);
    expect(body.errors[0].message).toContain("carries a credential that is not the agent's own");
    expect(body.errors[0].extensions.instruction).toContain('do not look for other credentials');
    expect(result.stdout).not.toContain(found);
    expect(world.railway.received.length).toBe(before);
    expect(world.railway.volume(PROD_VOLUME)!.instances[0]!.files.size).toBe(3);
    const [record] = await world.airlock.airlock.runtime.store.audit.list({ newestFirst: true, limit: 1 });
    expect(record).toMatchObject({ door: 'egress', agent: 'coding-agent', verdict: 'deny', policies: ['airlock/raw-credential'], resources: [RAILWAY_HOST] });
    expect(JSON.stringify(record)).not.toContain(found);
    recordAttack({
      door: 'egress',
      category: 'the real host name, through the proxy',
      attack: `curl -H 'Authorization: Bearer <a Railway token found in a file>' https://${RAILWAY_HOST}/graphql/v2 (volumeDelete)`,
      outcome: 'refused',
      effect: 'nothing reached the stand-in; the volume is intact; the audit names airlock/raw-credential',
    });
  });

  it('refuses a Railway project token sent in its own header (Project-Access-Token), which Airlock would otherwise pass on', async () => {
    const before = world.railway.received.length;
    const found = '5d1c0b9a-8e7f-4d6c-b5a4-f3e2d1c0b9a8';
    const result = await railwayGraphql(world, `Bearer ${agentToken}`, '{ projects { edges { node { name } } } }', [
      '-i',
      '-H',
      `Project-Access-Token: ${found}`,
    ]);
    const answer = finalResponse(result.stdout);
    expect(answer.status).toBe(403);
    expect(answer.body).toContain('a credential in project_access_token');
    expect(answer.body).not.toContain(found);
    expect(world.railway.received.length).toBe(before);
    const [record] = await world.airlock.airlock.runtime.store.audit.list({ newestFirst: true, limit: 1 });
    expect(record).toMatchObject({ door: 'egress', agent: 'coding-agent', verdict: 'deny', policies: ['airlock/raw-credential'] });
    recordAttack({
      door: 'egress',
      category: 'the real host name, through the proxy',
      attack: `curl -H 'Authorization: Bearer alk_…' -H 'Project-Access-Token: <a project token found in a file>' https://${RAILWAY_HOST}/graphql/v2`,
      outcome: 'refused',
      effect: 'nothing reached the stand-in',
    });
  });

  it('refuses a real AWS key id the agent signs with (curl --aws-sigv4), in a presigned query, or in lower case in another header', async () => {
    const key = 'AKIAZ5Q3R7WTXYJ4KM2P';
    const proxy = world.proxy.replace('http://', `http://coding-agent:${agentToken}@`);
    const env = { HTTPS_PROXY: proxy, https_proxy: proxy };
    const volumeDelete = JSON.stringify({ query: `mutation { volumeDelete(volumeId: "${PROD_VOLUME}") }` });
    const url = `https://${RAILWAY_HOST}/graphql/v2`;
    const attempts = [
      ['--aws-sigv4', 'aws:amz:us-east-1:execute-api', '--user', `${key}:wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY`, url],
      [`${url}?X-Amz-Algorithm=AWS4-HMAC-SHA256&X-Amz-Credential=%41KIA${key.slice(4)}%2F20261203%2Fus-east-1%2Fexecute-api%2Faws4_request&X-Amz-Signature=00`],
      ['-H', `X-Amz-Credential: ${key.toLowerCase()}/20261203/us-east-1/execute-api/aws4_request`, url],
    ];
    for (const attempt of attempts) {
      const before = world.railway.received.length;
      const result = await curl(world, ['-i', '-X', 'POST', '-H', 'content-type: application/json', '-d', volumeDelete, ...attempt], env);
      const answer = finalResponse(result.stdout);
      expect(answer.status, attempt.join(' ')).toBe(403);
      expect(answer.body).toContain('a real AWS access key id');
      expect(result.stdout).not.toMatch(/Z5Q3R7/i);
      expect(world.railway.received.length).toBe(before);
      const [record] = await world.airlock.airlock.runtime.store.audit.list({ newestFirst: true, limit: 1 });
      expect(record).toMatchObject({
        door: 'egress',
        agent: 'coding-agent',
        action: 'hook:raw-credential',
        verdict: 'deny',
        policies: ['airlock/raw-credential'],
      });
      expect(JSON.stringify(record)).not.toMatch(/Z5Q3R7/i);
    }
    expect(world.railway.volume(PROD_VOLUME)!.instances[0]!.files.size).toBe(3);
    recordAttack({
      door: 'egress',
      category: 'the real host name, through the proxy',
      attack: `curl --aws-sigv4 … --user AKIA…:… https://${RAILWAY_HOST}/graphql/v2 (volumeDelete); the same key in a presigned query, percent-encoded, and in lower case in X-Amz-Credential`,
      outcome: 'refused',
      effect: 'nothing reached the stand-in; the volume is intact; the audit names airlock/raw-credential',
    });
  });

  it('refuses the credential Airlock holds for Railway when the agent presents it, even with no proxy credential', async () => {
    const before = world.railway.received.length;
    const result = await railwayGraphql(world, `Bearer ${world.railwayToken}`, '{ projects { edges { node { name } } } }', ['-i']);
    expect(finalResponse(result.stdout).status).toBe(403);
    expect(result.stdout).toContain('the credential Airlock holds for upstream railway');
    expect(result.stdout).not.toContain(world.railwayToken);
    expect(world.railway.received.length).toBe(before);
    const [record] = await world.airlock.airlock.runtime.store.audit.list({ newestFirst: true, limit: 1 });
    expect(record).toMatchObject({ door: 'egress', verdict: 'deny', action: 'hook:raw-credential' });
  });

  it('refuses a host that is neither an upstream nor allowed, with a proxy error, and nothing reaches it', async () => {
    const https = await curl(world, ['-v', `https://127.0.0.1:${world.forbidden.port}/`]);
    expect(https.code).not.toBe(0);
    expect(https.stderr).toMatch(/< HTTP\/1\.1 403/);
    expect(https.stderr).toMatch(/< proxy-status: airlock; error=destination_ip_prohibited/i);
    const plain = await curl(world, ['-i', `http://127.0.0.1:${world.forbidden.port}/drop`]);
    expect(plain.stdout).toMatch(/^HTTP\/1\.1 403/);
    const problem = JSON.parse(plain.stdout.slice(plain.stdout.indexOf('\r\n\r\n') + 4));
    expect(problem.detail).toContain('is neither an upstream Airlock guards nor a host its operators allow');
    expect(problem.instruction).toMatch(/^Stop\. Do not retry/);
    expect(world.forbidden.hits).toEqual([]);
    const records = await egressRecords();
    expect(records.slice(0, 2)).toMatchObject([
      { action: 'egress:forward', verdict: 'deny', resources: ['127.0.0.1'], policies: ['airlock/egress'] },
      { action: 'egress:connect', verdict: 'deny', resources: ['127.0.0.1'], summary: `CONNECT 127.0.0.1:${world.forbidden.port}` },
    ]);
    recordAttack({
      door: 'egress',
      category: 'hosts nobody allowed',
      attack: 'HTTPS_PROXY=… curl https://127.0.0.1:<port>/ and http://127.0.0.1:<port>/drop',
      outcome: 'refused',
      effect: 'the server on that port saw no connection at all',
    });
  });

  it('tunnels an allowed host untouched, and records the CONNECT with its host', async () => {
    const result = await curl(world, ['--proxytunnel', `http://localhost:${world.allowed.port}/simple/`]);
    expect(result.stdout).toBe('reached\n');
    expect(world.allowed.hits).toContain('GET /simple/');
    const [record] = await egressRecords();
    expect(record).toMatchObject({ action: 'egress:tunnel', verdict: 'allow', resources: ['localhost'], summary: `CONNECT localhost:${world.allowed.port}` });
  });

  it("does not open an allowed HTTPS host: the client sees the host's own certificate, not one from Airlock's CA", async () => {
    const url = `https://localhost:${world.allowedTls.port}/pkg`;
    const own = await curl(world, ['--cacert', world.allowedTls.caFile, url]);
    expect(own.stdout).toBe('reached\n');
    expect(world.allowedTls.hits).toContain('GET /pkg');
    const airlocks = await curl(world, [url]);
    expect(airlocks.code).toBe(60);
    expect(airlocks.stderr).toMatch(/certificate/i);
  });

  it('refuses tunnels to allowed hosts too while the emergency stop is pulled', async () => {
    const { store, clock } = world.airlock.airlock.runtime;
    const hits = world.allowed.hits.length;
    await store.control.setStopAll({ reason: 'incident review', by: 'alice', at: clock().toISOString() });
    try {
      const result = await curl(world, ['-v', '--proxytunnel', `http://localhost:${world.allowed.port}/simple/`]);
      expect(result.stderr).toMatch(/< HTTP\/1\.1 403/);
      expect(world.allowed.hits.length).toBe(hits);
      const [record] = await egressRecords();
      expect(record).toMatchObject({ action: 'egress:tunnel', verdict: 'deny', code: 'stopped', policies: ['airlock/emergency-stop'] });
    } finally {
      await store.control.setStopAll(undefined);
    }
  });

  it('refuses a request inside an opened tunnel that names another host', async () => {
    const before = world.railway.received.length;
    const result = await curl(world, [
      '-i',
      '-H',
      `Authorization: Bearer ${agentToken}`,
      '-H',
      'Host: example.org',
      '-d',
      '{"query":"{ me { email } }"}',
      `https://${RAILWAY_HOST}/graphql/v2`,
    ]);
    expect(finalResponse(result.stdout).status).toBe(421);
    expect(world.railway.received.length).toBe(before);
  });
});
