import { ADMIN_ROUTES, fillPath, type AdminMethod, type AdminRoute } from '../console/api/routes.js';
import type { ApiErrorBody } from '../console/api/errors.js';
import { AdminError, type Admin, type AdminErrorCode } from './admin.js';
import { withoutTrailing } from '../core/text.js';

const ERROR_CODES: readonly AdminErrorCode[] = ['invalid', 'not_found', 'conflict', 'forbidden', 'unavailable'];

/**
 * The Admin interface over a running Airlock's admin API, for the CLI when AIRLOCK_ADMIN_URL is set.
 * Every method is one request, built from the same route table the server serves
 * (src/console/api/routes.ts), authenticated with an operator API key; the server runs the same
 * Admin method as the key's operator, so the audit record names them.
 *
 * @example
 * const admin = await RemoteAdmin.connect('https://airlock.internal', process.env.AIRLOCK_API_KEY);
 * await admin.stop({ all: true, reason: 'runaway agent' });
 */
export interface RemoteAdmin extends Admin {}
// biome-ignore lint/suspicious/noUnsafeDeclarationMerging: the Admin methods are defined in the constructor, from the route table
export class RemoteAdmin {
  private constructor(
    private readonly baseUrl: string,
    private readonly apiKey: string,
    readonly operator: string,
  ) {
    for (const [method, route] of Object.entries(ADMIN_ROUTES) as [AdminMethod, AdminRoute][]) {
      Object.defineProperty(this, method, { value: (input?: Record<string, unknown>) => this.call(route, input ?? {}), enumerable: false });
    }
  }

  /** Checks the URL and the key (one request), and learns which operator the key belongs to. */
  static async connect(url: string, apiKey: string | undefined): Promise<RemoteAdmin> {
    if (!apiKey) {
      throw new AdminError(
        'invalid',
        'AIRLOCK_ADMIN_URL (or the older AIRLOCK_URL) is set, so the CLI talks to that Airlock: set AIRLOCK_API_KEY to your operator API key too (create one in the console under Operators, or on the Airlock host: airlock operator key issue NAME). If the address is meant for hooks, name it AIRLOCK_AGENT_URL instead',
      );
    }
    let base: URL;
    try {
      base = new URL(url);
    } catch {
      throw new AdminError('invalid', `AIRLOCK_ADMIN_URL is not a URL: ${url} (e.g. https://airlock.internal:4100)`);
    }
    const baseUrl = withoutTrailing(base.toString(), '/');
    const probe = new RemoteAdmin(baseUrl, apiKey, '');
    const who = (await probe.request('GET', '/session')) as { operator: string };
    return new RemoteAdmin(baseUrl, apiKey, who.operator);
  }

  private call(route: AdminRoute, input: Record<string, unknown>): Promise<unknown> {
    let filled: ReturnType<typeof fillPath>;
    try {
      filled = fillPath(route.path, input);
    } catch (error) {
      return Promise.reject(new AdminError('invalid', (error as Error).message));
    }
    const defined = Object.entries(filled.rest).filter(([, value]) => value !== undefined);
    if (route.verb === 'GET') {
      const query = new URLSearchParams();
      for (const [key, value] of defined) {
        for (const item of Array.isArray(value) ? value : [value]) query.append(key, String(item));
      }
      return this.request('GET', `${filled.path}${query.size ? `?${query}` : ''}`);
    }
    return this.request(route.verb, filled.path, defined.length ? Object.fromEntries(defined) : undefined);
  }

  private async request(verb: string, path: string, body?: unknown): Promise<unknown> {
    const url = `${this.baseUrl}/v1/admin${path}`;
    let response: Response;
    try {
      response = await fetch(url, {
        method: verb,
        headers: {
          authorization: `Bearer ${this.apiKey}`,
          accept: 'application/json',
          ...(body === undefined ? {} : { 'content-type': 'application/json' }),
        },
        ...(body === undefined ? {} : { body: JSON.stringify(body) }),
        signal: AbortSignal.timeout(30_000),
      });
    } catch (error) {
      const cause = (error as { cause?: { code?: string; message?: string } }).cause;
      throw new AdminError(
        'unavailable',
        `cannot reach Airlock at ${this.baseUrl} (${cause?.code ?? cause?.message ?? (error as Error).message}); check AIRLOCK_ADMIN_URL`,
      );
    }
    if (response.status === 204) return undefined;
    const text = await response.text();
    let answer: unknown;
    try {
      answer = text ? JSON.parse(text) : undefined;
    } catch {
      throw new AdminError(
        'unavailable',
        `${this.baseUrl} answered ${response.status} with something that is not Airlock's admin API; check AIRLOCK_ADMIN_URL`,
      );
    }
    if (response.ok) return answer;
    const problem = (answer ?? {}) as Partial<ApiErrorBody>;
    const message = problem.error ?? `the admin API answered ${response.status}`;
    const code: AdminErrorCode = ERROR_CODES.includes(problem.code as AdminErrorCode)
      ? (problem.code as AdminErrorCode)
      : problem.code === 'unauthenticated'
        ? 'forbidden'
        : problem.code === 'rate_limited'
          ? 'forbidden'
          : 'unavailable';
    throw new AdminError(code, problem.code === 'unauthenticated' ? `${message} (check AIRLOCK_API_KEY)` : message);
  }
}
