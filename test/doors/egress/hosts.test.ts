import { describe, expect, it } from 'vitest';
import { allows, destinationOf, parseAbsoluteTarget, parseConnectAuthority } from '../../../src/doors/egress/hosts.js';
import { proxyCredentialOf } from '../../../src/doors/egress/proxy-auth.js';

const TOKEN = 'alk_';

describe('how the egress door reads where a request goes', () => {
  it.each([
    ['backboard.railway.app:443', { host: 'backboard.railway.app', port: 443 }],
    ['BackBoard.Railway.App.:443', { host: 'backboard.railway.app', port: 443 }],
    ['[::1]:8443', { host: '::1', port: 8443 }],
    ['127.0.0.1:5432', { host: '127.0.0.1', port: 5432 }],
  ])('reads CONNECT %s', (text, expected) => {
    expect(parseConnectAuthority(text)).toEqual(expected);
  });

  it.each([
    'backboard.railway.app',
    'user@backboard.railway.app:443',
    'backboard.railway.app:0',
    'host:99999',
    'a%2eb:443',
    'a/b:443',
    ':443',
    'back_board.app:443',
  ])('refuses CONNECT %s, which has no single reading', (text) => {
    expect(parseConnectAuthority(text)).toBeUndefined();
  });

  it('reads an absolute-form target and its path', () => {
    expect(parseAbsoluteTarget('http://example.org/a?b=1')).toEqual({ authority: { host: 'example.org', port: 80 }, path: '/a?b=1' });
    expect(parseAbsoluteTarget('http://example.org:8080')).toEqual({ authority: { host: 'example.org', port: 8080 }, path: '/' });
    expect(parseAbsoluteTarget('http://example.org?x')).toEqual({ authority: { host: 'example.org', port: 80 }, path: '/?x' });
    expect(parseAbsoluteTarget('http://user:pw@example.org/')).toBeUndefined();
    expect(parseAbsoluteTarget('https://example.org/')).toBeUndefined();
    expect(parseAbsoluteTarget('/relative')).toBeUndefined();
  });

  it('allows a host by name, a subdomain by wildcard, and only the ports named', () => {
    expect(allows('registry.npmjs.org', { host: 'registry.npmjs.org', port: 443 })).toBe(true);
    expect(allows('registry.npmjs.org', { host: 'registry.npmjs.org', port: 22 })).toBe(false);
    expect(allows('registry.npmjs.org', { host: 'evil-registry.npmjs.org', port: 443 })).toBe(false);
    expect(allows('*.pythonhosted.org', { host: 'files.pythonhosted.org', port: 443 })).toBe(true);
    expect(allows('*.pythonhosted.org', { host: 'pythonhosted.org', port: 443 })).toBe(false);
    expect(allows('*.pythonhosted.org', { host: 'evilpythonhosted.org', port: 443 })).toBe(false);
    expect(allows('localhost:8080', { host: 'localhost', port: 8080 })).toBe(true);
    expect(allows('localhost:8080', { host: 'localhost', port: 443 })).toBe(false);
  });

  it('opens upstream hosts, tunnels allowed ones and refuses the rest', () => {
    const rules = { upstreamHosts: new Map([['backboard.railway.app', 'railway']]), allow: ['registry.npmjs.org'] };
    expect(destinationOf({ host: 'backboard.railway.app', port: 443 }, rules)).toEqual({ kind: 'open', upstream: 'railway' });
    expect(destinationOf({ host: 'registry.npmjs.org', port: 443 }, rules)).toEqual({ kind: 'tunnel', rule: 'registry.npmjs.org' });
    expect(destinationOf({ host: 'backboard.railway.com', port: 443 }, rules)).toMatchObject({ kind: 'deny' });
  });
});

describe('the Airlock token an agent gives the proxy', () => {
  const token = `${TOKEN}${'x'.repeat(10)}`;
  it('is absent when no Proxy-Authorization is sent', () => {
    expect(proxyCredentialOf(undefined)).toEqual({ kind: 'none' });
  });

  it('is refused when it is not an Airlock token, and the value is not repeated', () => {
    const refused = proxyCredentialOf(`Basic ${Buffer.from(`agent:${token}`).toString('base64')}`);
    expect(refused.kind).toBe('bad');
    expect(JSON.stringify(refused)).not.toContain(token);
    expect(proxyCredentialOf('Digest abc')).toMatchObject({ kind: 'bad' });
  });
});
