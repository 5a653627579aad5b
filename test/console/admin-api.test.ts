import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ADMIN_ROUTES, fillPath } from '../../src/console/index.js';
import { SESSION_IDLE_MS } from '../../src/console/auth/sessions.js';
import { runCliAsync, signIn, startConsoleAirlock, type ConsoleAirlock, type SignedIn, type TestOperator } from './support.js';

let airlock: ConsoleAirlock;
let alice: TestOperator;
let bob: TestOperator;
let agentToken: string;
let tokenId: string;

const RESTART_POLICY = `
@id("hold-restarts")
@hold("approval")
forbid (principal, action == Airlock::Action::"write", resource)
when { context.operation == "graphql:serviceInstanceRestart" };
`;

beforeAll(async () => {
  // Airlock holds destructive operations for a human (with a code) by default; this policy
  // holds restarts for an approval without one.
  airlock = await startConsoleAirlock({ policies: { 'restarts.cedar': RESTART_POLICY } });
  alice = await airlock.operator('alice');
  bob = await airlock.operator('bob');
  // Long-lived: the tests below move the clock on by hours to expire sessions.
  agentToken = await airlock.token('deploy-bot', ['write:staging', 'destructive:production'], 30 * 86_400_000);
  tokenId = agentToken.slice(4, 16);
});
afterAll(() => airlock?.close());

function api(path: string, init: RequestInit & { session?: SignedIn; csrf?: string | null } = {}) {
  const { session, csrf, ...rest } = init;
  const headers = new Headers(rest.headers);
  if (session) headers.set('cookie', session.cookie);
  const token = csrf === undefined ? session?.csrf : csrf;
  if (token) headers.set('x-csrf-token', token);
  if (rest.body !== undefined) headers.set('content-type', 'application/json');
  return fetch(`${airlock.url}/v1/admin${path}`, { ...rest, headers });
}

/**
 * A token for an agent of its own: Airlock suspends an agent that has several different
 * operations refused or held in a short time (the circuit breaker), so tests do not share one.
 */
function tokenFor(agent: string) {
  return airlock.token(agent, ['write:staging', 'destructive:production'], 30 * 86_400_000);
}

async function decide(operation: Record<string, unknown>, extra: Record<string, unknown> = {}, token = agentToken) {
  const response = await fetch(`${airlock.url}/v1/decide`, {
    method: 'POST',
    headers: { 'content-type': 'application/json', authorization: `Bearer ${token}` },
    body: JSON.stringify({ operation, ...extra }),
  });
  return (await response.json()) as { verdict: string; holdId?: string; code?: string };
}

const VOLUME_DELETE = { action: 'graphql:volumeDelete', class: 'destructive', resources: ['vol-prod-db'] };

/** Every endpoint of the admin API, with a sample of what it takes. */
function endpoints(): { verb: string; path: string; body?: unknown }[] {
  // `:token` stands for the agent's real token id, known once the test Airlock runs.
  const sample: Record<string, string> = { name: 'deploy-bot', id: 'hold_0000000000aaaaaaaaaa' };
  const fromTable = Object.entries(ADMIN_ROUTES).map(([method, route]) => {
    const params = Object.fromEntries([...route.path.matchAll(/:([A-Za-z]+)/g)].map(([, key]) => [key!, method === 'revokeToken' ? ':token' : sample[key!]]));
    const { path } = fillPath(route.path, params);
    const body = route.verb === 'GET' ? undefined : { reason: 'test', all: true, name: 'mallory', agent: 'deploy-bot', scopes: ['read:*'], state: 'stopped' };
    return { verb: route.verb, path: decodeURIComponent(path), body };
  });
  return [
    ...fromTable,
    { verb: 'GET', path: '/session' },
    { verb: 'DELETE', path: '/session' },
    { verb: 'GET', path: '/keys' },
    { verb: 'POST', path: '/keys', body: { label: 'x' } },
    { verb: 'POST', path: '/keys/0123456789abcdef/revoke' },
    { verb: 'GET', path: '/events' },
  ];
}

describe('every admin endpoint refuses a request that is not an operator’s own', () => {
  for (const endpoint of endpoints()) {
    const name = `${endpoint.verb} /v1/admin${endpoint.path}`;
    const init = (extra: Parameters<typeof api>[1] = {}) => ({
      method: endpoint.verb,
      ...(endpoint.body ? { body: JSON.stringify(endpoint.body) } : {}),
      signal: AbortSignal.timeout(30_000),
      ...extra,
    });

    it(`${name} refuses without a session, with a forged CSRF token, and with an expired session`, async () => {
      endpoint.path = endpoint.path.replace(':token', tokenId);
      const anonymous = await api(endpoint.path, init());
      expect(anonymous.status).toBe(401);
      expect(await anonymous.json()).toMatchObject({ code: 'unauthenticated' });

      const session = await signIn(airlock.url, alice);
      const other = await signIn(airlock.url, bob);
      for (const forged of [null, 'forged-token', other.csrf]) {
        const response = await api(endpoint.path, init({ session, csrf: forged }));
        expect(response.status, `CSRF ${forged}`).toBe(403);
        expect(await response.json()).toMatchObject({ code: 'forbidden' });
      }
      if (endpoint.verb === 'GET' && endpoint.path === '/events') {
        const response = await api(`${endpoint.path}?csrf=forged`, init({ session, csrf: null }));
        expect(response.status).toBe(403);
      }

      airlock.advance(SESSION_IDLE_MS + 1000);
      const expired = await api(endpoint.path, init({ session }));
      expect(expired.status).toBe(401);
      expect((await expired.json()).error).toContain('expired');
    });
  }

  it('changed nothing while refusing: the agent is active, its token valid, no stop pulled', async () => {
    const admin = airlock.airlock.runtime.store;
    expect((await admin.agents.get('deploy-bot'))?.state).toBe('active');
    expect((await admin.tokens.get(tokenId))?.revokedAt).toBeUndefined();
    expect((await admin.control.get()).stopAll).toBeUndefined();
    expect(await admin.operators.get('mallory')).toBeUndefined();
    expect(await admin.apiKeys.list()).toEqual([]);
  });

  it('answers the same requests when they carry a live session and its CSRF token', async () => {
    const session = await signIn(airlock.url, alice);
    const response = await api('/agents', { session });
    expect(response.status).toBe(200);
    expect(await response.json()).toEqual([expect.objectContaining({ name: 'deploy-bot', state: 'active' })]);
  });
});

describe('sign-in', () => {
  it('signs in with a password and a code, in an HttpOnly SameSite=Strict cookie (Secure only over TLS)', async () => {
    const response = await fetch(`${airlock.url}/v1/admin/session`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ operator: 'alice', password: alice.password, code: alice.code() }),
    });
    expect(response.status).toBe(200);
    const cookie = response.headers.getSetCookie()[0]!;
    expect(cookie).toMatch(/^airlock_session=[\w-]{40,};/);
    expect(cookie).toContain('HttpOnly');
    expect(cookie).toContain('SameSite=Strict');
    expect(cookie).not.toContain('Secure');
    const body = (await response.json()) as { operator: string; csrf: string };
    expect(body.operator).toBe('alice');
    expect(body.csrf.length).toBeGreaterThan(30);

    const overTls = await fetch(`${airlock.url}/v1/admin/session`, {
      method: 'POST',
      headers: { 'content-type': 'application/json', 'x-forwarded-proto': 'https' },
      body: JSON.stringify({ operator: 'alice', password: alice.password, code: alice.code() }),
    });
    expect(overTls.headers.getSetCookie()[0]).toContain('Secure');
  });

  it('refuses a wrong password without using up the code, and says nothing about which part was wrong', async () => {
    const code = alice.code();
    const wrong = await fetch(`${airlock.url}/v1/admin/session`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ operator: 'alice', password: 'not the password at all', code }),
    });
    expect(wrong.status).toBe(401);
    expect((await wrong.json()).error).toBe('wrong operator name, password or code');
    const right = await fetch(`${airlock.url}/v1/admin/session`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ operator: 'alice', password: alice.password, code }),
    });
    expect(right.status).toBe(200);
  });

  it('refuses a code that was already used', async () => {
    const code = alice.code();
    const body = JSON.stringify({ operator: 'alice', password: alice.password, code });
    const init = { method: 'POST', headers: { 'content-type': 'application/json' }, body };
    expect((await fetch(`${airlock.url}/v1/admin/session`, init)).status).toBe(200);
    const again = await fetch(`${airlock.url}/v1/admin/session`, init);
    expect(again.status).toBe(401);
    expect((await again.json()).error).toContain('already used');
  });

  it('records sign-ins and failed sign-ins in the audit log', async () => {
    const records = await airlock.airlock.runtime.store.audit.list({ newestFirst: true, limit: 200 });
    expect(records.some((r) => r.type === 'operator.signed_in' && r.operator === 'alice')).toBe(true);
    const failed = records.find((r) => r.type === 'operator.sign_in_failed');
    expect(failed?.detail).toMatchObject({ claimed: 'alice' });
    expect(JSON.stringify(failed)).not.toContain('not the password at all');
  });

  it('ends the session on sign-out: its cookie no longer opens anything', async () => {
    const session = await signIn(airlock.url, alice);
    expect((await api('/session', { method: 'DELETE', session })).status).toBe(204);
    const after = await api('/agents', { session });
    expect(after.status).toBe(401);
    expect((await after.json()).error).toContain('signed out');
  });
});

describe('operator actions through the admin API', () => {
  it('issues a token only with a current code from a session, and records the operator who did', async () => {
    const session = await signIn(airlock.url, alice);
    const request = { agent: 'deploy-bot', scopes: ['read:*'], label: 'from the console' };
    const withoutCode = await api('/tokens', { method: 'POST', session, body: JSON.stringify(request) });
    expect(withoutCode.status).toBe(403);
    expect((await withoutCode.json()).error).toContain('authenticator');
    const issued = await api('/tokens', { method: 'POST', session, body: JSON.stringify({ ...request, code: alice.code() }) });
    expect(issued.status).toBe(200);
    const token = (await issued.json()) as { id: string; token: string };
    expect(token.token).toMatch(/^alk_/);
    const [record] = await airlock.airlock.runtime.store.audit.list({ type: 'token.issued', newestFirst: true, limit: 1 });
    expect(record).toMatchObject({ operator: 'alice', token: token.id });
  });

  it('refuses a body too large to be an operator’s request, before reading it', async () => {
    const response = await api('/session', { method: 'POST', body: JSON.stringify({ operator: 'alice', password: 'x'.repeat(100_000), code: '1' }) });
    expect(response.status).toBe(400);
    expect((await response.json()).error).toContain('too large');
  });

  it('refuses input it does not understand with what to fix', async () => {
    const session = await signIn(airlock.url, alice);
    const response = await api('/agents', { method: 'POST', session, body: JSON.stringify({ name: 'x', colour: 'red' }) });
    expect(response.status).toBe(400);
    expect((await response.json()).error).toContain('colour');
  });

  it('approves a held volumeDelete with a code, and the agent’s identical retry is allowed once', async () => {
    const token = await tokenFor('approve-bot');
    const held = await decide(VOLUME_DELETE, {}, token);
    expect(held.verdict).toBe('hold');
    const session = await signIn(airlock.url, alice);
    const pending = (await (await api('/holds?status=pending', { session })).json()) as { id: string; summary: string }[];
    expect(pending.map((h) => h.id)).toContain(held.holdId);

    const asBob = await api(`/holds/${held.holdId}/approve`, { method: 'POST', session, body: JSON.stringify({ code: alice.code(), operator: 'bob' }) });
    expect(asBob.status).toBe(403);
    const noCode = await api(`/holds/${held.holdId}/approve`, { method: 'POST', session, body: JSON.stringify({}) });
    expect(noCode.status).toBe(403);
    const approved = await api(`/holds/${held.holdId}/approve`, { method: 'POST', session, body: JSON.stringify({ code: alice.code() }) });
    expect(approved.status).toBe(200);
    expect(await approved.json()).toMatchObject({ hold: { status: 'approved', approvals: [{ operator: 'alice', secondFactor: true }] }, remaining: 0 });

    expect(await decide(VOLUME_DELETE, { holdId: held.holdId }, token)).toMatchObject({ verdict: 'allow' });
    expect(await decide(VOLUME_DELETE, { holdId: held.holdId }, token)).toMatchObject({ verdict: 'deny', code: 'hold_invalid' });
  });

  it('asks a signed-in operator for a code even where the policy would accept an approval without one', async () => {
    const token = await tokenFor('restart-bot');
    const held = await decide({ action: 'graphql:serviceInstanceRestart', class: 'write', resources: ['svc-1'] }, {}, token);
    expect(held).toMatchObject({ verdict: 'hold' });
    const session = await signIn(airlock.url, alice);
    const noCode = await api(`/holds/${held.holdId}/approve`, { method: 'POST', session, body: JSON.stringify({}) });
    expect(noCode.status).toBe(403);
    expect((await noCode.json()).error).toContain('enter a current code');
    const approved = await api(`/holds/${held.holdId}/approve`, { method: 'POST', session, body: JSON.stringify({ code: alice.code() }) });
    expect(await approved.json()).toMatchObject({ hold: { status: 'approved', approvals: [{ operator: 'alice', secondFactor: true }] } });
  });

  it('denies a hold only with a code, and the agent is refused', async () => {
    const token = await tokenFor('deny-bot');
    const held = await decide({ ...VOLUME_DELETE, resources: ['vol-prod-cache'] }, {}, token);
    const session = await signIn(airlock.url, bob);
    expect((await api(`/holds/${held.holdId}/deny`, { method: 'POST', session, body: JSON.stringify({ reason: 'no' }) })).status).toBe(403);
    const denied = await api(`/holds/${held.holdId}/deny`, { method: 'POST', session, body: JSON.stringify({ reason: 'not today', code: bob.code() }) });
    expect(denied.status).toBe(200);
    expect(await denied.json()).toMatchObject({ status: 'denied', decidedBy: 'bob' });
    expect(await decide({ ...VOLUME_DELETE, resources: ['vol-prod-cache'] }, { holdId: held.holdId }, token)).toMatchObject({ verdict: 'deny' });
  });

  it('pulls the emergency stop only with a code; the agent’s next request is refused; resuming needs a code too', async () => {
    const token = await tokenFor('stop-bot');
    const session = await signIn(airlock.url, alice);
    expect((await api('/stop', { method: 'POST', session, body: JSON.stringify({ all: true }) })).status).toBe(403);
    const stopped = await api('/stop', { method: 'POST', session, body: JSON.stringify({ all: true, reason: 'runaway agent', code: alice.code() }) });
    expect(stopped.status).toBe(200);
    expect(await decide({ action: 'graphql:me', class: 'read' }, {}, token)).toMatchObject({ verdict: 'deny', code: 'stopped' });
    expect((await api('/resume', { method: 'POST', session, body: JSON.stringify({ all: true }) })).status).toBe(403);
    expect((await api('/resume', { method: 'POST', session, body: JSON.stringify({ all: true, code: alice.code() }) })).status).toBe(204);
    expect(await decide({ action: 'graphql:me', class: 'read' }, {}, token)).toMatchObject({ verdict: 'allow' });
    const [stop] = await airlock.airlock.runtime.store.audit.list({ type: 'stop.all', newestFirst: true, limit: 1 });
    expect(stop).toMatchObject({ operator: 'alice', reasons: ['runaway agent'] });
  });
});

type StreamEvent = { event: string; id?: string; data: string };

/**
 * Reads a server-sent event stream as it arrives. `until` resolves once the events read so far
 * satisfy the check (the request's own AbortSignal is the deadline); reading can go on after it.
 */
function eventsOf(response: Response) {
  const reader = response.body!.pipeThrough(new TextDecoderStream()).getReader();
  const events: StreamEvent[] = [];
  let buffer = '';
  return {
    events,
    async until(check: (events: StreamEvent[]) => boolean): Promise<StreamEvent[]> {
      while (!check(events)) {
        const { value, done } = await reader.read();
        if (done) throw new Error(`the stream ended before the awaited event (read: ${events.map((e) => e.event).join(', ') || 'nothing'})`);
        buffer += value;
        for (let end = buffer.indexOf('\n\n'); end >= 0; end = buffer.indexOf('\n\n')) {
          const block = buffer.slice(0, end);
          buffer = buffer.slice(end + 2);
          const fields: Record<string, string> = {};
          for (const line of block.split('\n')) {
            const match = /^(\w+): ?(.*)$/.exec(line);
            if (match) fields[match[1]!] = fields[match[1]!] ? `${fields[match[1]!]}\n${match[2]}` : match[2]!;
          }
          if (fields.event || fields.data) events.push({ event: fields.event ?? 'message', ...(fields.id ? { id: fields.id } : {}), data: fields.data ?? '' });
        }
      }
      return events;
    },
    close: () => reader.cancel(),
  };
}

/** Reads server-sent events until `until` says stop; returns what was read. */
async function readEvents(response: Response, until: (events: StreamEvent[]) => boolean) {
  const stream = eventsOf(response);
  try {
    return await stream.until(until);
  } finally {
    await stream.close();
  }
}

const ready = (events: StreamEvent[]) => events.some((e) => e.event === 'ready');

describe('the live audit stream', { timeout: 60_000 }, () => {
  it('sends each durable record as it is written, with its seq as the event id', async () => {
    const session = await signIn(airlock.url, alice);
    const stream = await api(`/events?csrf=${encodeURIComponent(session.csrf)}`, { session, csrf: null, signal: AbortSignal.timeout(30_000) });
    expect(stream.status).toBe(200);
    expect(stream.headers.get('content-type')).toContain('text/event-stream');
    const live = eventsOf(stream);
    // Subscribed once `ready` arrives: what is written from then on is sent.
    await live.until(ready);
    await decide({ action: 'graphql:projectDelete', class: 'destructive', resources: ['proj-1'] }, {}, await tokenFor('stream-bot'));
    const events = await live.until((events) => events.some((e) => e.event === 'audit' && JSON.parse(e.data).action === 'graphql:projectDelete'));
    await live.close();
    expect(events[0]!.event).toBe('ready');
    const record = events.find((e) => e.event === 'audit' && JSON.parse(e.data).action === 'graphql:projectDelete')!;
    expect(JSON.parse(record.data)).toMatchObject({ type: 'decision', verdict: 'hold', agent: 'stream-bot' });
    expect(Number(record.id)).toBe(JSON.parse(record.data).seq);
  });

  it('sends what was missed to a client that reconnects with Last-Event-ID', async () => {
    const head = await airlock.airlock.runtime.store.audit.head();
    await decide({ action: 'graphql:serviceDelete', class: 'destructive', resources: ['svc-1'] }, {}, await tokenFor('missed-bot'));
    const session = await signIn(airlock.url, alice);
    const stream = await api('/events', { session, headers: { 'last-event-id': String(head.seq) }, signal: AbortSignal.timeout(30_000) });
    const events = await readEvents(stream, (events) => events.some((e) => e.event === 'ready'));
    const missed = events.filter((e) => e.event === 'audit').map((e) => JSON.parse(e.data));
    expect(missed.some((r) => r.action === 'graphql:serviceDelete')).toBe(true);
    expect(missed.every((r) => r.seq > head.seq)).toBe(true);
  });

  it('sends records that another process wrote to the store (the CLI on the Airlock host)', async () => {
    const session = await signIn(airlock.url, alice);
    const stream = await api('/events?type=agent.added', { session, signal: AbortSignal.timeout(30_000) });
    const live = eventsOf(stream);
    await live.until(ready);
    const reading = live.until((events) => events.some((e) => e.event === 'audit')).finally(() => live.close());
    const added = await runCliAsync(['--config', airlock.configPath, 'agent', 'add', 'cli-made-bot']);
    expect(added.status, added.stderr).toBe(0);
    const [record] = (await reading).filter((e) => e.event === 'audit').map((e) => JSON.parse(e.data));
    expect(record).toMatchObject({ type: 'agent.added', agent: 'cli-made-bot' });
  });

  it('filters by agent, event type and verdict', async () => {
    const session = await signIn(airlock.url, alice);
    const stream = await api('/events?type=decision&verdict=deny', { session, signal: AbortSignal.timeout(30_000) });
    const live = eventsOf(stream);
    await live.until(ready);
    await decide({ action: 'graphql:me', class: 'read' }, {}, await tokenFor('filter-bot')); // allowed: not sent
    await fetch(`${airlock.url}/v1/decide`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ operation: { action: 'x', class: 'read' } }),
    });
    // The refused decision is written after the allowed one: once it is here, the allowed one would have been too.
    const events = (await live.until((events) => events.some((e) => e.event === 'audit'))).filter((e) => e.event === 'audit').map((e) => JSON.parse(e.data));
    await live.close();
    expect(events).toHaveLength(1);
    expect(events[0]).toMatchObject({ type: 'decision', verdict: 'deny', code: 'unauthenticated' });
  });
});

describe('operator API keys', () => {
  let key: string;

  it('are issued from a session with a code, shown once, and work without a CSRF token', async () => {
    const session = await signIn(airlock.url, alice);
    expect((await api('/keys', { method: 'POST', session, body: JSON.stringify({ label: 'laptop' }) })).status).toBe(403);
    const issued = await api('/keys', { method: 'POST', session, body: JSON.stringify({ label: 'laptop', code: alice.code() }) });
    expect(issued.status).toBe(201);
    key = ((await issued.json()) as { key: string }).key;
    expect(key).toMatch(/^alkop_[0-9a-f]{16}[\w-]{43}$/);
    const listed = await (await api('/keys', { session })).json();
    expect(JSON.stringify(listed)).not.toContain(key.slice(22));

    const whoami = await api('/session', { headers: { authorization: `Bearer ${key}` } });
    expect(await whoami.json()).toMatchObject({ operator: 'alice', via: 'key' });
  });

  it('cannot mint more keys', async () => {
    const response = await api('/keys', { method: 'POST', headers: { authorization: `Bearer ${key}` }, body: JSON.stringify({}) });
    expect(response.status).toBe(403);
  });

  it('refuses an agent token in their place', async () => {
    const response = await api('/agents', { headers: { authorization: `Bearer ${agentToken}` } });
    expect(response.status).toBe(401);
    expect((await response.json()).error).toContain('not an agent token');
  });

  it('stop working once revoked', async () => {
    const session = await signIn(airlock.url, alice);
    const id = key.slice(6, 22);
    expect((await api(`/keys/${id}/revoke`, { method: 'POST', session })).status).toBe(200);
    const response = await api('/agents', { headers: { authorization: `Bearer ${key}` } });
    expect(response.status).toBe(401);
    expect((await response.json()).error).toContain('revoked');
  });
});

describe('sign-in rate limiting', () => {
  let limited: ConsoleAirlock;
  afterAll(() => limited?.close());

  it('refuses an operator after five failed sign-ins, even with the right password and code, until the window passes', async () => {
    limited = await startConsoleAirlock();
    const carol = await limited.operator('carol');
    const attempt = (password: string) =>
      fetch(`${limited.url}/v1/admin/session`, {
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        body: JSON.stringify({ operator: 'carol', password, code: carol.code() }),
      });
    for (let i = 0; i < 5; i++) expect((await attempt(`guess number ${i}!`)).status).toBe(401);
    const blocked = await attempt(carol.password);
    expect(blocked.status).toBe(429);
    expect(Number(blocked.headers.get('retry-after'))).toBeGreaterThan(0);
    expect((await blocked.json()).error).toContain('too many failed sign-ins');
    limited.advance(16 * 60_000);
    expect((await attempt(carol.password)).status).toBe(200);
  });
});
