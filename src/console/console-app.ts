import { Hono, type Context } from 'hono';
import { getCookie } from 'hono/cookie';
import { html } from 'hono/html';
import { bodyLimit } from 'hono/body-limit';
import { secureHeaders } from 'hono/secure-headers';
import type { Admin } from '../admin/admin.js';
import { LocalAdmin } from '../admin/local-admin.js';
import { apiRequestId } from '../server/api-request-id.js';
import type { Runtime } from '../server/runtime.js';
import type { AuditFilter, SessionRecord } from '../store/records.js';
import { clearSessionCookie, clientAddress, setSessionCookie } from './api/admin-api.js';
import { asset } from './assets.js';
import { CSRF_HEADER } from './auth/authenticate.js';
import { listOperatorKeys } from './auth/operator-keys.js';
import { csrfMatches, endSession, findSession, SESSION_COOKIE } from './auth/sessions.js';
import { signIn } from './auth/sign-in.js';
import { agentsPage, agentsSection } from './pages/agents.js';
import { auditPage, auditRows } from './pages/audit.js';
import { freezePage, freezeStatusPanel } from './pages/freeze.js';
import { holdDetailPage, holdsPage, pendingHolds, recentHolds, scheduledHolds } from './pages/holds.js';
import { controlBanner, page, signInPage, type PageFrame, type Section } from './pages/layout.js';
import { operatorsPage, operatorsSection } from './pages/operators.js';
import type { Html } from './pages/parts.js';

type ConsoleEnv = { Variables: { session: SessionRecord; admin: Admin } };

const CONSOLE_PATHS = ['/', '/favicon.ico', '/sign-in', '/sign-out', '/holds', '/holds/*', '/audit', '/agents', '/freeze', '/operators', '/console/*'];

/** Only Airlock's own script and styles run in the console: no inline code, no other origin. */
const CONSOLE_HEADERS = {
  contentSecurityPolicy: {
    defaultSrc: ["'none'"],
    scriptSrc: ["'self'"],
    styleSrc: ["'self'"],
    imgSrc: ["'self'", 'data:'],
    connectSrc: ["'self'"],
    formAction: ["'self'"],
    frameAncestors: ["'none'"],
    baseUri: ["'none'"],
  },
  xFrameOptions: 'DENY',
  // Not no-referrer: under it browsers send `Origin: null` with every form post, and sign-in checks Origin.
  referrerPolicy: 'same-origin',
  strictTransportSecurity: false,
} satisfies Parameters<typeof secureHeaders>[0];

/** Only a path on this site: never an absolute or protocol-relative URL (no open redirect). */
function safeNext(next: unknown): string {
  return typeof next === 'string' && /^\/(?![/\\])/.test(next) ? next : '/holds';
}

/** A form posted from another site carries its Origin; refuse it (login CSRF, forced sign-out). */
function sameOrigin(c: Context): boolean {
  const origin = c.req.header('origin');
  if (!origin || origin === 'null') return origin === undefined;
  try {
    return new URL(origin).host === (c.req.header('host') ?? new URL(c.req.url).host);
  } catch {
    return false;
  }
}

/**
 * The operators' console: server-rendered pages, the fragments its script swaps in when the
 * audit stream says something changed, sign-in and sign-out, and its static assets. Every read
 * goes through the Admin interface, as the signed-in operator; every change goes through the
 * admin API (see api/admin-api.ts), which the script calls with the session's CSRF token.
 */
export function createConsoleApp(runtime: Runtime): Hono<ConsoleEnv> {
  const app = new Hono<ConsoleEnv>();
  // Scoped to the console's own paths: the doors and the decision API keep their own headers.
  for (const path of CONSOLE_PATHS) app.use(path, secureHeaders(CONSOLE_HEADERS));

  app.get('/console/assets/:name', (c) => {
    const found = asset(c.req.param('name'));
    if (!found) return c.text('no such asset', 404);
    c.header('Content-Type', found.type);
    c.header('Cache-Control', c.req.query('v') === found.version ? 'public, max-age=31536000, immutable' : 'no-cache');
    return c.body(new Uint8Array(found.body));
  });
  app.get('/favicon.ico', (c) => c.redirect('/console/assets/favicon.svg', 301));

  app.get('/', (c) => c.redirect('/holds', 302));

  app.get('/sign-in', async (c) => {
    const found = await findSession(runtime.store, getCookie(c, SESSION_COOKIE), runtime.clock());
    if (found.ok) return c.redirect(safeNext(c.req.query('next')), 303);
    const expired = found.problem === 'expired' ? 'Your session expired; sign in again.' : undefined;
    return c.html(signInPage({ next: safeNext(c.req.query('next')), ...(expired ? { error: expired } : {}) }));
  });

  app.post('/sign-in', bodyLimit({ maxSize: 16 * 1024, onError: (c) => c.text('too large', 413) }), async (c) => {
    if (!sameOrigin(c)) return c.text('cross-site sign-in refused', 403);
    const form = await c.req.parseBody();
    const field = (name: string) => (typeof form[name] === 'string' ? (form[name] as string) : '');
    const operator = field('operator').trim();
    const next = safeNext(form.next);
    if (!operator || !field('password') || !field('code')) {
      return c.html(signInPage({ error: 'Enter your operator name, password and code.', operator, next }), 400);
    }
    const result = await signIn(runtime, {
      operator,
      password: field('password'),
      code: field('code'),
      address: clientAddress(c),
      requestId: apiRequestId(c),
    });
    if (!result.ok) return c.html(signInPage({ error: result.error, operator, next }), result.status);
    setSessionCookie(c, runtime, result.secret);
    return c.redirect(next, 303);
  });

  app.post('/sign-out', bodyLimit({ maxSize: 16 * 1024, onError: (c) => c.text('too large', 413) }), async (c) => {
    const found = await findSession(runtime.store, getCookie(c, SESSION_COOKIE), runtime.clock());
    if (found.ok) {
      const form = await c.req.parseBody();
      if (!sameOrigin(c) || !csrfMatches(found.session, typeof form.csrf === 'string' ? form.csrf : undefined)) {
        return c.text('sign-out refused: the form did not come from this console', 403);
      }
      await endSession(runtime.store, found.session, runtime.clock());
      const requestId = apiRequestId(c);
      await runtime.audit.append({ type: 'operator.signed_out', operator: found.session.operator, ...(requestId ? { requestId } : {}) });
    }
    clearSessionCookie(c);
    return c.redirect('/sign-in', 303);
  });

  // Everything below needs a signed-in operator. Pages redirect to sign-in; fragments, which the
  // console's script fetches, answer 401 and must carry the CSRF token like the admin API.
  const pages = ['/holds', '/holds/*', '/audit', '/agents', '/freeze', '/operators', '/console/fragments/*'];
  for (const path of pages) {
    app.use(path, async (c, next) => {
      const fragment = c.req.path.startsWith('/console/fragments/');
      const found = await findSession(runtime.store, getCookie(c, SESSION_COOKIE), runtime.clock());
      const enrolled = found.ok && (await runtime.store.operators.get(found.session.operator)) !== undefined;
      if (!found.ok || !enrolled) {
        if (fragment) return c.json({ error: 'sign in again', code: 'unauthenticated' }, 401);
        return c.redirect(`/sign-in?next=${encodeURIComponent(c.req.path)}`, 303);
      }
      if (fragment && !csrfMatches(found.session, c.req.header(CSRF_HEADER))) {
        return c.json({ error: 'the request did not carry this session’s CSRF token', code: 'forbidden' }, 403);
      }
      c.set('session', found.session);
      c.set('admin', new LocalAdmin(runtime, found.session.operator, apiRequestId(c)));
      c.header('Cache-Control', 'no-store');
      await next();
    });
  }

  async function render(c: Context<ConsoleEnv>, section: Section | undefined, title: string, content: Html) {
    const admin = c.get('admin');
    const session = c.get('session');
    const [control, agents, pending, freeze] = await Promise.all([
      admin.control(),
      admin.listAgents(),
      admin.listHolds({ status: ['pending'] }),
      admin.freezeStatus(),
    ]);
    const frame: PageFrame = {
      title,
      ...(section ? { section } : {}),
      operator: session.operator,
      csrf: session.csrf,
      control,
      freeze: freeze.active,
      agents,
      pendingHolds: pending.length,
    };
    return c.html(page(frame, content));
  }

  const now = () => runtime.clock();

  async function holdsParts(admin: Admin, operator: string) {
    const [pending, scheduled, recent] = await Promise.all([
      admin.listHolds({ status: ['pending'] }),
      admin.listHolds({ status: ['approved', 'scheduled'] }),
      admin.listHolds({ status: ['executed', 'denied', 'cancelled', 'expired', 'failed'], limit: 20 }),
    ]);
    return {
      pendingCount: pending.length,
      pending: pendingHolds(pending, now(), operator),
      scheduled: scheduledHolds(scheduled, now()),
      recent: recentHolds(recent),
    };
  }

  app.get('/holds', async (c) => render(c, 'holds', 'Holds', holdsPage(await holdsParts(c.get('admin'), c.get('session').operator))));

  app.get('/holds/:id', async (c) => {
    const hold = await c
      .get('admin')
      .showHold({ id: c.req.param('id') })
      .catch(() => undefined);
    if (!hold) {
      c.status(404);
      return render(c, 'holds', 'No such hold', html`<h1>No such hold</h1><p>There is no hold ${c.req.param('id')}. <a href="/holds">All holds</a></p>`);
    }
    return render(c, 'holds', `Hold ${hold.id}`, holdDetailPage(hold, now(), c.get('session').operator));
  });

  function auditFilterOf(c: Context): AuditFilter {
    const verdict = c.req.query('verdict');
    return {
      ...(c.req.query('agent') ? { agent: c.req.query('agent')! } : {}),
      ...(c.req.query('type') ? { type: c.req.query('type')! } : {}),
      ...(verdict === 'allow' || verdict === 'deny' || verdict === 'hold' ? { verdict } : {}),
    };
  }

  app.get('/audit', async (c) => {
    const admin = c.get('admin');
    const filter = auditFilterOf(c);
    const [records, agents] = await Promise.all([admin.listAudit({ ...filter, newestFirst: true, limit: 200 }), admin.listAgents()]);
    return render(c, 'audit', 'Audit', auditPage({ records, filter, agents }));
  });

  app.get('/agents', async (c) => {
    const admin = c.get('admin');
    const [agents, tokens] = await Promise.all([admin.listAgents(), admin.listTokens({ includeRevoked: true })]);
    return render(c, 'agents', 'Agents & tokens', agentsPage({ agents, tokens: recentTokens(tokens), now: now() }));
  });

  app.get('/freeze', async (c) => render(c, 'freeze', 'Freeze', freezePage(await c.get('admin').freezeStatus())));

  app.get('/operators', async (c) => {
    const admin = c.get('admin');
    const me = c.get('session').operator;
    const [operators, keys] = await Promise.all([admin.listOperators(), listOperatorKeys(runtime, { operator: me, includeRevoked: true })]);
    return render(c, 'operators', 'Operators', operatorsPage({ operators, keys, me, now: now() }));
  });

  // Fragments: the live parts of each page, re-rendered when the audit stream says they changed.
  app.get('/console/fragments/banner', async (c) => {
    const admin = c.get('admin');
    const [control, agents, pending, freeze] = await Promise.all([
      admin.control(),
      admin.listAgents(),
      admin.listHolds({ status: ['pending'] }),
      admin.freezeStatus(),
    ]);
    c.header('X-Airlock-Pending', String(pending.length));
    return c.html(controlBanner(control, agents, freeze.active));
  });
  app.get('/console/fragments/holds', async (c) => {
    const pending = await c.get('admin').listHolds({ status: ['pending'] });
    c.header('X-Airlock-Pending', String(pending.length));
    return c.html(pendingHolds(pending, now(), c.get('session').operator));
  });
  app.get('/console/fragments/holds-other', async (c) => {
    const parts = await holdsParts(c.get('admin'), c.get('session').operator);
    return c.html(`${await parts.scheduled}${await parts.recent}`);
  });
  app.get('/console/fragments/audit', async (c) => {
    const after = Number(c.req.query('afterSeq'));
    const records = await c.get('admin').listAudit({ ...auditFilterOf(c), afterSeq: Number.isSafeInteger(after) ? after : 0, newestFirst: true, limit: 200 });
    return c.html(auditRows(records));
  });
  app.get('/console/fragments/agents', async (c) => {
    const admin = c.get('admin');
    const [agents, tokens] = await Promise.all([admin.listAgents(), admin.listTokens({ includeRevoked: true })]);
    return c.html(agentsSection(agents, recentTokens(tokens), now()));
  });
  app.get('/console/fragments/freeze', async (c) => c.html(freezeStatusPanel(await c.get('admin').freezeStatus())));
  app.get('/console/fragments/operators', async (c) => {
    const me = c.get('session').operator;
    const [operators, keys] = await Promise.all([c.get('admin').listOperators(), listOperatorKeys(runtime, { operator: me, includeRevoked: true })]);
    return c.html(operatorsSection(operators, keys, me, now()));
  });

  return app;
}

/** Active tokens, and the few most recently revoked or expired (the rest is in the audit log). */
function recentTokens<T extends { status: string; createdAt: string }>(tokens: readonly T[]): T[] {
  const active = tokens.filter((t) => t.status === 'active');
  const inactive = tokens.filter((t) => t.status !== 'active').slice(-10);
  return [...active, ...inactive];
}
