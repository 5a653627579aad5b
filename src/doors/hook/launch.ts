import { spawnSync } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import type { HarnessName } from './harnesses.js';

/**
 * The command a harness runs for Airlock's hook, and a check that it runs. A harness runs hook
 * commands with `sh -c` in its own environment, often with another PATH than the shell that ran
 * `airlock init`, and every harness here lets the tool call go ahead when the command fails in
 * any way other than exit 2 (127 for "not found" included). So the command names node and
 * Airlock's entry script by absolute path, and ends in a fallback that turns any failure to
 * start into exit 2, which Claude Code, Codex, Cursor and Gemini CLI all read as "block".
 */

/** The message the fallback prints; its presence on stderr means the hook itself never ran. */
export const HOOK_DID_NOT_RUN = "Airlock's hook could not run, so the command was not run (check it with: airlock doctor)";

/** Airlock's own entry script, beside this build. */
export function airlockEntry(): string {
  return fileURLToPath(new URL('../../../bin/airlock.js', import.meta.url));
}

/** POSIX single quotes: everything literal, a quote itself closed, escaped and reopened. */
export function shellQuote(text: string): string {
  return /^[A-Za-z0-9_./:=@%+-]+$/.test(text) ? text : `'${text.replaceAll("'", `'\\''`)}'`;
}

/**
 * `'/usr/bin/node' '/opt/airlock/bin/airlock.js' hook claude-code || { echo … >&2; exit 2; }`.
 * `prefix` replaces node and the entry script (e.g. `npx --no-install airlock`), as given.
 */
export function hookCommandLine(harness: HarnessName, options: { prefix?: string; node?: string; entry?: string; args?: readonly string[] } = {}): string {
  const start = options.prefix?.trim() || `${shellQuote(options.node ?? process.execPath)} ${shellQuote(options.entry ?? airlockEntry())}`;
  const args = (options.args ?? []).map(shellQuote).join(' ');
  return `${start} hook ${harness}${args ? ` ${args}` : ''} || { echo "${HOOK_DID_NOT_RUN}" >&2; exit 2; }`;
}

/** Whether a settings entry's command is Airlock's hook for this harness (any form it was written in). */
export function isAirlockHookCommand(command: unknown, harness: HarnessName): boolean {
  return typeof command === 'string' && /airlock/i.test(command) && new RegExp(`(^|\\s)hook\\s+${harness}(\\s|$)`).test(command);
}

/** A shell command every harness reports, that changes nothing: what init and doctor send. */
export const SAMPLE_COMMAND = 'true';

export function samplePayload(harness: HarnessName, cwd: string, command = SAMPLE_COMMAND): Record<string, unknown> {
  switch (harness) {
    case 'claude-code':
    case 'codex':
      return { hook_event_name: 'PreToolUse', tool_name: 'Bash', tool_input: { command }, cwd };
    case 'cursor':
      return { hook_event_name: 'beforeShellExecution', command, cwd, workspace_roots: [cwd] };
    case 'gemini-cli':
      return { hook_event_name: 'BeforeTool', tool_name: 'run_shell_command', tool_input: { command }, cwd };
  }
}

/** What a hook command's run meant to its harness. */
export type ProbeResult =
  | { readonly kind: 'allow' }
  | { readonly kind: 'deny'; readonly reason: string }
  | { readonly kind: 'broken'; readonly why: string; readonly failsClosed: boolean };

/** Reads a hook's exit code and output as the harness does. Pure. */
export function readHookOutput(harness: HarnessName, status: number | null, stdout: string, stderr: string): ProbeResult {
  const err = stderr.trim().split('\n').filter(Boolean);
  if (status === 2) {
    if (stderr.includes(HOOK_DID_NOT_RUN)) {
      const cause = err.filter((line) => !line.includes(HOOK_DID_NOT_RUN)).join('; ');
      return { kind: 'broken', why: `the command did not start${cause ? ` (${cause})` : ''}`, failsClosed: true };
    }
    return { kind: 'deny', reason: err.join(' ') || 'blocked (exit 2)' };
  }
  if (status !== 0) {
    const how = status === null ? 'it was killed or timed out' : `it exited ${status}`;
    return { kind: 'broken', why: `${how}${err.length ? `: ${err.join('; ')}` : ''}`, failsClosed: false };
  }
  const text = stdout.trim();
  let answer: Record<string, unknown> | undefined;
  if (text) {
    try {
      const parsed = JSON.parse(text) as unknown;
      if (parsed && typeof parsed === 'object' && !Array.isArray(parsed)) answer = parsed as Record<string, unknown>;
    } catch {
      /* answered below as not understood */
    }
    if (!answer) return { kind: 'broken', why: `it printed something that is not a JSON object: ${text.slice(0, 120)}`, failsClosed: harness === 'cursor' };
  }
  switch (harness) {
    case 'claude-code':
    case 'codex': {
      if (!answer) return { kind: 'allow' };
      const output = (answer.hookSpecificOutput ?? {}) as Record<string, unknown>;
      if (output.permissionDecision === 'deny') return { kind: 'deny', reason: String(output.permissionDecisionReason ?? '') };
      return { kind: 'allow' };
    }
    case 'cursor':
      if (answer?.permission === 'allow') return { kind: 'allow' };
      if (answer?.permission === 'deny') return { kind: 'deny', reason: String(answer.agent_message ?? answer.user_message ?? '') };
      return { kind: 'broken', why: 'it printed no permission', failsClosed: true };
    case 'gemini-cli':
      if (!answer) return { kind: 'broken', why: 'it printed nothing, and Gemini CLI reads a JSON answer', failsClosed: false };
      if (answer.decision === 'deny' || answer.decision === 'block') return { kind: 'deny', reason: String(answer.reason ?? '') };
      return { kind: 'allow' };
  }
}

/** The PATH a harness may well start hooks with: the system's folders only. */
export const MINIMAL_PATH = '/usr/bin:/bin';

/**
 * Runs a hook command as a harness does (`sh -c`, the payload on stdin, a minimal PATH) and
 * reads its answer. `env` is the environment the harness would pass (token, URL).
 */
export function probeHookCommand(
  harness: HarnessName,
  command: string,
  options: { cwd: string; env?: NodeJS.ProcessEnv; timeoutMs?: number; payload?: Record<string, unknown> },
): ProbeResult {
  const result = spawnSync('/bin/sh', ['-c', command], {
    cwd: options.cwd,
    input: JSON.stringify(options.payload ?? samplePayload(harness, options.cwd)),
    encoding: 'utf8',
    env: { ...(options.env ?? process.env), PATH: MINIMAL_PATH },
    timeout: options.timeoutMs ?? 30_000,
  });
  // EPIPE: the command exited without reading the payload (a command that was not found does).
  const code = (result.error as NodeJS.ErrnoException | undefined)?.code;
  if (result.error && code !== 'ETIMEDOUT' && code !== 'EPIPE')
    return { kind: 'broken', why: `sh could not be started (${result.error.message})`, failsClosed: false };
  return readHookOutput(harness, result.status, result.stdout ?? '', result.stderr ?? '');
}
