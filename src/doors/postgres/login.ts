/**
 * A connection's start: SSLRequest and TLS, the startup message, the agent's login (user =
 * agent name, password = Airlock token), then the upstream session with the real credential.
 * What PostgreSQL would answer with a FATAL error, the door answers the same way.
 */
import type { Socket } from 'node:net';
import { TLSSocket } from 'node:tls';
import { requestDigest } from '../../core/digest.js';
import { resolveEnvironment } from '../../core/environment.js';
import { operationFromParts } from '../../core/operation.js';
import { refusalFor } from '../../core/refusal.js';
import { authenticate } from '../../identity/authenticate.js';
import type { DoorContext } from './context.js';
import { CancelRequest, GSSENCRequest, SSLRequest, type StartupMessage, type NoticeFields } from './messages.js';
import { FrameReader, MAX_MESSAGE_BYTES, parseFrontend, parseStartup, ProtocolError } from './parser.js';
import { toClient } from './serializer.js';
import { errorFields, ProxySession } from './session.js';
import { guardedSetting, PINNED_SETTINGS } from './settings.js';
import { cancelUpstream, connectUpstream, type UpstreamConnection, UpstreamLoginError, UpstreamReadingError } from './upstream.js';
import { isPrivilegedSetting } from '../../classify/sql/index.js';

/** As PostgreSQL's authentication_timeout: a client that does not finish logging in is dropped. */
const LOGIN_TIMEOUT_MS = 60_000;

/**
 * Startup parameters passed on to the upstream. Anything else a client sends at startup could
 * set what SET would be judged for (role, session_replication_role, libraries to load), so it
 * is refused: set it with SET after connecting, where the door judges it.
 */
const PASSED_SETTINGS = new Set([
  'application_name',
  'datestyle',
  'timezone',
  'intervalstyle',
  'extra_float_digits',
  'search_path',
  'statement_timeout',
  'lock_timeout',
  'idle_in_transaction_session_timeout',
  'idle_session_timeout',
  'default_transaction_isolation',
  'default_transaction_read_only',
  'default_transaction_deferrable',
  'bytea_output',
  'lc_messages',
  'lc_monetary',
  'lc_numeric',
  'lc_time',
  'geqo',
  'jit',
  'work_mem',
  'maintenance_work_mem',
  'temp_buffers',
  'synchronous_commit',
  'client_min_messages',
  'timezone_abbreviations',
  'xmlbinary',
  'xmloption',
  'gin_fuzzy_search_limit',
  'enable_seqscan',
  'random_page_cost',
  'effective_cache_size',
  'row_security',
  'client_encoding',
  'standard_conforming_strings',
]);

class LoginRefused extends Error {
  constructor(readonly fields: NoticeFields) {
    super(fields.M);
  }
}

function fatal(code: string, message: string, hint?: string): LoginRefused {
  return new LoginRefused({ ...errorFields(code, message), S: 'FATAL', V: 'FATAL', ...(hint ? { H: hint } : {}) });
}

/**
 * Connections logging in at once. Each costs little, but a flood that never finishes its
 * startup would otherwise hold sockets until LOGIN_TIMEOUT_MS; past the cap, new connections
 * are answered as PostgreSQL answers past max_connections, and sessions already open are not
 * touched.
 */
export const MAX_PENDING_LOGINS = 256;

export async function serveConnection(raw: Socket, context: DoorContext): Promise<void> {
  raw.setNoDelay(true);
  if (context.logins.pending >= MAX_PENDING_LOGINS) {
    raw.end(
      toClient.errorResponse({
        ...errorFields('53300', 'sorry, too many clients are logging in to Airlock at once'),
        S: 'FATAL',
        V: 'FATAL',
        H: 'Try again in a moment.',
      }),
    );
    return;
  }
  context.logins.pending++;
  try {
    await serveLogin(raw, context);
  } finally {
    context.logins.pending--;
  }
}

async function serveLogin(raw: Socket, context: DoorContext): Promise<void> {
  let socket: Socket | TLSSocket = raw;
  let incoming = new Incoming(raw);
  const timer = setTimeout(() => socket.destroy(), LOGIN_TIMEOUT_MS);
  try {
    let startup: StartupMessage | undefined;
    let encrypted = false;
    while (!startup) {
      const message = parseStartup(await incoming.nextStartup());
      if (message instanceof SSLRequest) {
        if (encrypted) throw new ProtocolError('SSLRequest inside TLS');
        // Bytes sent after SSLRequest but before the handshake would bypass TLS (CVE-2021-23214).
        if (incoming.reader.pending > 0) throw new ProtocolError('received unencrypted data after SSL request');
        incoming.detach();
        socket.write(toClient.sslResponse(true));
        socket = await upgrade(raw, context);
        incoming = new Incoming(socket);
        encrypted = true;
      } else if (message instanceof GSSENCRequest) {
        socket.write(toClient.sslResponse(false));
      } else if (message instanceof CancelRequest) {
        await context.cancels.cancel(message.processId, message.secretKey).catch(() => false);
        socket.end();
        return;
      } else {
        startup = message;
      }
    }
    await login(socket, incoming, startup, encrypted, context);
  } catch (error) {
    if (error instanceof LoginRefused) {
      socket.end(toClient.errorResponse(error.fields));
    } else if (error instanceof ProtocolError) {
      socket.end(toClient.errorResponse({ ...errorFields('08P01', error.message), S: 'FATAL', V: 'FATAL' }));
    } else {
      context.log.warn({ err: (error as Error).message }, 'PostgreSQL door connection failed during login');
      socket.destroy();
    }
  } finally {
    clearTimeout(timer);
  }
}

async function login(socket: Socket | TLSSocket, incoming: Incoming, startup: StartupMessage, encrypted: boolean, context: DoorContext): Promise<void> {
  const parameters = startup.parameters;
  const pqOptions = Object.keys(parameters).filter((key) => key.startsWith('_pq_.'));
  if (startup.minorVersion > 0 || pqOptions.length > 0) socket.write(toClient.negotiateProtocolVersion(0, pqOptions));
  if (parameters.replication !== undefined && parameters.replication !== 'false' && parameters.replication !== 'off') {
    throw fatal('08P01', 'replication connections are not supported through Airlock');
  }
  const user = parameters.user;
  if (!user)
    throw fatal(
      '28000',
      'no PostgreSQL user name specified in startup packet',
      'Connect with your agent name as the user and your Airlock token as the password.',
    );
  const database = parameters.database || user;
  const entry = context.upstreams.get(database);
  if (!entry) {
    const known = [...context.upstreams.keys()];
    throw fatal(
      '3D000',
      `database "${database}" does not exist`,
      `Through Airlock, the database name is the upstream's name: ${known.length ? known.join(', ') : 'none is configured'}.`,
    );
  }
  const loopback = isLoopback(socket.remoteAddress);
  if (!encrypted && !(context.plaintext === 'loopback' && loopback)) {
    throw fatal(
      '28000',
      'Airlock accepts your token only over TLS',
      'Connect with sslmode=require (or verify-ca with the certificate Airlock printed at start).',
    );
  }
  const forwarded = startupParametersFor(parameters);

  socket.write(toClient.authenticationCleartextPassword());
  const reply = parseFrontend(await incoming.next());
  if (reply.name !== 'passwordMessage') throw new ProtocolError(`expected a password message, got ${String.fromCharCode(reply.raw[0]!)}`);
  const token = reply.password;

  const { runtime } = context;
  const auth = await authenticate(runtime.store, token, runtime.clock());
  if (auth.ok && auth.agent.name !== user) {
    throw fatal(
      '28P01',
      `password authentication failed for user "${user}"`,
      `The Airlock token given belongs to another agent; connect with that agent's name as the user, or with a token of ${user}.`,
    );
  }
  const operation = operationFromParts({
    door: 'postgres',
    upstream: entry.config.name,
    environment: resolveEnvironment(entry.config, []),
    parts: [{ action: 'sql:connect', class: 'read', resources: [], text: `connect to ${entry.config.name} as ${user}` }],
    digest: requestDigest('postgres', entry.config.name, 'connect', user),
  });
  const { verdict, tokenId } = await runtime.gate.decide({ operation, token });
  if (verdict.kind !== 'allow') {
    const refusal = refusalFor(verdict);
    const unauthenticated = verdict.kind === 'deny' && verdict.code === 'unauthenticated';
    throw fatal(
      unauthenticated ? '28P01' : '42501',
      unauthenticated ? `password authentication failed for user "${user}": ${refusal.message}` : refusal.message,
      refusal.instruction,
    );
  }

  incoming.detach();
  let upstream: UpstreamConnection;
  try {
    upstream = await connectUpstream(entry.target, forwarded);
  } catch (error) {
    const detail = error instanceof UpstreamLoginError ? error.message : (error as Error).message;
    context.log.error({ upstream: entry.config.name, err: detail }, 'cannot log in to the upstream');
    const refusal = refusalFor({
      kind: 'deny',
      code: 'unavailable',
      reasons: [`Airlock could not open a session on upstream ${entry.config.name}`],
      policies: [],
    });
    if (error instanceof UpstreamReadingError)
      throw fatal('0A000', `Airlock refused this session on upstream ${entry.config.name}: ${error.message}.`, refusal.instruction);
    throw fatal('08006', refusal.message, `${refusal.instruction} The cause is in Airlock's log.`);
  }

  // A login message is small; a session's statements may be large (a bulk INSERT).
  incoming.reader.limit(MAX_MESSAGE_BYTES);
  let release = () => {};
  const session: ProxySession = new ProxySession(socket, incoming.reader, upstream, entry, { agent: user, tokenId: tokenId ?? '', token }, context, () =>
    release(),
  );
  const key = context.cancels.register({
    upstreamKey: upstream.backendKey,
    cancel: () => session.cancel(() => cancelUpstream(entry.target, upstream.backendKey)),
  });
  release = key.release;
  socket.cork();
  socket.write(toClient.authenticationOk());
  for (const status of upstream.parameterStatus) socket.write(status);
  socket.write(toClient.backendKeyData(key.processId, key.secretKey));
  socket.write(toClient.readyForQuery('I'));
  socket.uncork();
  session.start();
}

/** The startup parameters to pass on, with Airlock's pinned settings; refuses what must be SET instead. */
export function startupParametersFor(parameters: Readonly<Record<string, string>>): Record<string, string> {
  const out: Record<string, string> = {};
  const check = (name: string, value: string) => {
    const key = name.toLowerCase();
    if (key === 'client_encoding' && value.toLowerCase() === 'auto') return;
    const guarded = guardedSetting(key, value);
    if (guarded) throw fatal('0A000', guarded);
    if (!PASSED_SETTINGS.has(key) || isPrivilegedSetting(key, value)) {
      throw fatal(
        '0A000',
        `Airlock does not pass the startup setting "${name}" on`,
        'Connect without it and SET it after connecting, where Airlock judges it.',
      );
    }
  };
  for (const [name, value] of Object.entries(parameters)) {
    const key = name.toLowerCase();
    if (key === 'user' || key === 'database' || key === 'replication' || key.startsWith('_pq_.')) continue;
    if (key === 'options') {
      const settings = parseOptions(value);
      for (const [setting, settingValue] of settings) check(setting, settingValue);
      const kept = settings.filter(([setting]) => !(setting.toLowerCase() in PINNED_SETTINGS));
      if (kept.length > 0) out.options = kept.map(([k, v]) => `-c ${escapeOption(`${k}=${v}`)}`).join(' ');
      continue;
    }
    check(name, value);
    if (!(key in PINNED_SETTINGS)) out[name] = value;
  }
  return { ...out, ...PINNED_SETTINGS };
}

/** `-c a=b --c=d` (backslash escapes a space) → [[a, b], [c, d]]; any other switch is refused. */
function parseOptions(text: string): [string, string][] {
  const words: string[] = [];
  let word = '';
  let escaped = false;
  for (const ch of text) {
    if (escaped) {
      word += ch;
      escaped = false;
    } else if (ch === '\\') escaped = true;
    else if (/\s/.test(ch)) {
      if (word) words.push(word);
      word = '';
    } else word += ch;
  }
  if (word) words.push(word);
  const settings: [string, string][] = [];
  for (let i = 0; i < words.length; i++) {
    let assignment: string | undefined;
    if (words[i] === '-c') assignment = words[++i];
    else if (words[i]!.startsWith('-c')) assignment = words[i]!.slice(2);
    else if (words[i]!.startsWith('--')) assignment = words[i]!.slice(2);
    if (!assignment?.includes('=')) {
      throw fatal('0A000', `Airlock does not pass the startup option "${words[i] ?? ''}" on`, 'Connect without it; only -c name=value settings are passed.');
    }
    const at = assignment.indexOf('=');
    settings.push([assignment.slice(0, at).replace(/-/g, '_'), assignment.slice(at + 1)]);
  }
  return settings;
}

function escapeOption(text: string): string {
  return text.replace(/\\/g, '\\\\').replace(/\s/g, (space) => `\\${space}`);
}

function isLoopback(address: string | undefined): boolean {
  return address === '127.0.0.1' || address === '::1' || address === '::ffff:127.0.0.1';
}

async function upgrade(raw: Socket, context: DoorContext): Promise<TLSSocket> {
  const tls = new TLSSocket(raw, { isServer: true, secureContext: context.certificate.context });
  await new Promise<void>((resolve, reject) => {
    tls.once('secure', () => resolve());
    tls.once('error', reject);
    raw.once('close', () => reject(new Error('the client closed the connection during the TLS handshake')));
  });
  tls.removeAllListeners('error');
  tls.on('error', () => tls.destroy());
  return tls;
}

/** Frames from the client during login, awaited one by one. */
class Incoming {
  readonly reader = new FrameReader(1024 * 1024);
  private waiting: { resolve: (frame: Buffer) => void; reject: (error: Error) => void; typed: boolean } | undefined;
  private failure: Error | undefined;
  private readonly onData = (chunk: Buffer) => {
    this.reader.push(chunk);
    this.deliver();
  };
  private readonly onEnd = () => this.fail(new Error('the client closed the connection during login'));

  constructor(private readonly socket: Socket | TLSSocket) {
    socket.on('data', this.onData);
    socket.on('close', this.onEnd);
    socket.on('error', this.onEnd);
  }

  nextStartup(): Promise<Buffer> {
    return this.wait(false);
  }

  next(): Promise<Buffer> {
    return this.wait(true);
  }

  /** Stops reading: what arrives next is the session's, or the TLS layer's. */
  detach(): void {
    this.socket.off('data', this.onData);
    this.socket.off('close', this.onEnd);
    this.socket.off('error', this.onEnd);
    this.socket.pause();
  }

  private wait(typed: boolean): Promise<Buffer> {
    return new Promise((resolve, reject) => {
      this.waiting = { resolve, reject, typed };
      this.deliver();
    });
  }

  private deliver(): void {
    const waiting = this.waiting;
    if (!waiting) return;
    try {
      if (this.failure) throw this.failure;
      const frame = waiting.typed ? this.reader.next() : this.reader.nextStartup();
      if (!frame) return;
      this.waiting = undefined;
      waiting.resolve(frame);
    } catch (error) {
      this.waiting = undefined;
      waiting.reject(error as Error);
    }
  }

  private fail(error: Error): void {
    this.failure ??= error;
    this.deliver();
  }
}
