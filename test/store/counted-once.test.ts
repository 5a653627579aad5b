/**
 * Counted once across replicas: two Airlocks on one PostgreSQL database, deciding at the same
 * moment, give out no more of a budget than it has.
 */
import { rmSync } from 'node:fs';
import { afterEach, describe, expect, it } from 'vitest';
import { loadConfig } from '../../src/config/load.js';
import { requestDigest } from '../../src/core/digest.js';
import { operationFromParts } from '../../src/core/operation.js';
import { issueToken } from '../../src/identity/tokens.js';
import { silentLogger } from '../../src/server/log.js';
import { openRuntime, type Runtime } from '../../src/server/runtime.js';
import { writeTestConfig } from '../support/airlock.js';
import { freshPostgresDatabase } from './stores.js';

const cleanups: (() => Promise<unknown> | unknown)[] = [];
afterEach(async () => {
  for (const cleanup of cleanups.splice(0).reverse()) await cleanup();
});

describe('budgets across replicas', () => {
  it('allow exactly the budget when two replicas decide twenty writes at the same moment', async () => {
    const database = await freshPostgresDatabase();
    cleanups.push(() => database.drop());
    const replicas: Runtime[] = [];
    for (let i = 0; i < 2; i++) {
      const { dir, configPath } = writeTestConfig({
        config: {
          store: { postgres: database.url },
          budgets: [{ class: 'write', limit: 3, per: '1m' }],
          baseline: { ignore: ['first-destructive', 'first-environment', 'first-upstream', 'refusal-burst', 'rate-burst'], suspendOn: [] },
        },
      });
      cleanups.push(() => rmSync(dir, { recursive: true, force: true }));
      const runtime = await openRuntime(loadConfig(configPath), { log: silentLogger, writerThread: true });
      cleanups.push(() => runtime.close());
      replicas.push(runtime);
    }
    const [a, b] = replicas as [Runtime, Runtime];
    await a.store.agents.add({ name: 'writer' }, new Date().toISOString());
    const { token } = await issueToken(a.store, { agent: 'writer', scopes: ['write:*'], ttlMs: 3_600_000 }, new Date());
    const decide = (replica: Runtime, n: number) =>
      replica.gate.decide({
        token,
        operation: operationFromParts({
          door: 'api',
          upstream: 'app',
          environment: 'staging',
          parts: [{ action: 'rest:POST /items', class: 'write', resources: [`item-${n}`] }],
          digest: requestDigest(`POST /items/${n}`),
        }),
      });
    const results = await Promise.all(Array.from({ length: 20 }, (_, n) => decide(n % 2 ? a : b, n)));
    const allowed = results.filter((r) => r.verdict.kind === 'allow');
    expect(allowed).toHaveLength(3);
    const refused = results.filter((r) => r.verdict.kind === 'deny');
    expect(refused.every((r) => r.verdict.kind === 'deny' && r.verdict.code === 'budget')).toBe(true);
    // The audit log, which both replicas write, agrees.
    expect(await a.store.audit.list({ type: 'decision', verdict: 'allow', limit: 100 })).toHaveLength(3);
  });
});
