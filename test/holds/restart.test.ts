/**
 * Pending holds and the schedule live in the store, not in the process: a killed Airlock comes
 * back with every hold as it was, runs what came due while it was down exactly once, and its
 * audit chain verifies. Runs the built CLI (npm run build first).
 */
import { rmSync } from 'node:fs';
import type { ChildProcess } from 'node:child_process';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { totpCode } from '../../src/identity/totp.js';
import { runCli, startAirlockProcess, writeTestConfig } from '../support/airlock.js';
import { eventually, startRecordingServer, type RecordingServer } from './support.js';
import type { DecideAnswer } from '../support/answers.js';

const POLICIES = {
  'delays.cedar': `
@id("vol-b-waits-an-hour")
@hold("mfa")
@delay("1h")
forbid (principal, action == Airlock::Action::"destructive", resource)
when { context.resources.contains("vol-b") };

@id("vol-c-waits-briefly")
@hold("mfa")
@delay("4s")
forbid (principal, action == Airlock::Action::"destructive", resource)
when { context.resources.contains("vol-c") };
`,
};

let upstream: RecordingServer;
let dir: string;
let configPath: string;
let child: ChildProcess | undefined;
let token: string;
const secrets: Record<string, string> = {};

const cli = (...args: string[]) => {
  const result = runCli(['--config', configPath, ...args]);
  if (result.status !== 0) throw new Error(`airlock ${args.join(' ')} failed (${result.status}): ${result.stderr}`);
  return result.stdout;
};
const json = <T>(...args: string[]) => JSON.parse(cli(...args, '--json')) as T;

async function send(url: string, path: string) {
  const response = await fetch(`${url}/u/api${path}`, { method: 'DELETE', headers: { authorization: `Bearer ${token}` } });
  return { status: response.status, body: (await response.json()) as DecideAnswer };
}

/** Resolves once the wall clock has reached `at` (ms), checked against the clock itself. */
async function untilTime(at: number): Promise<void> {
  while (Date.now() <= at) await new Promise((resolve) => setTimeout(resolve, Math.min(1000, at - Date.now() + 1)));
}

function kill(process: ChildProcess): Promise<void> {
  return new Promise((resolve) => {
    process.once('exit', () => resolve());
    process.kill('SIGKILL');
  });
}

beforeAll(async () => {
  upstream = await startRecordingServer();
  ({ dir, configPath } = writeTestConfig({
    policies: POLICIES,
    config: {
      baseline: { ignore: ['refusal-burst'], suspendOn: [] },
      upstreams: [
        {
          name: 'api',
          kind: 'rest',
          url: upstream.url,
          environment: 'production',
          rules: [{ method: 'DELETE', path: '/v1/volumes/{volumeId}', class: 'destructive', action: 'volumeDelete' }],
        },
      ],
    },
  }));
  cli('agent', 'add', 'deploy-bot');
  token = json<{ token: string }>('token', 'issue', '--agent', 'deploy-bot', '--scope', 'write:production').token;
  for (const name of ['alice', 'bob']) secrets[name] = json<{ secret: string }>('operator', 'add', name).secret;
}, 120_000);
afterAll(async () => {
  if (child && child.exitCode === null && child.signalCode === null) await kill(child);
  await upstream.close();
  rmSync(dir, { recursive: true, force: true });
});

describe('a killed Airlock', () => {
  it('comes back with its holds and schedule intact, runs what came due once, and its audit verifies', async () => {
    let airlock = await startAirlockProcess(configPath);
    child = airlock.process;

    const pending = await send(airlock.url, '/v1/volumes/vol-a');
    const later = await send(airlock.url, '/v1/volumes/vol-b');
    const soon = await send(airlock.url, '/v1/volumes/vol-c');
    for (const answer of [pending, later, soon]) expect(answer.body.verdict).toBe('hold');

    cli('hold', 'approve', later.body.holdId, '--as', 'alice', '--code', totpCode(secrets.alice!, new Date()));
    await kill(airlock.process);

    // Approved while Airlock is down (the CLI works on the store): due a few seconds from now.
    cli('hold', 'approve', soon.body.holdId, '--as', 'bob', '--code', totpCode(secrets.bob!, new Date()));
    const before = json<{ id: string; status: string; runAt?: string; expiresAt: string }[]>('hold', 'list');
    expect(before.map((h) => h.status).sort()).toEqual(['pending', 'scheduled', 'scheduled']);
    const scheduledSoon = before.find((h) => h.id === soon.body.holdId)!;
    // Stay down until its time has come (the wall clock passing runAt is the event), so that it
    // comes due while nothing is running.
    await untilTime(Date.parse(scheduledSoon.runAt ?? ''));
    expect(upstream.received.filter((r) => r.url === '/v1/volumes/vol-c')).toHaveLength(0);

    airlock = await startAirlockProcess(configPath);
    child = airlock.process;

    await eventually(() => upstream.received.find((r) => r.url === '/v1/volumes/vol-c'), 'the operation that came due while Airlock was down');
    const after = json<{ id: string; status: string; runAt?: string; expiresAt: string }[]>('hold', 'list', '--all');
    const byId = new Map(after.map((h) => [h.id, h]));
    expect(byId.get(pending.body.holdId)).toMatchObject({ status: 'pending', expiresAt: before.find((h) => h.id === pending.body.holdId)!.expiresAt });
    expect(byId.get(later.body.holdId)).toMatchObject({ status: 'scheduled', runAt: before.find((h) => h.id === later.body.holdId)!.runAt });
    expect(byId.get(soon.body.holdId)).toMatchObject({ status: 'executed' });

    // The agent asking again gets the same pending hold, not a new one.
    expect((await send(airlock.url, '/v1/volumes/vol-a')).body.holdId).toBe(pending.body.holdId);
    // Ran once, and stays run once: it is `executed`, which no transition leaves, and it was
    // started (`hold.running`, written before it is sent) exactly once.
    const records = cli('audit', 'tail', '--lines', '500', '--json')
      .trim()
      .split('\n')
      .map((line) => JSON.parse(line) as { type: string; holdId?: string });
    expect(records.filter((r) => r.type === 'hold.running' && r.holdId === soon.body.holdId)).toHaveLength(1);
    expect(records.find((r) => r.type === 'hold.executed' && r.holdId === soon.body.holdId)).toBeDefined();
    expect(upstream.received.filter((r) => r.url === '/v1/volumes/vol-c')).toHaveLength(1);
    expect(upstream.received.filter((r) => r.url !== '/v1/volumes/vol-c')).toHaveLength(0);

    await kill(airlock.process);
    const verify = runCli(['--config', configPath, 'audit', 'verify']);
    expect(verify.status, verify.stdout + verify.stderr).toBe(0);
    expect(verify.stdout).toMatch(/^ok: \d+ records, chain intact/);
    const trail = cli('audit', 'tail', '--lines', '100');
    for (const type of ['hold.approved', 'hold.running', 'hold.executed']) expect(trail).toContain(type);
  }, 180_000);
});
