import { describe, expect, it } from 'vitest';
import { credentialsNotTheAgentsOwn, OTHER_AWS_KEY, REAL_AWS_KEY } from '../../../src/doors/http/tripwire.js';
import { generateToken } from '../../../src/identity/token-format.js';

const SECRETS = [{ label: 'upstream railway', value: 'rw_0123456789abcdef0123456789abcdef' }];

describe('credentials in an opened request that are not the agent’s own', () => {
  it('finds none in an SDK’s ordinary headers', async () => {
    const headers = {
      host: 'backboard.railway.app',
      'user-agent': 'railway-cli/3.17.0',
      accept: 'application/json',
      'content-type': 'application/json',
      'x-request-id': '0f9d2c6a-8b1e-4c3f-a7d5-6e2b9c1f8a02',
      'airlock-hold': 'hold_36r2byq1ms86p11lc2ee',
    };
    expect(await credentialsNotTheAgentsOwn(headers, SECRETS, 'authorization')).toEqual([]);
  });

  it('names what it finds without the value', async () => {
    const found = await credentialsNotTheAgentsOwn(
      { authorization: `Bearer ${SECRETS[0]!.value}`, 'x-api-key': 'k_9f8e7d6c5b4a39281706f5e4d3c2b1a0' },
      SECRETS,
      'authorization',
    );
    expect(found.map((f) => f.what)).toEqual(expect.arrayContaining(['the credential Airlock holds for upstream railway', 'a credential in x_api_key']));
    expect(JSON.stringify(found)).not.toContain(SECRETS[0]!.value);
  });
});

describe('AWS access key ids that are not the agent’s own', () => {
  const KEY = 'AKIAZ5Q3R7WTXYJ4KM2P';
  const scope = '20261203/us-east-1/s3/aws4_request';
  const sigv4 = (keyId: string) => `AWS4-HMAC-SHA256 Credential=${keyId}/${scope}, SignedHeaders=host;x-amz-date, Signature=${'ab'.repeat(32)}`;
  const presigned = (credential: string) =>
    `/orders/a.txt?X-Amz-Algorithm=AWS4-HMAC-SHA256&X-Amz-Credential=${credential}&X-Amz-Date=20261203T120000Z&X-Amz-Expires=300&X-Amz-SignedHeaders=host&X-Amz-Signature=${'cd'.repeat(32)}`;
  const whats = async (headers: Record<string, string>, target = '/') => (await credentialsNotTheAgentsOwn(headers, [], undefined, target)).map((f) => f.what);

  it.each([
    ['in a SigV4 Authorization header', { authorization: sigv4(KEY) }, '/'],
    ['in lower case', { authorization: sigv4(KEY.toLowerCase()) }, '/'],
    ['with the scheme and the field in lower case', { authorization: sigv4(KEY).toLowerCase() }, '/'],
    ['percent-encoded in the header', { authorization: sigv4(encodeURIComponent(KEY).replace('A', '%41')) }, '/'],
    ['in a SigV2 Authorization header', { authorization: `AWS ${KEY}:frJIUN8DYpKDtOLCwo//yllqDzg=` }, '/'],
    ['in another header', { 'x-amz-credential': `${KEY}/${scope}` }, '/'],
    ['in a header named like no credential', { 'x-request-context': `caller=${KEY}` }, '/'],
    ['in a presigned query', {}, presigned(`${KEY}%2F${scope.replace(/\//g, '%2F')}`)],
    ['in a presigned query, the key percent-encoded', {}, presigned(`%41%4B%49%41${KEY.slice(4)}%2F${scope}`)],
    ['in a presigned query, encoded twice', {}, presigned(encodeURIComponent(encodeURIComponent(`${KEY}/${scope}`)))],
    ['in a presigned query whose parameter name is encoded', {}, presigned(`${KEY}/${scope}`).replace('X-Amz-Credential', 'X%2DAmz%2DCredential')],
    ['in a SigV2 presigned query', {}, `/orders/a.txt?AWSAccessKeyId=${KEY}&Expires=1767225600&Signature=abc`],
    ['in any query parameter', {}, `/graphql/v2?key=${KEY.toLowerCase()}`],
    ['in the path', {}, `/keys/${KEY}/rotate`],
  ])('finds a real key id %s', async (_case, headers, target) => {
    const found = await whats(headers, target);
    expect(found).toContain(REAL_AWS_KEY);
    expect(JSON.stringify(found)).not.toMatch(/Z5Q3R7/i);
  });

  it('finds a key id that is no Airlock token and no AWS format, where a SigV4 signature names it', async () => {
    expect(await whats({ authorization: sigv4('found-in-a-dotfile') })).toEqual([OTHER_AWS_KEY]);
    expect(await whats({}, presigned(`found-in-a-dotfile/${scope}`))).toEqual([OTHER_AWS_KEY]);
    // A second Credential= after the agent's own.
    expect(await whats({ authorization: `${sigv4(generateToken().token)}, Credential=found-in-a-dotfile/${scope}` })).toEqual([OTHER_AWS_KEY]);
  });

  it('finds nothing in the agent’s own signature (its Airlock token as the key id), header or presigned', async () => {
    const token = generateToken().token;
    expect(await whats({ authorization: sigv4(token), 'x-amz-date': '20261203T120000Z', 'x-amz-content-sha256': 'UNSIGNED-PAYLOAD' })).toEqual([]);
    expect(await whats({}, presigned(encodeURIComponent(`${token}/${scope}`)))).toEqual([]);
  });

  it('finds nothing in look-alikes: too short, too long, or inside a longer word', async () => {
    expect(await whats({ 'x-note': 'AKIA1234', 'x-id': `${KEY}XYZ`, 'x-word': `prefix${KEY}` }, '/asia/pacific')).toEqual([]);
  });
});
