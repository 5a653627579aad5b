import type { Socket } from 'node:net';
import type { DenyCode } from '../../core/verdict.js';
import { problemRefusal, type Refused } from '../http/refusal.js';

export { send as sendRefusal } from '../http/door.js';

/** A refusal made by the proxy itself (a host nobody allowed, a bad proxy credential). */
export function egressRefusal(code: DenyCode, reason: string): Refused {
  return { kind: 'deny', code, reasons: [reason], policies: ['airlock/egress'] };
}

const REASON_PHRASES: Record<number, string> = {
  400: 'Bad Request',
  403: 'Forbidden',
  407: 'Proxy Authentication Required',
  500: 'Internal Server Error',
  502: 'Bad Gateway',
  503: 'Service Unavailable',
};

/**
 * The answer to a CONNECT that is not let through, written on the raw socket: the same problem
 * document as every HTTP refusal, and a Proxy-Status field (RFC 9209) that names the reason, since
 * many clients print only the status line of a failed CONNECT.
 */
export function connectRefusal(socket: Socket, verdict: Refused, status: number): void {
  if (!socket.writable) return void socket.destroy();
  const refusal = problemRefusal(verdict, status);
  const body = Buffer.from(refusal.body, 'utf8');
  const error =
    status === 407 ? 'proxy_auth_required' : status === 403 ? 'destination_ip_prohibited' : status === 502 ? 'destination_unavailable' : 'proxy_internal_error';
  const headers: Record<string, string> = {
    ...refusal.headers,
    'proxy-status': `airlock; error=${error}; details=${JSON.stringify(verdict.reasons.join('; ').replace(/[^\x20-\x7e]/g, '?'))}`,
    'content-length': String(body.length),
    connection: 'close',
    ...(status === 407 ? { 'proxy-authenticate': 'Basic realm="airlock"' } : {}),
  };
  const head = `HTTP/1.1 ${status} ${REASON_PHRASES[status] ?? 'Refused'}\r\n${Object.entries(headers)
    .map(([name, value]) => `${name}: ${value}`)
    .join('\r\n')}\r\n\r\n`;
  socket.end(Buffer.concat([Buffer.from(head, 'latin1'), body]));
}
