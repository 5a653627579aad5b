import { Hash } from '@smithy/hash-node';
import { SignatureV4 } from '@smithy/signature-v4';
import { describe, expect, it } from 'vitest';
import { encodeRfc3986, readSignature, verifySignature } from './sigv4.js';

const SECRET = 'alk_example-secret';
const NOW = new Date('2026-06-01T10:00:00Z');

function signer(service: string) {
  return new SignatureV4({
    credentials: { accessKeyId: 'KEY', secretAccessKey: SECRET },
    region: 'eu-west-1',
    service,
    sha256: Hash.bind(null, 'sha256'),
    uriEscapePath: service !== 's3',
  });
}

function arrived(method: string, path: string, query: Record<string, string>, headers: Record<string, string>, body = '') {
  const search = Object.entries(query)
    .map(([key, value]) => `${encodeRfc3986(key)}=${encodeRfc3986(value)}`)
    .join('&');
  return { method, target: search ? `${path}?${search}` : path, rawHeaders: Object.entries(headers).flat(), body: Buffer.from(body) };
}

async function signedBySmithy(
  service: string,
  method: string,
  path: string,
  query: Record<string, string>,
  headers: Record<string, string>,
  body = '',
  at = NOW,
) {
  const request = { method, protocol: 'http:', hostname: '127.0.0.1', port: 4100, path, query, headers: { host: '127.0.0.1:4100', ...headers }, body };
  const signed = await signer(service).sign(request, { signingDate: at });
  return arrived(method, path, query, signed.headers as Record<string, string>, body);
}

function check(request: ReturnType<typeof arrived>, service: string, secret = SECRET, now = NOW) {
  const read = readSignature(request);
  if (!read.ok) return read;
  return verifySignature(read, request, secret, now, { doubleEncodePath: service !== 's3' });
}

describe('checking SigV4 signatures', () => {
  it('accepts what the AWS SDK signs, for S3 and for a JSON service', async () => {
    const s3 = await signedBySmithy(
      's3',
      'GET',
      '/u/aws/orders/a%20b.txt',
      { 'list-type': '2', prefix: 'a b' },
      { 'x-amz-content-sha256': 'UNSIGNED-PAYLOAD' },
    );
    expect(check(s3, 's3')).toEqual({ ok: true });
    const dynamo = await signedBySmithy(
      'dynamodb',
      'POST',
      '/u/aws/',
      {},
      { 'x-amz-target': 'DynamoDB_20120810.ListTables', 'content-type': 'application/x-amz-json-1.0' },
      '{}',
    );
    expect(check(dynamo, 'dynamodb')).toEqual({ ok: true });
  });

  it('refuses a signature made with another secret, a changed body or a changed path', async () => {
    const good = await signedBySmithy('dynamodb', 'POST', '/u/aws/', {}, { 'x-amz-target': 'DynamoDB_20120810.DeleteTable' }, '{"TableName":"a"}');
    expect(check(good, 'dynamodb', 'another')).toMatchObject({ ok: false, code: 'SignatureDoesNotMatch' });
    expect(check({ ...good, body: Buffer.from('{"TableName":"b"}') }, 'dynamodb')).toMatchObject({ ok: false, code: 'SignatureDoesNotMatch' });
    expect(check({ ...good, target: '/u/aws/x' }, 'dynamodb')).toMatchObject({ ok: false, code: 'SignatureDoesNotMatch' });
  });

  it('refuses a declared payload hash that is not the body, and chunked signing', async () => {
    const signed = await signedBySmithy('s3', 'PUT', '/orders/a', {}, { 'x-amz-content-sha256': 'a'.repeat(64) }, 'hello');
    expect(check(signed, 's3')).toMatchObject({ ok: false, code: 'SignatureDoesNotMatch', error: expect.stringContaining('SHA-256 of the body') });
    const chunked = await signedBySmithy('s3', 'PUT', '/orders/a', {}, { 'x-amz-content-sha256': 'STREAMING-AWS4-HMAC-SHA256-PAYLOAD' }, 'hello');
    expect(check(chunked, 's3')).toMatchObject({ ok: false, error: expect.stringContaining('chunk by chunk') });
  });

  it('refuses a request signed more than 15 minutes from now', async () => {
    const old = await signedBySmithy('s3', 'GET', '/', {}, { 'x-amz-content-sha256': 'UNSIGNED-PAYLOAD' }, '', new Date(NOW.getTime() - 16 * 60_000));
    expect(check(old, 's3')).toMatchObject({ ok: false, code: 'RequestTimeTooSkewed' });
  });

  it('accepts a presigned URL until it expires, then refuses it', async () => {
    const presigned = await signer('s3').presign(
      { method: 'GET', protocol: 'http:', hostname: '127.0.0.1', port: 4100, path: '/u/aws/orders/a.txt', query: {}, headers: { host: '127.0.0.1:4100' } },
      { signingDate: NOW, expiresIn: 60 },
    );
    const request = arrived('GET', '/u/aws/orders/a.txt', presigned.query as Record<string, string>, { host: '127.0.0.1:4100' });
    expect(check(request, 's3')).toEqual({ ok: true });
    expect(check(request, 's3', SECRET, new Date(NOW.getTime() + 61_000))).toMatchObject({
      ok: false,
      code: 'AccessDenied',
      error: expect.stringContaining('expired'),
    });
  });

  it.each([
    ['no signature at all', arrived('GET', '/', {}, { host: 'h' }), 'not signed'],
    ['a signature version Airlock does not read', arrived('GET', '/', {}, { host: 'h', authorization: 'AWS KEY:c2lnbmF0dXJl' }), 'not an AWS4-HMAC-SHA256'],
    [
      'a header and a presigned query at once',
      arrived('GET', '/', { 'X-Amz-Signature': 'ab' }, { host: 'h', authorization: 'AWS4-HMAC-SHA256 x' }),
      'signed twice',
    ],
    [
      'SignedHeaders without host',
      arrived(
        'GET',
        '/',
        {},
        {
          host: 'h',
          'x-amz-date': '20260601T100000Z',
          authorization: `AWS4-HMAC-SHA256 Credential=K/20260601/eu-west-1/s3/aws4_request, SignedHeaders=x-amz-date, Signature=${'0'.repeat(64)}`,
        },
      ),
      'including host',
    ],
    [
      'a date that is not the scope date',
      arrived(
        'GET',
        '/',
        {},
        {
          host: 'h',
          'x-amz-date': '20260602T100000Z',
          authorization: `AWS4-HMAC-SHA256 Credential=K/20260601/eu-west-1/s3/aws4_request, SignedHeaders=host;x-amz-date, Signature=${'0'.repeat(64)}`,
        },
      ),
      'scope',
    ],
  ])('refuses %s', (_what, request, error) => {
    expect(check(request, 's3')).toMatchObject({ ok: false, error: expect.stringContaining(error) });
  });
});
