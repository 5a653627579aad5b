import { statSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { totpCode } from '../../src/identity/totp.js';
import { startTestAirlock, type TestAirlock } from '../support/airlock.js';

let airlock: TestAirlock;
let token: string;

beforeAll(async () => {
  airlock = await startTestAirlock({
    config: {
      publicUrl: 'https://airlock.example.com',
      baseline: { ignore: ['refusal-burst'], suspendOn: [] },
      upstreams: [{ name: 'railway', kind: 'graphql', url: 'http://127.0.0.1:9/graphql', environment: 'production' }],
    },
  });
  token = await airlock.token('deploy-bot', ['write:staging']);
});
afterAll(() => airlock.close());

async function holdFor(volume: string): Promise<string> {
  const response = await fetch(`${airlock.url}/v1/decide`, {
    method: 'POST',
    headers: { 'content-type': 'application/json', authorization: `Bearer ${token}` },
    body: JSON.stringify({
      operation: {
        action: 'graphql:volumeDelete',
        class: 'destructive',
        upstream: 'railway',
        resources: [volume],
        summary: `mutation { volumeDelete(volumeId: "${volume}") }`,
      },
    }),
  });
  const body = (await response.json()) as { verdict: string; holdId: string };
  expect(body.verdict).toBe('hold');
  return body.holdId;
}

describe('airlock operator and airlock hold', () => {
  it('enrols an operator with a QR code and an otpauth URI, sealing the secret with a generated key file', () => {
    const result = airlock.cli(['operator', 'add', 'alice']);
    expect(result.status, result.stderr).toBe(0);
    expect(result.stdout).toMatch(/otpauth:\/\/totp\/Airlock:alice\?issuer=Airlock&secret=[A-Z2-7]+/);
    expect(result.stdout).toContain('▄');
    expect(result.stdout).toContain('This is the only time the key is shown');
    expect(result.stderr).toContain('AIRLOCK_SECRET_KEY is not set');
    expect(statSync(join(airlock.config.dataDir, 'secret.key')).mode & 0o777).toBe(0o600);

    const list = airlock.cli(['operator', 'list']);
    expect(list.stdout).toMatch(/^NAME\s+CREATEDAT/m);
    expect(list.stdout).toContain('alice');
    expect(list.stdout).not.toMatch(/[A-Z2-7]{32}/);
  });

  it('lists and shows a hold, approves it with a code once, and refuses the same code again', async () => {
    const enrolled = airlock.cli(['operator', 'add', 'bob', '--json']);
    const { secret } = JSON.parse(enrolled.stdout) as { secret: string };
    const first = await holdFor('vol-1');
    const second = await holdFor('vol-2');

    const list = airlock.cli(['hold', 'list']);
    expect(list.stdout).toMatch(new RegExp(`${first}\\s+pending\\s+deploy-bot\\s+graphql:volumeDelete\\s+railway\\s+production\\s+0/1 \\+code`));

    const show = airlock.cli(['hold', 'show', first]);
    expect(show.stdout).toContain(`hold ${first}  PENDING`);
    expect(show.stdout).toContain('mutation { volumeDelete(volumeId: "vol-1") }');
    expect(show.stdout).toContain(`https://airlock.example.com/holds/${first}`);
    expect(show.stdout).not.toContain(token);

    const code = totpCode(secret, new Date());
    const approved = airlock.cli(['hold', 'approve', first, '--as', 'bob', '--code', code]);
    expect(approved.status, approved.stderr).toBe(0);
    expect(approved.stdout).toContain(`hold ${first} APPROVED`);

    const replayed = airlock.cli(['hold', 'approve', second, '--as', 'bob', '--code', code]);
    expect(replayed.status).toBe(1);
    expect(replayed.stderr).toContain('already used');
  }, 60_000);

  it('shows the body of a held HTTP request decoded, as the text the agent sent', async () => {
    const query = 'mutation { volumeDelete(volumeId: "vol-text") }';
    const response = await fetch(`${airlock.url}/u/railway`, {
      method: 'POST',
      headers: { 'content-type': 'application/json', authorization: `Bearer ${token}` },
      body: JSON.stringify({ query }),
    });
    const answer = (await response.json()) as { errors: { extensions: { holdId: string } }[] };
    const id = answer.errors[0]!.extensions.holdId;
    const show = airlock.cli(['hold', 'show', id]);
    expect(show.status, show.stderr).toBe(0);
    expect(show.stdout).toContain(`body (${JSON.stringify({ query }).length} bytes):`);
    expect(show.stdout).toContain(JSON.stringify({ query }));
    expect(show.stdout).not.toContain(Buffer.from(JSON.stringify({ query })).toString('base64').slice(0, 24));
  });

  it('warns on approval that the approved request of a suspended agent will be refused', async () => {
    const enrolled = airlock.cli(['operator', 'add', 'carol', '--json']);
    const { secret } = JSON.parse(enrolled.stdout) as { secret: string };
    const id = await holdFor('vol-suspended');
    expect(airlock.cli(['agent', 'suspend', 'deploy-bot', '--reason', 'looking into it']).status).toBe(0);
    try {
      const approved = airlock.cli(['hold', 'approve', id, '--as', 'carol', '--code', totpCode(secret, new Date())]);
      expect(approved.status, approved.stderr).toBe(0);
      expect(approved.stdout).toContain(`hold ${id} APPROVED`);
      expect(approved.stderr).toContain('warning: agent deploy-bot is suspended (looking into it)');
      expect(approved.stderr).toContain('airlock agent resume deploy-bot');
    } finally {
      expect(airlock.cli(['agent', 'resume', 'deploy-bot']).status).toBe(0);
    }
  }, 60_000);

  it('denies and cancels holds, saying so', async () => {
    const denied = await holdFor('vol-3');
    const cancelled = await holdFor('vol-4');
    const deny = airlock.cli(['hold', 'deny', denied, '--reason', 'not during the migration']);
    expect(deny.stdout).toContain(`hold ${denied} denied (not during the migration)`);
    const cancel = airlock.cli(['hold', 'cancel', cancelled]);
    expect(cancel.stdout).toMatch(new RegExp(`hold ${cancelled} cancelled \\(cancelled by local:.+\\)`));
    const all = JSON.parse(airlock.cli(['hold', 'list', '--status', 'denied,cancelled', '--json']).stdout) as { id: string; status: string }[];
    expect(all.map((h) => [h.id, h.status])).toEqual(
      expect.arrayContaining([
        [denied, 'denied'],
        [cancelled, 'cancelled'],
      ]),
    );
    const again = airlock.cli(['hold', 'deny', denied]);
    expect(again.status).toBe(1);
    expect(again.stderr).toContain('is denied; it can no longer be denied');
  }, 60_000);
});
