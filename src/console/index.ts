/**
 * The operators' console and the JSON admin API it shares with the CLI.
 *
 * @example
 * // src/server/api.ts
 * const app = new Hono();
 * mountConsole(app, runtime); // /v1/admin/… and the pages at /holds, /audit, /agents, …
 */
import type { Hono } from 'hono';
import type { Runtime } from '../server/runtime.js';
import { createAdminApi } from './api/admin-api.js';
import { AuditFeed } from './api/audit-feed.js';
import { createConsoleApp } from './console-app.js';

export { ADMIN_ROUTES, fillPath, type AdminMethod, type AdminRoute } from './api/routes.js';
export type { ApiErrorBody } from './api/errors.js';

export function mountConsole(app: Hono, runtime: Runtime): void {
  const feed = new AuditFeed(runtime);
  app.route('/v1/admin', createAdminApi({ runtime, feed }));
  app.route('/', createConsoleApp(runtime));
}
