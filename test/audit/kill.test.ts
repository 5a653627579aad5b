import Database from 'better-sqlite3';
import { once } from 'node:events';
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { join } from 'node:path';
import { stringify } from 'yaml';
import { writeFileSync } from 'node:fs';
import { afterEach, describe, expect, it } from 'vitest';
import { loadConfig } from '../../src/config/load.js';
import { issueToken } from '../../src/identity/tokens.js';
import { silentLogger } from '../../src/server/log.js';
import { openRuntime } from '../../src/server/runtime.js';
import { runCli, startAirlockProcess, writeTestConfig } from '../support/airlock.js';

const cleanups: (() => Promise<void> | void)[] = [];
afterEach(async () => {
  for (const cleanup of cleanups.splice(0).reverse()) await cleanup();
});

describe('an Airlock killed under load', () => {
  it('loses no record of a request it answered or forwarded, and its log still verifies', async () => {
    // The upstream notes every request that reached it: the effects Airlock let through.
    const reached = new Set<string>();
    const upstream = createServer((request, response) => {
      let body = '';
      request.on('data', (chunk: Buffer) => (body += chunk.toString()));
      request.on('end', () => {
        const match = /req-(\d+)/.exec(body);
        if (match) reached.add(match[0]);
        response.writeHead(200, { 'content-type': 'application/json' });
        response.end('{"data":{"project":{"id":"p"}}}');
      });
    });
    upstream.listen(0, '127.0.0.1');
    await once(upstream, 'listening');
    cleanups.push(() => void upstream.close());
    const upstreamUrl = `http://127.0.0.1:${(upstream.address() as AddressInfo).port}/graphql`;

    const { dir, configPath } = writeTestConfig();
    writeFileSync(
      configPath,
      stringify({
        listen: { http: '127.0.0.1:0' },
        dataDir: join(dir, 'data'),
        upstreams: [{ name: 'shop', kind: 'graphql', url: upstreamUrl, environment: 'staging', credential: { bearer: { env: 'AIRLOCK_TEST_CREDENTIAL' } } }],
      }),
    );
    const setup = await openRuntime(loadConfig(configPath), { log: silentLogger });
    await setup.store.agents.add({ name: 'loader' }, new Date().toISOString());
    const { token } = await issueToken(setup.store, { agent: 'loader', scopes: ['read:staging'], ttlMs: 3_600_000 }, new Date());
    await setup.close();

    const airlock = await startAirlockProcess(configPath, { AIRLOCK_TEST_CREDENTIAL: 'upstream-secret-0123456789' });
    cleanups.push(() => {
      if (airlock.process.exitCode === null && airlock.process.signalCode === null) airlock.process.kill('SIGKILL');
    });
    const answered = new Set<string>();
    let next = 0;
    let killed = false;
    let enough: () => void;
    const enoughAnswered = new Promise<void>((resolve) => (enough = resolve));
    const client = async () => {
      while (!killed) {
        const id = `req-${next++}`;
        try {
          const response = await fetch(`${airlock.url}/u/shop`, {
            method: 'POST',
            headers: { 'content-type': 'application/json', authorization: `Bearer ${token}` },
            body: JSON.stringify({ query: `query { project(id: "${id}") { id } }` }),
          });
          await response.text();
          if (response.status === 200) answered.add(id);
          if (answered.size === 300) enough();
        } catch {
          // Cut off by the kill: never answered, so nothing is owed.
        }
      }
    };
    const clients = Array.from({ length: 16 }, client);
    // Kill it mid-stream, once a good share of requests went through.
    await enoughAnswered;
    airlock.process.kill('SIGKILL');
    killed = true;
    await once(airlock.process, 'exit');
    await Promise.all(clients);

    const db = new Database(join(dir, 'data', 'airlock.db'), { readonly: true });
    const bodies = db.prepare<[], { body: string }>("SELECT body FROM audit WHERE type = 'decision'").all();
    db.close();
    const recorded = new Set(bodies.flatMap(({ body }) => [...body.matchAll(/req-\d+/g)].map((m) => m[0])));
    expect(answered.size).toBeGreaterThanOrEqual(300);
    for (const id of answered) expect(recorded.has(id), `answered ${id} has its record`).toBe(true);
    for (const id of reached) expect(recorded.has(id), `forwarded ${id} has its record`).toBe(true);

    const verify = runCli(['--config', configPath, 'audit', 'verify']);
    expect(verify.stderr).toBe('');
    expect(verify.status).toBe(0);
  }, 120_000);
});
