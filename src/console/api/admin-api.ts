import { getConnInfo } from '@hono/node-server/conninfo';
import { Hono, type Context } from 'hono';
import { bodyLimit } from 'hono/body-limit';
import { deleteCookie, setCookie } from 'hono/cookie';
import { streamSSE, type SSEStreamingApi } from 'hono/streaming';
import { z } from 'zod';
import type { Admin } from '../../admin/admin.js';
import { LocalAdmin } from '../../admin/local-admin.js';
import { checkSecondFactor } from '../../identity/operators.js';
import { apiRequestId } from '../../server/api-request-id.js';
import type { Runtime } from '../../server/runtime.js';
import type { AuditRecord } from '../../store/records.js';
import { authenticateOperator, reachedOverTls, type Principal } from '../auth/authenticate.js';
import { issueOperatorKey, listOperatorKeys, revokeOperatorKey } from '../auth/operator-keys.js';
import { endSession, SESSION_COOKIE, SESSION_MAX_MS, sessionStillLive } from '../auth/sessions.js';
import { operatorContext, signIn } from '../auth/sign-in.js';
import type { AuditFeed } from './audit-feed.js';
import { adminErrorResponse, apiError } from './errors.js';
import { ADMIN_ROUTES, type AdminMethod, type AdminRoute } from './routes.js';

export type AdminEnv = { Variables: { principal: Principal } };

export interface ConsoleParts {
  readonly runtime: Runtime;
  readonly feed: AuditFeed;
}

/** The client's address as the socket sees it (behind a proxy, the proxy's). */
export function clientAddress(c: Context): string {
  try {
    return getConnInfo(c).remote.address ?? 'unknown';
  } catch {
    return 'unknown';
  }
}

export function setSessionCookie(c: Context, runtime: Runtime, secret: string): void {
  setCookie(c, SESSION_COOKIE, secret, {
    httpOnly: true,
    sameSite: 'Strict',
    secure: reachedOverTls(c, runtime),
    path: '/',
    maxAge: Math.floor(SESSION_MAX_MS / 1000),
  });
}

export function clearSessionCookie(c: Context): void {
  deleteCookie(c, SESSION_COOKIE, { path: '/' });
}

const signInSchema = z.strictObject({
  operator: z.string().min(1).max(100),
  password: z.string().min(1).max(1024),
  code: z.string().min(1).max(20),
});

async function readBody(c: Context): Promise<{ ok: true; body: Record<string, unknown> } | { ok: false; response: Response }> {
  if (c.req.method === 'GET') return { ok: true, body: {} };
  const text = await c.req.text();
  if (text.trim() === '') return { ok: true, body: {} };
  if (!/^application\/json\b/i.test(c.req.header('content-type') ?? '')) {
    return { ok: false, response: apiError(c, 'invalid', 'send the body as JSON (Content-Type: application/json)') };
  }
  try {
    const body = JSON.parse(text) as unknown;
    if (body && typeof body === 'object' && !Array.isArray(body)) return { ok: true, body: body as Record<string, unknown> };
  } catch {
    // fall through
  }
  return { ok: false, response: apiError(c, 'invalid', 'the body must be a JSON object') };
}

function inputError(c: Context, error: z.ZodError): Response {
  const issue = error.issues[0]!;
  const where = issue.path.length ? `${issue.path.join('.')}: ` : '';
  const message = issue.code === 'unrecognized_keys' ? `unknown field${issue.keys.length > 1 ? 's' : ''} ${issue.keys.join(', ')}` : issue.message;
  return apiError(c, 'invalid', `${where}${message}`);
}

/** Every query value, arrays for repeated keys. */
function queryInput(c: Context): Record<string, unknown> {
  const out: Record<string, unknown> = {};
  for (const [key, values] of Object.entries(c.req.queries())) out[key] = values.length === 1 ? values[0] : values;
  return out;
}

/**
 * The admin API under /v1/admin: every operator action as JSON, each one an Admin method called
 * as the authenticated operator (so the audit record names them), plus sign-in, API keys and the
 * live event stream.
 */
export function createAdminApi({ runtime, feed }: ConsoleParts): Hono<AdminEnv> {
  const app = new Hono<AdminEnv>();
  const adminFor = (c: Context<AdminEnv>): Admin => new LocalAdmin(runtime, c.get('principal').operator, apiRequestId(c));

  app.onError((error, c) => {
    runtime.log.error({ requestId: apiRequestId(c), err: error.message, path: c.req.path }, 'admin API error');
    return apiError(c, 'internal', 'Airlock could not complete this admin request; nothing was changed unless the audit log says so');
  });

  // Operator requests are small; a large body is refused before it is read, signed in or not.
  app.use('*', bodyLimit({ maxSize: 64 * 1024, onError: (c) => apiError(c, 'invalid', 'the request body is too large (64 KiB at most)') }));

  // Sign-in is the one endpoint open without a session.
  app.post('/session', async (c) => {
    const read = await readBody(c);
    if (!read.ok) return read.response;
    const parsed = signInSchema.safeParse(read.body);
    if (!parsed.success) return inputError(c, parsed.error);
    const result = await signIn(runtime, { ...parsed.data, address: clientAddress(c), requestId: apiRequestId(c) });
    if (!result.ok)
      return apiError(c, result.status === 429 ? 'rate_limited' : 'unauthenticated', result.error, result.retryAt ? { retryAt: result.retryAt } : {});
    setSessionCookie(c, runtime, result.secret);
    return c.json({ operator: result.session.operator, csrf: result.session.csrf, expiresAt: result.session.expiresAt });
  });

  app.use('*', async (c, next) => {
    const auth = await authenticateOperator(c, runtime, { allowCsrfQuery: c.req.method === 'GET' && c.req.path.endsWith('/events') });
    if (!auth.ok) return apiError(c, auth.status === 401 ? 'unauthenticated' : 'forbidden', auth.error);
    c.set('principal', auth.principal);
    await next();
  });

  app.get('/session', (c) => {
    const principal = c.get('principal');
    return c.json({
      operator: principal.operator,
      via: principal.via,
      ...(principal.via === 'session' ? { expiresAt: principal.session.expiresAt } : {}),
    });
  });

  app.delete('/session', async (c) => {
    const principal = c.get('principal');
    if (principal.via !== 'session') return apiError(c, 'invalid', 'an API key has no session to end; revoke the key instead');
    await endSession(runtime.store, principal.session, runtime.clock());
    const requestId = apiRequestId(c);
    await runtime.audit.append({ type: 'operator.signed_out', operator: principal.operator, ...(requestId ? { requestId } : {}) });
    clearSessionCookie(c);
    return c.body(null, 204);
  });

  // Operator API keys, for the CLI against this Airlock. A key cannot mint keys: only a person
  // signed in with a second factor (or at the host) can.
  app.get('/keys', async (c) =>
    c.json(await listOperatorKeys(runtime, { operator: c.get('principal').operator, includeRevoked: c.req.query('includeRevoked') === 'true' })),
  );
  app.post('/keys', async (c) => {
    const principal = c.get('principal');
    if (principal.via !== 'session')
      return apiError(c, 'forbidden', 'API keys are issued from a signed-in console session or on the Airlock host (airlock operator key issue)');
    const read = await readBody(c);
    if (!read.ok) return read.response;
    const parsed = z
      .strictObject({ label: z.string().max(200).optional(), ttlMs: z.number().int().positive().optional(), code: z.string().max(20).optional() })
      .safeParse(read.body);
    if (!parsed.success) return inputError(c, parsed.error);
    const stepUp = await stepUpCheck(c, 'issue an API key', parsed.data.code);
    if (stepUp) return stepUp;
    try {
      const issued = await issueOperatorKey(
        runtime,
        {
          operator: principal.operator,
          ...(parsed.data.label ? { label: parsed.data.label } : {}),
          ...(parsed.data.ttlMs ? { ttlMs: parsed.data.ttlMs } : {}),
        },
        principal.operator,
        apiRequestId(c),
      );
      return c.json(issued, 201);
    } catch (error) {
      return adminErrorResponse(c, error);
    }
  });
  app.post('/keys/:id/revoke', async (c) => {
    try {
      return c.json(await revokeOperatorKey(runtime, c.req.param('id'), c.get('principal').operator, apiRequestId(c)));
    } catch (error) {
      return adminErrorResponse(c, error);
    }
  });

  /** A session's second factor for a sensitive action; undefined when it passes. */
  async function stepUpCheck(c: Context<AdminEnv>, purpose: string, code: unknown): Promise<Response | undefined> {
    const principal = c.get('principal');
    if (principal.via !== 'session') return undefined;
    const check = await checkSecondFactor(operatorContext(runtime, apiRequestId(c)), {
      operator: principal.operator,
      code: typeof code === 'string' ? code : undefined,
      purpose,
    });
    if (check.ok) return undefined;
    if (check.problem === 'locked') return apiError(c, 'rate_limited', check.reason, check.retryAt ? { retryAt: check.retryAt } : {});
    return apiError(c, 'forbidden', `to ${purpose}, enter a current code from your authenticator app (${check.reason})`);
  }

  app.get('/events', (c) => streamEvents(c, runtime, feed));

  for (const [method, route] of Object.entries(ADMIN_ROUTES) as [AdminMethod, AdminRoute][]) {
    const handler = async (c: Context<AdminEnv>) => {
      const read = await readBody(c);
      if (!read.ok) return read.response;
      // A step-up code proves the person is present; it is not part of the Admin method's input.
      const { code, ...input } = { ...(route.verb === 'GET' ? queryInput(c) : read.body), ...c.req.param() };
      const parsed = route.input.safeParse(route.stepUp ? input : { ...input, ...(code === undefined ? {} : { code }) });
      if (!parsed.success) return inputError(c, parsed.error);
      const refusal = GUARDS[method]?.(parsed.data as Record<string, unknown>, c.get('principal'));
      if (refusal) return apiError(c, 'forbidden', refusal);
      if (route.stepUp) {
        const stepUp = await stepUpCheck(c, PURPOSES[method] ?? method, code);
        if (stepUp) return stepUp;
      }
      try {
        const admin = adminFor(c);
        const input = method === 'approveHold' ? { ...(parsed.data as object), operator: admin.operator } : parsed.data;
        const result = await (admin[method] as (input: unknown) => Promise<unknown>).call(admin, input);
        return result === undefined ? c.body(null, 204) : c.json(result as object, route.verb === 'POST' && method.startsWith('add') ? 201 : 200);
      } catch (error) {
        return adminErrorResponse(c, error);
      }
    };
    const path = route.path;
    if (route.verb === 'GET') app.get(path, handler);
    else if (route.verb === 'POST') app.post(path, handler);
    else app.delete(path, handler);
  }

  app.notFound((c) => apiError(c, 'not_found', `no admin endpoint ${c.req.method} ${c.req.path} (see docs/console.md)`));
  return app;
}

/** How a step-up code's purpose reads in the audit record. */
const PURPOSES: Partial<Record<AdminMethod, string>> = {
  stop: 'pull the emergency stop',
  resume: 'lift an emergency stop',
  issueToken: 'issue an agent token',
  setAgentState: 'change an agent’s state',
  setAgentObserve: 'put an agent in observe mode',
  denyHold: 'deny a hold',
  addOperator: 'enrol an operator',
  removeOperator: 'remove an operator',
  endFreeze: 'end a freeze',
};

/**
 * Checks beyond the input's shape that depend on who is calling; a message refuses. Signed-in
 * operators act only as themselves: the `--as` of the local CLI has no meaning here.
 */
const GUARDS: Partial<Record<AdminMethod, (input: Record<string, unknown>, principal: Principal) => string | undefined>> = {
  approveHold: (input, principal) => {
    if (input.operator !== undefined && input.operator !== principal.operator) {
      return `you are signed in as ${principal.operator}; an approval can only be given as yourself`;
    }
    // From a browser, always with a code, even where a policy would accept an approval without
    // one; the Admin method checks (and uses up) the code it is given.
    if (principal.via === 'session' && !input.code) return 'to approve a hold, enter a current code from your authenticator app';
    return undefined;
  },
};

const eventFilter = z.strictObject({
  afterSeq: z.string().regex(/^\d+$/).transform(Number).optional(),
  agent: z.string().max(200).optional(),
  type: z.string().max(100).optional(),
  verdict: z.enum(['allow', 'deny', 'hold']).optional(),
  csrf: z.string().optional(),
});

const HEARTBEAT_MS = 15_000;
const BACKLOG_MAX = 2000;

/**
 * `GET /v1/admin/events`: audit records as server-sent events (`event: audit`, `id: <seq>`), as
 * they become durable. A client that reconnects with Last-Event-ID (or ?afterSeq=) first gets
 * what it missed. The stream ends when the session does.
 */
function streamEvents(c: Context<AdminEnv>, runtime: Runtime, feed: AuditFeed): Response | Promise<Response> {
  const parsed = eventFilter.safeParse(c.req.query());
  if (!parsed.success) return inputError(c, parsed.error);
  const filter = parsed.data;
  const lastEventId = c.req.header('last-event-id');
  const resumeAfter = lastEventId && /^\d+$/.test(lastEventId) ? Number(lastEventId) : filter.afterSeq;
  const principal = c.get('principal');
  const matches = (record: AuditRecord) =>
    (!filter.agent || record.agent === filter.agent) && (!filter.type || record.type === filter.type) && (!filter.verdict || record.verdict === filter.verdict);

  // Proxies that buffer responses (nginx) would hold the events back.
  c.header('X-Accel-Buffering', 'no');
  return streamSSE(c, async (stream: SSEStreamingApi) => {
    const queue: AuditRecord[] = [];
    let wake: (() => void) | undefined;
    let closed = false;
    const unsubscribe = await feed.subscribe((record) => {
      queue.push(record);
      wake?.();
    });
    stream.onAbort(() => {
      closed = true;
      wake?.();
    });
    try {
      // Everything up to the head now is either sent as backlog or was not asked for; the feed
      // (which may lag behind the store) delivers what comes after.
      let lastSent = (await runtime.store.audit.head()).seq;
      if (resumeAfter !== undefined && resumeAfter < lastSent) {
        const backlog = await runtime.store.audit.list({ afterSeq: resumeAfter, limit: BACKLOG_MAX + 1 });
        if (backlog.length > BACKLOG_MAX) {
          await stream.writeSSE({ event: 'reset', data: JSON.stringify({ reason: 'too much was missed; reload' }) });
          return;
        }
        for (const record of backlog) {
          if (record.seq > lastSent) break;
          if (matches(record)) await stream.writeSSE({ event: 'audit', id: String(record.seq), data: JSON.stringify(record) });
        }
      }
      await stream.writeSSE({ event: 'ready', data: JSON.stringify({ operator: principal.operator, seq: lastSent }), retry: 3000 });

      const stillSignedIn = async () => principal.via !== 'session' || sessionStillLive(runtime.store, principal.session.id, runtime.clock());
      while (!closed) {
        if (queue.length === 0) {
          const woken = await new Promise<boolean>((resolve) => {
            const timer = setTimeout(() => resolve(false), HEARTBEAT_MS);
            wake = () => {
              clearTimeout(timer);
              resolve(true);
            };
          });
          wake = undefined;
          if (closed) break;
          if (!woken) {
            if (!(await stillSignedIn())) break;
            await stream.write(': still here\n\n');
          }
          continue;
        }
        const record = queue.shift()!;
        if (record.seq <= lastSent) continue;
        lastSent = record.seq;
        if (record.type === 'operator.signed_out' && record.operator === principal.operator && !(await stillSignedIn())) break;
        if (matches(record)) await stream.writeSSE({ event: 'audit', id: String(record.seq), data: JSON.stringify(record) });
      }
      if (!closed) await stream.writeSSE({ event: 'signed-out', data: JSON.stringify({ reason: 'the session ended; sign in again' }) });
    } finally {
      unsubscribe();
    }
  });
}
