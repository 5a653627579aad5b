import { mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { AIRLOCK_BIN } from '../../support/airlock.js';
import { airlockCli } from './support.js';

/** The command init writes: this node and this Airlock by path, and exit 2 if it cannot start. */
const hookCommand = (harness: string, start = `${process.execPath} ${AIRLOCK_BIN}`) =>
  `${start} hook ${harness} || { echo "Airlock's hook could not run, so the command was not run (check it with: airlock doctor)" >&2; exit 2; }`;

const projects: string[] = [];
afterEach(() => {
  for (const dir of projects.splice(0)) rmSync(dir, { recursive: true, force: true });
});

function project(files: Record<string, string> = {}): string {
  const dir = mkdtempSync(join(tmpdir(), 'airlock-init-'));
  projects.push(dir);
  for (const [name, text] of Object.entries(files)) {
    mkdirSync(dirname(join(dir, name)), { recursive: true });
    writeFileSync(join(dir, name), text);
  }
  return dir;
}

const read = (dir: string, file: string) => JSON.parse(readFileSync(join(dir, file), 'utf8')) as { hooks: Record<string, unknown[]>; [key: string]: unknown };

describe('airlock init', () => {
  it("adds the PreToolUse hook to Claude Code's project settings, keeping every other setting and hook", async () => {
    const existing = {
      permissions: { allow: ['Bash(npm test:*)'], deny: ['Read(./.env)'] },
      hooks: {
        PreToolUse: [{ matcher: 'Write', hooks: [{ type: 'command', command: 'prettier-check' }] }],
        Stop: [{ hooks: [{ type: 'command', command: 'notify' }] }],
      },
      model: 'sonnet',
    };
    const dir = project({ '.claude/settings.json': JSON.stringify(existing) });
    const result = await airlockCli(['init', 'claude-code', '--dir', dir], '');
    expect(result.status).toBe(0);
    expect(read(dir, '.claude/settings.json')).toEqual({
      ...existing,
      hooks: {
        ...existing.hooks,
        PreToolUse: [...existing.hooks.PreToolUse, { matcher: 'Bash|mcp__.*', hooks: [{ type: 'command', command: hookCommand('claude-code'), timeout: 30 }] }],
      },
    });
    const again = await airlockCli(['init', 'claude-code', '--dir', dir], '');
    expect(again.stdout).toContain('nothing changed');
    expect(read(dir, '.claude/settings.json').hooks.PreToolUse).toHaveLength(2);
  });

  it("adds Cursor's beforeShellExecution and beforeMCPExecution hooks", async () => {
    const dir = project({ '.cursor/hooks.json': JSON.stringify({ version: 1, hooks: { afterFileEdit: [{ command: './format.sh' }] } }) });
    await airlockCli(['init', 'cursor', '--dir', dir], '');
    expect(read(dir, '.cursor/hooks.json')).toEqual({
      version: 1,
      hooks: {
        afterFileEdit: [{ command: './format.sh' }],
        beforeShellExecution: [{ command: hookCommand('cursor'), failClosed: true }],
        beforeMCPExecution: [{ command: hookCommand('cursor'), failClosed: true }],
      },
    });
  });

  it('writes Codex and Gemini CLI settings from nothing', async () => {
    const dir = project();
    await airlockCli(['init', 'codex', '--dir', dir], '');
    await airlockCli(['init', 'gemini-cli', '--dir', dir, '--command', `${process.execPath} "${AIRLOCK_BIN}"`], '');
    expect(read(dir, '.codex/hooks.json')).toEqual({
      hooks: { PreToolUse: [{ matcher: 'Bash', hooks: [{ type: 'command', command: hookCommand('codex'), timeout: 30 }] }] },
    });
    expect(read(dir, '.gemini/settings.json')).toEqual({
      hooks: {
        BeforeTool: [
          {
            matcher: 'run_shell_command|mcp__.*',
            hooks: [{ type: 'command', command: hookCommand('gemini-cli', `${process.execPath} "${AIRLOCK_BIN}"`), name: 'airlock', timeout: 30000 }],
          },
        ],
      },
    });
  });

  it('leaves a settings file that is not valid JSON untouched', async () => {
    const broken = '{ "hooks": { "PreToolUse": [ // a comment\n] }';
    const dir = project({ '.claude/settings.json': broken });
    const result = await airlockCli(['init', 'claude-code', '--dir', dir], '');
    expect(result.status).toBe(1);
    expect(result.stderr).toContain('is not valid JSON');
    expect(readFileSync(join(dir, '.claude/settings.json'), 'utf8')).toBe(broken);
  });
});
