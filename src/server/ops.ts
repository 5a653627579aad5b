import type { Hono } from 'hono';
import type { Runtime } from './runtime.js';

/** How long /readyz waits for the store before calling it unreachable. */
const READY_TIMEOUT_MS = 2_000;

export interface OperationsState {
  /** True once shutdown began: the load balancer should send new work elsewhere. */
  draining(): boolean;
}

async function storeHealth(runtime: Runtime): Promise<{ ok: true } | { ok: false; problem: string }> {
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<{ ok: false; problem: string }>((resolve) => {
    timer = setTimeout(() => resolve({ ok: false, problem: `the store did not answer within ${READY_TIMEOUT_MS} ms` }), READY_TIMEOUT_MS);
  });
  try {
    return await Promise.race([runtime.store.health(), timeout]);
  } finally {
    clearTimeout(timer);
  }
}

/**
 * What operators' tools probe: `/healthz` answers while the process runs (restart it when it
 * does not), `/readyz` while it can decide — store reachable with its schema current, policies
 * loaded, not shutting down — (send it traffic only then), and `/metrics` in Prometheus' format.
 * None of them reveals a credential or an agent's name.
 */
export function mountOperations(app: Hono, runtime: Runtime, state: OperationsState): void {
  app.get('/healthz', (c) => c.json({ status: 'ok' }));
  app.get('/readyz', async (c) => {
    const problems: string[] = [];
    if (state.draining()) problems.push('shutting down');
    const health = await storeHealth(runtime);
    if (!health.ok) {
      problems.push(health.problem);
      runtime.metrics.storeError('readiness');
    }
    const policies = runtime.policies().policies.length;
    if (problems.length > 0) return c.json({ status: 'unready', problems }, 503);
    // Still ready: the config in force is whole, only an edit of the file waits for a restart.
    const needsRestart = runtime.needsRestart.length > 0 ? { needsRestart: runtime.needsRestart } : {};
    return c.json({ status: 'ready', store: runtime.store.location.startsWith('postgres') ? 'postgres' : 'sqlite', policies, ...needsRestart });
  });
  app.get('/metrics', async (c) => c.body(await runtime.metrics.render(), 200, { 'content-type': runtime.metrics.contentType }));
}
