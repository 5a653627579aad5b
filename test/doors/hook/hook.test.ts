import { mkdtempSync, rmSync } from 'node:fs';
import { createServer, type AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startTestAirlock, type TestAirlock } from '../../support/airlock.js';
import { airlockCli, payloads } from './support.js';

const RAILWAY_TOKEN = `rw-${'9f3a1c7e2b5d'.repeat(3)}`;
const INCIDENT = (bearer: string) =>
  `curl -X POST -H "Authorization: Bearer ${bearer}" -d '{"query":"mutation { volumeDelete(volumeId: \\"vol_prod_db\\") }"}' https://backboard.railway.app/graphql/v2`;

let airlock: TestAirlock;
let token: string;
let workspace: string;
let env: NodeJS.ProcessEnv;

beforeAll(async () => {
  process.env.AIRLOCK_TEST_RAILWAY_TOKEN = RAILWAY_TOKEN;
  workspace = mkdtempSync(join(tmpdir(), 'airlock-hook-ws-'));
  airlock = await startTestAirlock({
    config: {
      upstreams: [
        {
          name: 'railway',
          kind: 'graphql',
          url: 'https://backboard.railway.app/graphql/v2',
          credential: { bearer: { env: 'AIRLOCK_TEST_RAILWAY_TOKEN' } },
          environment: 'production',
        },
      ],
    },
  });
  token = await airlock.token('coder', ['read:*', 'write:local']);
  env = { AIRLOCK_AGENT_URL: airlock.url, AIRLOCK_TOKEN: token };
});

afterAll(async () => {
  await airlock?.close();
  rmSync(workspace, { recursive: true, force: true });
});

let agents = 0;

/**
 * Each call as a new agent: Airlock suspends an agent after a burst of refusals, and these
 * tests refuse on purpose.
 */
async function hook(harness: string, payload: unknown, extra: NodeJS.ProcessEnv = {}) {
  const fresh = await airlock.token(`coder-${++agents}`, ['read:*', 'write:local']);
  return airlockCli(['hook', harness], JSON.stringify(payload).replaceAll(token, fresh), { ...env, AIRLOCK_TOKEN: fresh, ...extra });
}

/** A port nothing listens on. */
async function closedPort(): Promise<number> {
  const server = createServer();
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  await new Promise((resolve) => server.close(resolve));
  return port;
}

async function lastDecision() {
  const records = await airlock.airlock.runtime.store.audit.list({ type: 'decision', limit: 1, newestFirst: true });
  return records[0];
}

describe('airlock hook claude-code', () => {
  it('lets a read run without an answer, leaving Claude Code its own permission rules', async () => {
    const result = await hook('claude-code', payloads.claudeCode('Bash', { command: 'ls -la && git status', description: 'List files' }, workspace));
    expect(result).toMatchObject({ stdout: '', status: 0 });
  });

  it("holds the incident's curl and denies it in PreToolUse form, quoting the hold", async () => {
    const result = await hook('claude-code', payloads.claudeCode('Bash', { command: INCIDENT(token), description: 'Delete the volume' }, workspace));
    expect(result.status).toBe(0);
    const answer = JSON.parse(result.stdout) as { hookSpecificOutput: Record<string, string> };
    expect(Object.keys(answer)).toEqual(['hookSpecificOutput']);
    expect(Object.keys(answer.hookSpecificOutput)).toEqual(['hookEventName', 'permissionDecision', 'permissionDecisionReason']);
    expect(answer.hookSpecificOutput.hookEventName).toBe('PreToolUse');
    expect(answer.hookSpecificOutput.permissionDecision).toBe('deny');
    const reason = answer.hookSpecificOutput.permissionDecisionReason!;
    const holdId = /hold (\S+?)\)/.exec(reason)?.[1];
    expect(reason).toMatch(/^Airlock is holding this operation for a human \(hold /);
    expect(reason).toContain('Stop. Do not retry this operation');
    expect(reason).toContain('run exactly the same command again');
    const hold = await airlock.airlock.runtime.store.holds.get(holdId!);
    expect(hold).toMatchObject({
      operation: { door: 'hook', upstream: 'railway', action: 'graphql:volumeDelete', class: 'destructive', environment: 'production' },
      status: 'pending',
    });
  });

  it("refuses the incident's curl with the real Railway token as a credential that is not the agent's own, never echoing it", async () => {
    const result = await hook('claude-code', payloads.claudeCode('Bash', { command: INCIDENT(RAILWAY_TOKEN) }, workspace));
    const reason = (JSON.parse(result.stdout) as { hookSpecificOutput: { permissionDecision: string; permissionDecisionReason: string } }).hookSpecificOutput;
    expect(reason.permissionDecision).toBe('deny');
    expect(reason.permissionDecisionReason).toMatch(/^Airlock refused this operation: the command uses a credential that is not the agent's own/);
    expect(result.stdout + result.stderr).not.toContain(RAILWAY_TOKEN);
    const record = await lastDecision();
    expect(record).toMatchObject({ door: 'hook', verdict: 'deny', code: 'forbidden', policies: ['airlock/raw-credential'] });
    expect(JSON.stringify(record)).not.toContain(RAILWAY_TOKEN);
  });

  it('does not judge tools other than Bash and MCP tools', async () => {
    const result = await hook('claude-code', payloads.claudeCode('Read', { file_path: join(workspace, 'README.md') }, workspace));
    expect(result).toMatchObject({ stdout: '', status: 0 });
  });

  it('fails closed when Airlock cannot be reached', async () => {
    const port = await closedPort();
    const result = await hook('claude-code', payloads.claudeCode('Bash', { command: 'ls' }, workspace), { AIRLOCK_AGENT_URL: `http://127.0.0.1:${port}` });
    const answer = JSON.parse(result.stdout) as { hookSpecificOutput: { permissionDecision: string; permissionDecisionReason: string } };
    expect(answer.hookSpecificOutput.permissionDecision).toBe('deny');
    expect(answer.hookSpecificOutput.permissionDecisionReason).toBe(
      `Airlock refused this operation: Airlock could not be reached at http://127.0.0.1:${port} (ECONNREFUSED), so the command was not run. ` +
        'Stop. Do not retry this operation, do not try another way to achieve it, and do not look for other credentials or tokens. Ask your operator what to do.',
    );
  });

  it('still reaches Airlock through the older AIRLOCK_URL when AIRLOCK_AGENT_URL is not set', async () => {
    const result = await hook('claude-code', payloads.claudeCode('Bash', { command: 'ls' }, workspace), { AIRLOCK_AGENT_URL: '', AIRLOCK_URL: airlock.url });
    expect(result).toMatchObject({ stdout: '', status: 0 });
    expect(await lastDecision()).toMatchObject({ verdict: 'allow', agent: `coder-${agents}` });
  });

  it('fails closed without a token', async () => {
    const result = await hook('claude-code', payloads.claudeCode('Bash', { command: 'ls' }, workspace), { AIRLOCK_TOKEN: '' });
    expect(JSON.parse(result.stdout).hookSpecificOutput.permissionDecisionReason).toContain('no Airlock token is set');
  });

  it('refuses a command Airlock cannot parse', async () => {
    const result = await hook('claude-code', payloads.claudeCode('Bash', { command: 'echo "unterminated' }, workspace));
    expect(JSON.parse(result.stdout).hookSpecificOutput.permissionDecisionReason).toContain('Airlock cannot read this command');
  });

  it('refuses a payload that is not JSON', async () => {
    const result = await airlockCli(['hook', 'claude-code'], 'not json', env);
    expect(JSON.parse(result.stdout).hookSpecificOutput.permissionDecision).toBe('deny');
  });
});

describe('airlock hook codex', () => {
  it('answers in the PreToolUse form Codex shares with Claude Code', async () => {
    const allowed = await hook('codex', payloads.codex('npm test', workspace));
    expect(allowed).toMatchObject({ stdout: '', status: 0 });
    const held = await hook('codex', payloads.codex('railway volume delete --volume vol_prod_db', workspace));
    expect(JSON.parse(held.stdout)).toEqual({
      hookSpecificOutput: {
        hookEventName: 'PreToolUse',
        permissionDecision: 'deny',
        permissionDecisionReason: expect.stringMatching(/^Airlock is holding this operation/),
      },
    });
  });
});

describe('airlock hook cursor', () => {
  it('allows a read with permission allow', async () => {
    const result = await hook('cursor', payloads.cursorShell('git log --oneline -5', workspace));
    expect(JSON.parse(result.stdout)).toEqual({ permission: 'allow' });
  });

  it("denies the incident's curl with a message for the user and one for the agent", async () => {
    const result = await hook('cursor', payloads.cursorShell(INCIDENT(token), workspace));
    const answer = JSON.parse(result.stdout) as Record<string, string>;
    expect(Object.keys(answer)).toEqual(['permission', 'user_message', 'agent_message']);
    expect(answer.permission).toBe('deny');
    expect(answer.user_message).toMatch(/^Airlock is holding this operation for a human \(hold /);
    expect(answer.agent_message).toContain('Ask your operator to review hold');
  });

  it('holds an MCP tool whose name says it destroys', async () => {
    const result = await hook('cursor', payloads.cursorMcp('drop_database', { name: 'prod' }, workspace));
    expect(JSON.parse(result.stdout)).toMatchObject({ permission: 'deny' });
    expect(await lastDecision()).toMatchObject({ door: 'hook', action: 'mcp:drop_database', class: 'destructive', verdict: 'hold' });
  });

  it('judges the SQL an MCP tool carries by the SQL classifier', async () => {
    const result = await hook('cursor', payloads.cursorMcp('run_sql', { sql: 'DROP TABLE users' }, workspace));
    expect(JSON.parse(result.stdout)).toMatchObject({ permission: 'deny' });
    expect(await lastDecision()).toMatchObject({ door: 'hook', action: 'sql:DropStmt', class: 'destructive', verdict: 'hold' });
  });
});

describe('airlock hook gemini-cli', () => {
  it('answers {} to let a command run and decision deny with a reason to stop one', async () => {
    const allowed = await hook('gemini-cli', payloads.gemini('cat package.json', workspace));
    expect(allowed).toMatchObject({ stdout: '{}\n', status: 0 });
    const denied = await hook('gemini-cli', payloads.gemini('rm -rf /', workspace));
    const answer = JSON.parse(denied.stdout) as Record<string, string>;
    expect(Object.keys(answer)).toEqual(['decision', 'reason', 'systemMessage']);
    expect(answer.decision).toBe('deny');
    expect(answer.reason).toMatch(/^Airlock is holding this operation/);
    expect(answer.systemMessage).toMatch(/^Airlock: Airlock is holding/);
  });
});
