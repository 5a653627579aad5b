import { readFileSync } from 'node:fs';
import { isIP, type Socket, connect as connectTcp } from 'node:net';
import { connect as connectTls, type TLSSocket } from 'node:tls';
import type { Secret } from '../../config/secret.js';
import type { PostgresUpstreamConfig } from '../../config/upstreams/postgres.js';
import { Authentication, BackendKeyData, ErrorResponse, ParameterStatus, ReadyForQuery, type NoticeFields } from './messages.js';
import { FrameReader, parseBackend } from './parser.js';
import { loginReadingProblem } from './reading.js';
import { md5Password, ScramClient } from './scram.js';
import { toServer } from './serializer.js';

/** Where and as whom Airlock connects: the upstream's config with its secret resolved. */
export interface UpstreamTarget {
  readonly name: string;
  readonly host: string;
  readonly port: number;
  readonly database: string;
  readonly user: string;
  readonly password: Secret | undefined;
  readonly tls: PostgresUpstreamConfig['tls'];
  /** PEM text of the CA for verify-full. */
  readonly ca: string | undefined;
  readonly timeoutMs: number;
}

export function upstreamTarget(config: PostgresUpstreamConfig, password: Secret | undefined, timeoutMs: number, caPath?: string): UpstreamTarget {
  return {
    name: config.name,
    host: config.host,
    port: config.port,
    database: config.database,
    user: config.user,
    password,
    tls: config.tls,
    ca: caPath ? readFileSync(caPath, 'utf8') : undefined,
    timeoutMs,
  };
}

/** An upstream session, logged in and ready for a query. */
export interface UpstreamConnection {
  readonly socket: Socket | TLSSocket;
  /** Holds any bytes read past the first ReadyForQuery. */
  readonly reader: FrameReader;
  /** ParameterStatus messages, as received, to pass on to the client. */
  readonly parameterStatus: readonly Buffer[];
  readonly backendKey: BackendKeyData;
}

/** The upstream refused or failed the login: its error fields, kept for Airlock's log only. */
export class UpstreamLoginError extends Error {
  override readonly name = 'UpstreamLoginError';
  constructor(
    message: string,
    readonly fields?: NoticeFields,
  ) {
    super(message);
  }
}

/** The upstream's session would read SQL other than as Airlock parses it (reading.ts). */
export class UpstreamReadingError extends UpstreamLoginError {}

/**
 * Opens a session on the upstream with the real credential: TCP (and TLS per `tls`), the
 * startup message, then cleartext, MD5 or SCRAM-SHA-256 as the server asks.
 */
export async function connectUpstream(target: UpstreamTarget, parameters: Readonly<Record<string, string>>): Promise<UpstreamConnection> {
  const socket = await openSocket(target);
  try {
    const stream = new FrameStream(socket, target.timeoutMs);
    socket.write(toServer.startupMessage({ ...parameters, user: target.user, database: target.database }));
    const parameterStatus: Buffer[] = [];
    const reported = new Map<string, string>();
    let backendKey: BackendKeyData | undefined;
    let scram: ScramClient | undefined;
    for (;;) {
      const message = parseBackend(await stream.next());
      if (message instanceof Authentication) {
        switch (message.code) {
          case 0:
            break;
          case 3:
            socket.write(toServer.password(passwordOf(target)));
            break;
          case 5:
            socket.write(toServer.password(md5Password(target.user, passwordOf(target), message.data.subarray(0, 4))));
            break;
          case 10: {
            const mechanisms = message.data.toString('utf8').split('\0').filter(Boolean);
            if (!mechanisms.includes('SCRAM-SHA-256')) throw new UpstreamLoginError(`the upstream offers only ${mechanisms.join(', ')}`);
            scram = new ScramClient(passwordOf(target));
            socket.write(toServer.saslInitialResponse('SCRAM-SHA-256', scram.clientFirst()));
            break;
          }
          case 11:
            if (!scram) throw new UpstreamLoginError('the upstream continued a SASL exchange that was not started');
            socket.write(toServer.saslResponse(scram.clientFinal(message.data)));
            break;
          case 12:
            if (!scram) throw new UpstreamLoginError('the upstream finished a SASL exchange that was not started');
            scram.verifyServerFinal(message.data);
            break;
          default:
            throw new UpstreamLoginError(`the upstream asks for authentication method ${message.code}, which Airlock does not support`);
        }
      } else if (message instanceof ParameterStatus) {
        parameterStatus.push(Buffer.from(message.raw));
        reported.set(message.parameter.toLowerCase(), message.value);
      } else if (message instanceof BackendKeyData) {
        backendKey = message;
      } else if (message instanceof ErrorResponse) {
        throw new UpstreamLoginError(`${message.fields.C ?? ''} ${message.fields.M ?? 'the upstream refused the login'}`.trim(), message.fields);
      } else if (message instanceof ReadyForQuery) {
        const problem = loginReadingProblem(reported);
        if (problem) throw new UpstreamReadingError(problem);
        stream.detach();
        if (!backendKey) backendKey = new BackendKeyData(Buffer.alloc(0), 0, Buffer.alloc(4));
        return { socket, reader: stream.reader, parameterStatus, backendKey };
      }
      // NoticeResponse and NegotiateProtocolVersion during startup are not the client's concern.
    }
  } catch (error) {
    socket.destroy();
    throw error;
  }
}

/** Sends a CancelRequest for an upstream session, on a connection of its own. */
export async function cancelUpstream(target: UpstreamTarget, key: BackendKeyData): Promise<void> {
  const socket = await openSocket(target);
  await new Promise<void>((resolve) => {
    socket.once('close', () => resolve());
    socket.once('error', () => resolve());
    socket.end(toServer.cancelRequest(key.processId, key.secretKey));
  });
}

function passwordOf(target: UpstreamTarget): string {
  if (!target.password) throw new UpstreamLoginError(`the upstream asks for a password and none is configured for ${target.name}`);
  return target.password.reveal();
}

async function openSocket(target: UpstreamTarget): Promise<Socket | TLSSocket> {
  const socket = await new Promise<Socket>((resolve, reject) => {
    const s = connectTcp({ host: target.host, port: target.port });
    const timer = setTimeout(() => {
      s.destroy();
      reject(new UpstreamLoginError(`no answer from ${target.host}:${target.port} within ${target.timeoutMs} ms`));
    }, target.timeoutMs);
    s.once('connect', () => {
      clearTimeout(timer);
      resolve(s);
    });
    s.once('error', (error) => {
      clearTimeout(timer);
      reject(new UpstreamLoginError(`cannot reach ${target.host}:${target.port} (${(error as NodeJS.ErrnoException).code ?? error.message})`));
    });
  });
  socket.setNoDelay(true);
  if (target.tls === 'disable') return socket;
  socket.write(toServer.sslRequest());
  const answer = await new Promise<string>((resolve, reject) => {
    socket.once('data', (chunk: Buffer) => resolve(String.fromCharCode(chunk[0]!)));
    socket.once('error', reject);
    socket.once('close', () => reject(new UpstreamLoginError('the upstream closed the connection during SSL negotiation')));
  });
  socket.removeAllListeners('error');
  socket.removeAllListeners('close');
  if (answer === 'N') {
    if (target.tls === 'prefer') return socket;
    socket.destroy();
    throw new UpstreamLoginError(`the upstream does not offer TLS, and ${target.name} is configured with tls: ${target.tls}`);
  }
  if (answer !== 'S') {
    socket.destroy();
    throw new UpstreamLoginError('the upstream answered the SSL request with something else');
  }
  const verify = target.tls === 'verify-full';
  return new Promise<TLSSocket>((resolve, reject) => {
    const tls = connectTls({
      socket,
      ...(isIP(target.host) ? {} : { servername: target.host }),
      rejectUnauthorized: verify,
      ...(verify && target.ca ? { ca: target.ca } : {}),
    });
    tls.once('secureConnect', () => {
      tls.removeAllListeners('error');
      resolve(tls);
    });
    tls.once('error', (error) => reject(new UpstreamLoginError(`TLS with the upstream failed: ${error.message}`)));
  });
}

/** Frames from a socket, awaited one by one; for the short exchanges of login. */
class FrameStream {
  readonly reader = new FrameReader();
  private waiting: { resolve: (frame: Buffer) => void; reject: (error: Error) => void } | undefined;
  private failure: Error | undefined;
  private readonly onData = (chunk: Buffer) => {
    this.reader.push(chunk);
    this.deliver();
  };
  private readonly onError = (error: Error) => this.fail(new UpstreamLoginError(`the upstream connection failed: ${error.message}`));
  private readonly onClose = () => this.fail(new UpstreamLoginError('the upstream closed the connection during login'));
  private readonly timer: NodeJS.Timeout;

  constructor(
    private readonly socket: Socket,
    timeoutMs: number,
  ) {
    socket.on('data', this.onData);
    socket.on('error', this.onError);
    socket.on('close', this.onClose);
    this.timer = setTimeout(() => this.fail(new UpstreamLoginError(`the upstream did not complete the login within ${timeoutMs} ms`)), timeoutMs);
  }

  next(): Promise<Buffer> {
    return new Promise((resolve, reject) => {
      this.waiting = { resolve, reject };
      this.deliver();
    });
  }

  /** Stops reading; the socket stays paused until its next owner resumes it. */
  detach(): void {
    clearTimeout(this.timer);
    this.socket.pause();
    this.socket.off('data', this.onData);
    this.socket.off('error', this.onError);
    this.socket.off('close', this.onClose);
  }

  private deliver(): void {
    if (!this.waiting) return;
    if (this.failure) {
      const { reject } = this.waiting;
      this.waiting = undefined;
      reject(this.failure);
      return;
    }
    let frame: Buffer | undefined;
    try {
      frame = this.reader.next();
    } catch (error) {
      this.fail(error as Error);
      return;
    }
    if (frame) {
      const { resolve } = this.waiting;
      this.waiting = undefined;
      resolve(frame);
    }
  }

  private fail(error: Error): void {
    this.failure ??= error;
    this.deliver();
  }
}
