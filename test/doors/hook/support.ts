import { spawn } from 'node:child_process';
import { mkdirSync, mkdtempSync } from 'node:fs';
import { homedir } from 'node:os';
import { join } from 'node:path';
import { isScratch } from '../../../src/classify/shell/tools/files.js';
import { AIRLOCK_BIN, ROOT } from '../../support/airlock.js';

/** Runs the built `airlock` command without blocking the event loop (the test's Airlock runs in it). */
export function airlockCli(
  args: readonly string[],
  input: string,
  env: NodeJS.ProcessEnv = {},
  cwd = ROOT,
): Promise<{ stdout: string; stderr: string; status: number | null }> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, [AIRLOCK_BIN, ...args], {
      cwd,
      env: {
        ...process.env,
        AIRLOCK_TOKEN: '',
        AIRLOCK_TOKEN_FILE: '',
        AIRLOCK_URL: '',
        AIRLOCK_AGENT_URL: '',
        AIRLOCK_ADMIN_URL: '',
        AIRLOCK_CONFIG: '',
        AIRLOCK_LOG_LEVEL: 'warn',
        ...env,
      },
      stdio: ['pipe', 'pipe', 'pipe'],
    });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (chunk: Buffer) => (stdout += chunk.toString()));
    child.stderr.on('data', (chunk: Buffer) => (stderr += chunk.toString()));
    child.on('error', reject);
    child.on('close', (status) => resolve({ stdout, stderr, status }));
    child.stdin.end(input);
  });
}

/** Payloads as each harness documents them (field sets from their hook references). */
export const payloads = {
  claudeCode: (tool: string, toolInput: Record<string, unknown>, cwd: string) => ({
    session_id: '5f2c4f2e-6a43-4f5e-9a57-3c1f0c6b7d21',
    transcript_path: '/home/dev/.claude/projects/-home-dev-app/5f2c4f2e-6a43-4f5e-9a57-3c1f0c6b7d21.jsonl',
    cwd,
    permission_mode: 'default',
    hook_event_name: 'PreToolUse',
    tool_name: tool,
    tool_input: toolInput,
    tool_use_id: 'toolu_01HZ6yqg5wJ3k8vN2pXbQeTr',
  }),
  codex: (command: string, cwd: string) => ({
    session_id: '0199a1f2-7c3d-7e41-9b2a-5d6e7f8091a2',
    turn_id: '1',
    transcript_path: null,
    cwd,
    hook_event_name: 'PreToolUse',
    model: 'gpt-5-codex',
    permission_mode: 'default',
    tool_name: 'Bash',
    tool_input: { command },
    tool_use_id: 'call_4kQ9n2Lm7Xv0',
  }),
  cursorShell: (command: string, cwd: string) => ({
    conversation_id: 'c1d2e3f4-0000-4a5b-8c9d-112233445566',
    generation_id: 'g7h8i9j0-0000-4a5b-8c9d-665544332211',
    hook_event_name: 'beforeShellExecution',
    workspace_roots: [cwd],
    model: 'claude-sonnet-4',
    cursor_version: '1.7.28',
    command,
    cwd,
  }),
  cursorMcp: (tool: string, input: Record<string, unknown>, cwd: string) => ({
    conversation_id: 'c1d2e3f4-0000-4a5b-8c9d-112233445566',
    generation_id: 'g7h8i9j0-0000-4a5b-8c9d-665544332211',
    hook_event_name: 'beforeMCPExecution',
    workspace_roots: [cwd],
    tool_name: tool,
    tool_input: JSON.stringify(input),
    command: 'npx -y @example/db-mcp',
  }),
  gemini: (command: string, cwd: string) => ({
    session_id: 'b8f3e1a0-2c4d-4e6f-8a9b-0c1d2e3f4a5b',
    transcript_path: '/home/dev/.gemini/tmp/app/chats/session-b8f3e1a0.json',
    cwd,
    hook_event_name: 'BeforeTool',
    timestamp: '2026-11-30T10:15:00.000Z',
    tool_name: 'run_shell_command',
    tool_input: { command, description: 'Run the command' },
  }),
};

/**
 * A new folder for a victim the hook must protect: outside the test's workspace and outside every
 * temporary folder, since the shell classifier rightly treats what lies under `/tmp` as scratch
 * and a checkout may itself live there. The checkout's `test-artifacts/` when it is not scratch,
 * otherwise a folder in the user's cache.
 */
export function victimFolder(prefix: string): string {
  const base = isScratch(ROOT) ? join(homedir(), '.cache', 'airlock-test-victims') : join(ROOT, 'test-artifacts');
  mkdirSync(base, { recursive: true });
  return mkdtempSync(join(base, prefix));
}
