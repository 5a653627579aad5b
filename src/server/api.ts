import { Hono } from 'hono';
import { mountConsole } from '../console/index.js';
import { apiRequestId } from './api-request-id.js';
import { handleDecide } from './decide-api.js';
import { mountOperations, type OperationsState } from './ops.js';
import type { Runtime } from './runtime.js';

/** Airlock's own HTTP API: health, readiness and metrics, the decision API, and (later) the admin API and console. */
export function createApi(runtime: Runtime, operations: OperationsState = { draining: () => false }): Hono {
  const app = new Hono();
  mountOperations(app, runtime, operations);
  app.post('/v1/decide', (c) => handleDecide(c, runtime));
  // The admin API at /v1/admin/… and the operators' console at / (src/console/).
  mountConsole(app, runtime);
  app.notFound((c) =>
    c.json(
      {
        error: `nothing here: ${c.req.method} ${c.req.path}. Upstreams are reached at /u/<upstream>/…, the decision API at POST /v1/decide`,
      },
      404,
    ),
  );
  app.onError((error, c) => {
    runtime.log.error({ requestId: apiRequestId(c), err: error.message, path: c.req.path }, 'API error');
    return c.json({ error: 'Airlock could not handle this request; nothing was forwarded' }, 500);
  });
  return app;
}
