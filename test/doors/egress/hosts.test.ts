import { describe, expect, it } from 'vitest';
import { awsHostsSchema } from '../../../src/config/upstreams/base.js';
import { graphqlUpstreamSchema } from '../../../src/config/upstreams/graphql.js';
import { s3PathOf } from '../../../src/doors/aws/door.js';
import { allows, destinationOf, parseAbsoluteTarget, parseConnectAuthority, upstreamHostFor } from '../../../src/doors/egress/hosts.js';
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

describe("an upstream's hosts: entries, as the egress and AWS doors match them", () => {
  const entries = new Map([
    ['s3.amazonaws.com', 'aws'],
    ['*.s3.amazonaws.com', 'aws'],
    ['*.amazonaws.com', 'other'],
    ['backboard.railway.app', 'railway'],
  ]);

  it.each([
    ['s3.amazonaws.com', { value: 'aws', entry: 's3.amazonaws.com' }],
    ['orders.s3.amazonaws.com', { value: 'aws', entry: '*.s3.amazonaws.com', subdomain: 'orders' }],
    ['my.dotted.bucket.s3.amazonaws.com', { value: 'aws', entry: '*.s3.amazonaws.com', subdomain: 'my.dotted.bucket' }],
    ['Orders.S3.AmazonAWS.com.', { value: 'aws', entry: '*.s3.amazonaws.com', subdomain: 'orders' }],
    ['dynamodb.us-east-1.amazonaws.com', { value: 'other', entry: '*.amazonaws.com', subdomain: 'dynamodb.us-east-1' }],
  ])('matches %s by the most specific entry', (host, expected) => {
    expect(upstreamHostFor(entries, host, 443)).toEqual(expected);
  });

  it.each(['amazonaws.com', 'evils3.amazonaws.com.example', 's3.amazonaws.com.evil.example', 'railway.app'])('matches nothing for %s', (host) => {
    expect(upstreamHostFor(new Map([...entries].filter(([entry]) => entry !== '*.amazonaws.com')), host, 443)).toBeUndefined();
  });

  it('opens a subdomain of a *. entry, and never the domain itself', () => {
    const rules = { upstreamHosts: entries, allow: [] };
    expect(destinationOf({ host: 'orders.s3.amazonaws.com', port: 443 }, rules)).toEqual({ kind: 'open', upstream: 'aws' });
    expect(destinationOf({ host: 'amazonaws.com', port: 443 }, rules).kind).toBe('deny');
  });

  it.each([
    ['/', { entry: '*.s3.amazonaws.com', name: 'orders' }, '/orders'],
    ['/a.txt', { entry: '*.s3.amazonaws.com', name: 'orders' }, '/orders/a.txt'],
    ['/2026/report.csv', { entry: '*.s3.eu-west-1.amazonaws.com', name: 'my.bucket' }, '/my.bucket/2026/report.csv'],
    ['/a.txt', { entry: '*.s3-us-west-2.amazonaws.com', name: 'orders' }, '/orders/a.txt'],
    ['/orders/a.txt', undefined, '/orders/a.txt'],
  ])('reads S3 %s on a bucket host in path style', (path, subdomain, expected) => {
    expect(s3PathOf(path, subdomain)).toEqual({ ok: true, path: expected });
  });

  it.each([
    ['under an entry that is not an S3 endpoint', { entry: '*.amazonaws.com', name: 'orders.s3' }],
    ['under a look-alike endpoint', { entry: '*.s3bucket.example', name: 'orders' }],
    ['that is no bucket name', { entry: '*.s3.amazonaws.com', name: 'a' }],
    ['with two dots in a row', { entry: '*.s3.amazonaws.com', name: 'my..bucket' }],
    ['shaped like an IP address', { entry: '*.s3.amazonaws.com', name: '10.0.0.1' }],
    ['in upper case', { entry: '*.s3.amazonaws.com', name: 'Orders' }],
  ])('refuses a subdomain %s', (_case, subdomain) => {
    expect(s3PathOf('/a.txt', subdomain).ok).toBe(false);
  });

  it('refuses a *. entry in a GraphQL or REST upstream, and a host that is not a host name', () => {
    const upstream = (hosts: string[]) => ({ name: 'railway', kind: 'graphql', url: 'https://backboard.railway.app/graphql/v2', hosts });
    expect(graphqlUpstreamSchema.safeParse(upstream(['backboard.railway.app'])).success).toBe(true);
    expect(graphqlUpstreamSchema.safeParse(upstream(['*.railway.app'])).success).toBe(false);
    expect(graphqlUpstreamSchema.safeParse(upstream(['https://backboard.railway.app'])).success).toBe(false);
    expect(awsHostsSchema.safeParse(['*.s3.amazonaws.com', 's3.amazonaws.com:443']).success).toBe(true);
    expect(awsHostsSchema.safeParse(['s3.*.amazonaws.com']).success).toBe(false);
  });
});
