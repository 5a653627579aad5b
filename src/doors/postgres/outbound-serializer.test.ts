import { describe, expect, it } from 'vitest';
import { toClient, toServer } from './serializer.js';

describe('toClient', () => {
  it('writes ReadyForQuery as Z, length 5, status', () => {
    expect([...toClient.readyForQuery('T')]).toEqual([0x5a, 0, 0, 0, 5, 0x54]);
  });

  it('writes AuthenticationCleartextPassword as R 3', () => {
    expect([...toClient.authenticationCleartextPassword()]).toEqual([0x52, 0, 0, 0, 8, 0, 0, 0, 3]);
  });

  it('writes ErrorResponse fields in order, each NUL-terminated, then a NUL', () => {
    expect(toClient.errorResponse({ S: 'ERROR', C: '42501' }).toString('latin1')).toBe('E\0\0\0\x13SERROR\0C42501\0\0');
  });

  it('drops NUL bytes inside a field rather than end the field early', () => {
    expect(toClient.noticeResponse({ M: 'a\0b' }).toString('latin1')).toBe('N\0\0\0\x09Mab\0\0');
  });

  it('writes NegotiateProtocolVersion with the unrecognised options', () => {
    expect(toClient.negotiateProtocolVersion(0, ['_pq_.x']).toString('latin1')).toBe('v\0\0\0\x13\0\0\0\0\0\0\0\x01_pq_.x\0');
  });
});

describe('toServer', () => {
  it('writes a StartupMessage for protocol 3.0 without a type byte', () => {
    const startup = toServer.startupMessage({ user: 'u' });
    expect(startup.readInt32BE(0)).toBe(startup.length);
    expect(startup.readInt32BE(4)).toBe(196608);
    expect(startup.subarray(8).toString('latin1')).toBe('user\0u\0\0');
  });

  it('writes Bind with NULL as length -1', () => {
    const bind = toServer.bind('', 's', [], [null]);
    expect(bind.toString('latin1')).toBe('B\0\0\0\x11\0s\0\0\0\0\x01\xff\xff\xff\xff\0\0');
  });
});
