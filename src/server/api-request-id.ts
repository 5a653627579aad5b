import type { IncomingMessage } from 'node:http';
import { requestIdOf } from '../core/request-id.js';

/**
 * The id the HTTP listener gave the request a handler of Airlock's API answers (start.ts): under
 * @hono/node-server the Node request is `c.env.incoming`. Undefined for an app called another way.
 *
 * @example
 * app.post('/v1/admin/stop', (c) => new LocalAdmin(runtime, operator, apiRequestId(c)).stop(input));
 */
export function apiRequestId(c: { readonly env: unknown }): string | undefined {
  const incoming = (c.env as { incoming?: IncomingMessage } | undefined)?.incoming;
  return incoming ? requestIdOf(incoming) : undefined;
}
