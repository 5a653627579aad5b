import { describe, expect, it } from 'vitest';
import { credentialsNotTheAgentsOwn } from '../../../src/doors/http/tripwire.js';

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
