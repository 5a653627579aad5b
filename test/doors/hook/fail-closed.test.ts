/**
 * The hook `airlock init` writes, run the way a harness runs it: `sh -c` with the payload on
 * stdin, in the harness's environment (a minimal PATH without `airlock`, the agent's token),
 * from a home where nothing of Airlock is installed. Whatever goes wrong, the command is not run.
 */
import { spawn } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { createServer, type AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { AIRLOCK_BIN, ROOT, startTestAirlock, type TestAirlock } from '../../support/airlock.js';
import { recordAttack } from '../../support/attacks.js';
import { payloads, victimFolder } from './support.js';

const MINIMAL_PATH = '/usr/bin:/bin';
let airlock: TestAirlock;
let home: string;
let agents = 0;
const scratch: string[] = [];

beforeAll(async () => {
  airlock = await startTestAirlock();
  home = mkdtempSync(join(tmpdir(), 'airlock-home-'));
  scratch.push(home);
});

afterAll(async () => {
  await airlock?.close();
  for (const dir of scratch) rmSync(dir, { recursive: true, force: true });
});

function project(): string {
  const dir = mkdtempSync(join(tmpdir(), 'airlock-project-'));
  scratch.push(dir);
  return dir;
}

/** A fresh agent per test: these tests are refused on purpose, and refusals add up. */
async function agentToken(): Promise<string> {
  return airlock.token(`coder-${++agents}`, ['read:*', 'write:local']);
}

/** What a harness passes its hooks: no inherited PATH with `airlock` on it, only what it was given. */
function harnessEnv(extra: NodeJS.ProcessEnv = {}): NodeJS.ProcessEnv {
  return { PATH: MINIMAL_PATH, HOME: home, ...extra };
}

function run(
  file: string,
  args: readonly string[],
  options: { input?: string; env: NodeJS.ProcessEnv; cwd: string },
): Promise<{ stdout: string; stderr: string; status: number | null }> {
  return new Promise((resolve, reject) => {
    const child = spawn(file, args, { cwd: options.cwd, env: options.env, stdio: ['pipe', 'pipe', 'pipe'] });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (chunk: Buffer) => (stdout += chunk.toString()));
    child.stderr.on('data', (chunk: Buffer) => (stderr += chunk.toString()));
    child.on('error', reject);
    child.on('close', (status) => resolve({ stdout, stderr, status }));
    // A command that exits before reading its stdin closes the pipe: not an error here.
    child.stdin.on('error', () => undefined);
    child.stdin.end(options.input ?? '');
  });
}

/** `airlock init <harness>`, started by absolute path from a shell where `airlock` is not a command. */
function init(harness: string, dir: string, env: NodeJS.ProcessEnv = {}) {
  return run(process.execPath, [AIRLOCK_BIN, 'init', harness, '--dir', dir], { env: harnessEnv(env), cwd: dir });
}

function writtenCommand(dir: string): string {
  const settings = JSON.parse(readFileSync(join(dir, '.claude/settings.json'), 'utf8')) as {
    hooks: { PreToolUse: { hooks: { command: string }[] }[] };
  };
  return settings.hooks.PreToolUse.at(-1)!.hooks[0]!.command;
}

/** The hook as Claude Code runs it. */
function asClaudeCode(command: string, payload: unknown, cwd: string, env: NodeJS.ProcessEnv) {
  return run('/bin/sh', ['-c', command], { input: JSON.stringify(payload), env: harnessEnv(env), cwd });
}

async function closedPort(): Promise<number> {
  const server = createServer();
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  await new Promise((resolve) => server.close(resolve));
  return port;
}

/**
 * Data outside the project that a destructive command would delete: not under /tmp, which
 * Airlock counts as scratch space (deleting there is a write).
 */
function victim(): { dir: string; command: string } {
  const dir = victimFolder('victim-');
  scratch.push(dir);
  writeFileSync(join(dir, 'customers.db'), 'rows');
  return { dir, command: `rm -rf ${dir}` };
}

/**
 * One tool call as Claude Code handles it: the hook first; exit 2, or exit 0 with a deny,
 * blocks; anything else (exit 127 included) lets the command run.
 */
async function claudeCodeToolCall(hookCommand: string, command: string, cwd: string, env: NodeJS.ProcessEnv) {
  const hook = await asClaudeCode(hookCommand, payloads.claudeCode('Bash', { command }, cwd), cwd, env);
  let denied = hook.status === 2;
  if (hook.status === 0 && hook.stdout.trim()) {
    denied = (JSON.parse(hook.stdout) as { hookSpecificOutput?: { permissionDecision?: string } }).hookSpecificOutput?.permissionDecision === 'deny';
  }
  if (!denied) await run('/bin/sh', ['-c', command], { env: harnessEnv(), cwd });
  return { hook, ran: !denied };
}

describe('the hook airlock init writes', () => {
  it('is not found as "airlock" on the harness PATH, so the test is meaningful', async () => {
    const found = await run('/bin/sh', ['-c', 'command -v airlock'], { env: harnessEnv(), cwd: ROOT });
    expect(found.status).not.toBe(0);
  });

  it('holds a destructive command, run as Claude Code runs it from a home without airlock on PATH', async () => {
    const dir = project();
    const token = await agentToken();
    const installed = await init('claude-code', dir, { AIRLOCK_AGENT_URL: airlock.url, AIRLOCK_TOKEN: token });
    expect(installed.status, installed.stderr).toBe(0);
    expect(installed.stdout).toContain('Airlock allowed it');
    const command = writtenCommand(dir);
    expect(command.startsWith(`${process.execPath} ${AIRLOCK_BIN} hook claude-code || `)).toBe(true);

    const target = victim();
    const { hook: result, ran } = await claudeCodeToolCall(command, target.command, dir, { AIRLOCK_AGENT_URL: airlock.url, AIRLOCK_TOKEN: token });
    expect(ran).toBe(false);
    expect(existsSync(join(target.dir, 'customers.db'))).toBe(true);
    expect(result.status).toBe(0);
    const answer = JSON.parse(result.stdout) as { hookSpecificOutput: { permissionDecision: string; permissionDecisionReason: string } };
    expect(answer.hookSpecificOutput.permissionDecision).toBe('deny');
    expect(answer.hookSpecificOutput.permissionDecisionReason).toContain('Airlock is holding this operation for a human');
    // Recorded and held in Airlock's store, not only answered.
    const [record] = await airlock.airlock.runtime.store.audit.list({ type: 'decision', limit: 1, newestFirst: true });
    expect(record).toMatchObject({ agent: `coder-${agents}`, verdict: 'hold', class: 'destructive' });
    const holdId = /hold (hold_[a-z0-9]+)/.exec(answer.hookSpecificOutput.permissionDecisionReason)?.[1];
    expect(await airlock.airlock.runtime.store.holds.get(holdId!)).toMatchObject({ status: 'pending', agent: `coder-${agents}` });
    recordAttack({
      door: 'hook',
      category: 'a hook that cannot judge',
      attack: 'rm -rf outside the project, from a harness whose PATH has no airlock',
      outcome: 'held',
      effect: 'files still there',
    });
  });

  it('denies a destructive command when Airlock cannot be reached, and the data is still there', async () => {
    const dir = project();
    expect((await init('claude-code', dir)).status).toBe(0);
    const port = await closedPort();
    const target = victim();
    const { hook, ran } = await claudeCodeToolCall(writtenCommand(dir), target.command, dir, {
      AIRLOCK_AGENT_URL: `http://127.0.0.1:${port}`,
      AIRLOCK_TOKEN: await agentToken(),
    });
    expect(ran).toBe(false);
    expect(existsSync(join(target.dir, 'customers.db'))).toBe(true);
    const answer = JSON.parse(hook.stdout) as { hookSpecificOutput: { permissionDecision: string; permissionDecisionReason: string } };
    expect(answer.hookSpecificOutput.permissionDecisionReason).toContain('Airlock could not be reached');
    recordAttack({
      door: 'hook',
      category: 'a hook that cannot judge',
      attack: 'rm -rf outside the project while Airlock is down',
      outcome: 'refused',
      effect: 'files still there',
    });
  });

  it('blocks with exit 2, the only failure Claude Code does not let through, when node or Airlock is gone', async () => {
    const dir = project();
    expect((await init('claude-code', dir)).status).toBe(0);
    const moved = writtenCommand(dir).replace(process.execPath, '/nonexistent/bin/node');
    const target = victim();
    const { hook, ran } = await claudeCodeToolCall(moved, target.command, dir, { AIRLOCK_TOKEN: await agentToken() });
    expect(ran).toBe(false);
    expect(existsSync(join(target.dir, 'customers.db'))).toBe(true);
    expect(hook.status).toBe(2);
    expect(hook.stderr).toContain("Airlock's hook could not run, so the command was not run");
    recordAttack({
      door: 'hook',
      category: 'a hook that cannot judge',
      attack: 'rm -rf outside the project when the hook command cannot start (node moved)',
      outcome: 'refused',
      effect: 'files still there',
    });
  });

  it('shows why this matters: the bare "airlock hook" form, not found on PATH, lets the same command run', async () => {
    const dir = project();
    const target = victim();
    const { hook, ran } = await claudeCodeToolCall('airlock hook claude-code', target.command, dir, { AIRLOCK_TOKEN: await agentToken() });
    expect(hook.status).toBe(127);
    expect(ran).toBe(true);
    expect(existsSync(join(target.dir, 'customers.db'))).toBe(false);
  });

  it('quotes paths with spaces and quotes so that sh reads them as one word', async () => {
    const { hookCommandLine } = await import('../../../src/doors/hook/launch.js');
    const line = hookCommandLine('cursor', { node: "/opt/it's node/bin/node", entry: '/opt/air lock/bin/airlock.js' });
    expect(line.startsWith(`'/opt/it'\\''s node/bin/node' '/opt/air lock/bin/airlock.js' hook cursor || `)).toBe(true);
    const echoed = await run('/bin/sh', ['-c', `printf '%s\\n' ${line.split(' hook ')[0]}`], { env: harnessEnv(), cwd: ROOT });
    expect(echoed.stdout).toBe("/opt/it's node/bin/node\n/opt/air lock/bin/airlock.js\n");
  });

  it('replaces a bare "airlock hook claude-code" written before, rather than keeping it beside the new one', async () => {
    const dir = project();
    const old = { hooks: { PreToolUse: [{ matcher: 'Bash', hooks: [{ type: 'command', command: 'airlock hook claude-code' }] }] } };
    mkdirSync(join(dir, '.claude'));
    writeFileSync(join(dir, '.claude/settings.json'), JSON.stringify(old));
    expect((await init('claude-code', dir)).status).toBe(0);
    const settings = JSON.parse(readFileSync(join(dir, '.claude/settings.json'), 'utf8')) as {
      hooks: { PreToolUse: { matcher: string; hooks: { command: string }[] }[] };
    };
    expect(settings.hooks.PreToolUse).toHaveLength(1);
    expect(settings.hooks.PreToolUse[0]!.matcher).toBe('Bash|mcp__.*');
    expect(settings.hooks.PreToolUse[0]!.hooks[0]!.command).toContain(`${AIRLOCK_BIN} hook claude-code || `);
  });

  it('is not written when it cannot run', async () => {
    const dir = project();
    const broken = await run(process.execPath, [AIRLOCK_BIN, 'init', 'codex', '--dir', dir, '--command', 'airlock-not-installed'], {
      env: harnessEnv(),
      cwd: dir,
    });
    expect(broken.status).toBe(1);
    expect(broken.stderr).toContain('the hook command does not run as Codex would run it');
    expect(broken.stderr).toContain('nothing was written');
    expect(() => readFileSync(join(dir, '.codex/hooks.json'))).toThrow();
  });
});

type Settings = { hooks: Record<string, { command?: string; hooks?: { command: string }[] }[]> };

describe('the hook airlock init writes for Cursor, Codex and Gemini CLI', () => {
  const harnesses = [
    {
      name: 'cursor',
      file: '.cursor/hooks.json',
      command: (settings: Settings) => settings.hooks.beforeShellExecution![0]!.command!,
      payload: (cwd: string) => payloads.cursorShell('rm -rf /srv/data', cwd),
      denied: (stdout: string) => (JSON.parse(stdout) as { permission: string }).permission === 'deny',
    },
    {
      name: 'codex',
      file: '.codex/hooks.json',
      command: (settings: Settings) => settings.hooks.PreToolUse![0]!.hooks![0]!.command,
      payload: (cwd: string) => payloads.codex('rm -rf /srv/data', cwd),
      denied: (stdout: string) =>
        (JSON.parse(stdout) as { hookSpecificOutput: { permissionDecision: string } }).hookSpecificOutput.permissionDecision === 'deny',
    },
    {
      name: 'gemini-cli',
      file: '.gemini/settings.json',
      command: (settings: Settings) => settings.hooks.BeforeTool![0]!.hooks![0]!.command,
      payload: (cwd: string) => payloads.gemini('rm -rf /srv/data', cwd),
      denied: (stdout: string) => (JSON.parse(stdout) as { decision: string }).decision === 'deny',
    },
  ];

  it.each(harnesses)('$name: denies in its own form when Airlock cannot be reached, and exits 2 when the command cannot start', async (harness) => {
    const dir = project();
    expect((await init(harness.name, dir)).status).toBe(0);
    const command = harness.command(JSON.parse(readFileSync(join(dir, harness.file), 'utf8')) as Settings);
    expect(command).toContain(`${AIRLOCK_BIN} hook ${harness.name} || `);
    const env = { AIRLOCK_AGENT_URL: `http://127.0.0.1:${await closedPort()}`, AIRLOCK_TOKEN: await agentToken() };
    const input = JSON.stringify(harness.payload(dir));
    const unreachable = await run('/bin/sh', ['-c', command], { input, env: harnessEnv(env), cwd: dir });
    expect(unreachable.status).toBe(0);
    expect(harness.denied(unreachable.stdout)).toBe(true);
    const gone = await run('/bin/sh', ['-c', command.replace(process.execPath, '/nonexistent/bin/node')], { input, env: harnessEnv(env), cwd: dir });
    expect(gone.status).toBe(2);
  });
});

describe('airlock doctor', () => {
  function doctor(dir: string, env: NodeJS.ProcessEnv) {
    return run(process.execPath, [AIRLOCK_BIN, 'doctor', '--dir', dir], { env: harnessEnv(env), cwd: dir });
  }

  it('reports Airlock, the token and each installed hook as in place, and exits 0', async () => {
    const dir = project();
    const token = await agentToken();
    const env = { AIRLOCK_AGENT_URL: airlock.url, AIRLOCK_TOKEN: token };
    expect((await init('claude-code', dir, env)).status).toBe(0);
    expect((await init('cursor', dir, env)).status).toBe(0);
    const result = await doctor(dir, env);
    expect(result.stdout).toMatch(/^ok {4}Airlock .*answers$/m);
    expect(result.stdout).toMatch(/^ok {4}token .*accepted by Airlock$/m);
    expect(result.stdout).toMatch(/^ok {4}Claude Code hook .*\.claude\/settings\.json: runs/m);
    expect(result.stdout).toMatch(/^ok {4}Cursor hook .*\.cursor\/hooks\.json: runs/m);
    expect(result.status, result.stdout).toBe(0);
  });

  it('finds a hook that fails open, a token Airlock refuses and an Airlock that does not answer, and exits 1', async () => {
    const dir = project();
    mkdirSync(join(dir, '.claude'));
    writeFileSync(
      join(dir, '.claude/settings.json'),
      JSON.stringify({ hooks: { PreToolUse: [{ matcher: 'Bash', hooks: [{ type: 'command', command: 'airlock hook claude-code' }] }] } }),
    );
    const forged = `alk_${'A'.repeat(50)}`;
    const bad = await doctor(dir, { AIRLOCK_AGENT_URL: airlock.url, AIRLOCK_TOKEN: forged });
    expect(bad.status).toBe(1);
    expect(bad.stdout).toMatch(/^FAIL {2}Claude Code hook .*exited 127.*Claude Code runs every command unjudged; rewrite it with airlock init claude-code$/m);
    expect(bad.stdout).toMatch(/^FAIL {2}token .*refused/m);
    const down = await doctor(dir, { AIRLOCK_AGENT_URL: `http://127.0.0.1:${await closedPort()}`, AIRLOCK_TOKEN: forged });
    expect(down.stdout).toMatch(/^FAIL {2}Airlock .*does not answer \(ECONNREFUSED\)/m);
  });
});
