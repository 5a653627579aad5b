import { existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import type { HarnessName } from './harnesses.js';
import { isAirlockHookCommand } from './launch.js';

/**
 * `airlock init <harness>`: adds Airlock's hook to a project's harness settings. The file is
 * merged, never replaced: every other setting and hook stays as it was, and a file that is not
 * valid JSON is left alone with an error rather than rewritten. An Airlock hook written before
 * (e.g. a bare `airlock hook claude-code`, which fails open when `airlock` is not on the PATH)
 * is rewritten in place rather than kept beside the new one.
 */

export interface InstallResult {
  readonly file: string;
  readonly changed: boolean;
  readonly text: string;
}

export class InstallError extends Error {
  override readonly name = 'InstallError';
}

type Json = Record<string, unknown>;

/** Where each harness reads project hooks, relative to the project folder. */
export const SETTINGS_FILE: Readonly<Record<HarnessName, string>> = {
  'claude-code': '.claude/settings.json',
  cursor: '.cursor/hooks.json',
  codex: '.codex/hooks.json',
  'gemini-cli': '.gemini/settings.json',
};

/** Adds the hook to a settings object; returns the same object when it is already there. */
export function mergeHook(harness: HarnessName, settings: Json, command: string): Json {
  const ours = (entry: unknown) => isAirlockHookCommand((entry as Json | undefined)?.command, harness);
  switch (harness) {
    case 'claude-code':
      return addMatcherHook(settings, 'PreToolUse', 'Bash|mcp__.*', { type: 'command', command, timeout: 30 }, ours);
    case 'codex':
      return addMatcherHook(settings, 'PreToolUse', 'Bash', { type: 'command', command, timeout: 30 }, ours);
    case 'gemini-cli':
      return addMatcherHook(settings, 'BeforeTool', 'run_shell_command|mcp__.*', { type: 'command', command, name: 'airlock', timeout: 30_000 }, ours);
    case 'cursor': {
      // failClosed: Cursor blocks the action when the hook crashes, times out or prints no JSON.
      let out: Json = { ...settings, version: settings.version ?? 1 };
      for (const event of ['beforeShellExecution', 'beforeMCPExecution']) out = addFlatHook(out, event, { command, failClosed: true }, ours);
      return hasSameHooks(settings, out) ? settings : out;
    }
  }
}

/** `{ hooks: { Event: [{ matcher, hooks: [handler] }] } }` (Claude Code, Codex, Gemini CLI). */
function addMatcherHook(settings: Json, event: string, matcher: string, handler: Json, ours: (entry: unknown) => boolean): Json {
  const hooks = objectAt(settings, 'hooks');
  const groups = arrayAt(hooks, event);
  const handlersOf = (group: unknown) => (Array.isArray((group as Json)?.hooks) ? ((group as Json).hooks as unknown[]) : []);
  if (groups.some((group) => handlersOf(group).some((h) => JSON.stringify(h) === JSON.stringify(handler)))) return settings;
  if (groups.some((group) => handlersOf(group).some(ours))) {
    const rewritten = groups.map((group) =>
      handlersOf(group).some(ours) ? { ...(group as Json), matcher, hooks: handlersOf(group).map((h) => (ours(h) ? handler : h)) } : group,
    );
    return { ...settings, hooks: { ...hooks, [event]: rewritten } };
  }
  return { ...settings, hooks: { ...hooks, [event]: [...groups, { matcher, hooks: [handler] }] } };
}

/** `{ version: 1, hooks: { event: [{ command }] } }` (Cursor). */
function addFlatHook(settings: Json, event: string, handler: Json, ours: (entry: unknown) => boolean): Json {
  const hooks = objectAt(settings, 'hooks');
  const list = arrayAt(hooks, event);
  if (list.some((h) => JSON.stringify(h) === JSON.stringify(handler))) return settings;
  const rewritten = list.some(ours) ? list.map((h) => (ours(h) ? handler : h)) : [...list, handler];
  return { ...settings, hooks: { ...hooks, [event]: rewritten } };
}

function hasSameHooks(a: Json, b: Json): boolean {
  return JSON.stringify(a.hooks) === JSON.stringify(b.hooks) && a.version === b.version;
}

function objectAt(settings: Json, key: string): Json {
  const value = settings[key];
  if (value === undefined) return {};
  if (!value || typeof value !== 'object' || Array.isArray(value))
    throw new InstallError(`"${key}" is not an object; fix it by hand, Airlock will not overwrite it`);
  return value as Json;
}

function arrayAt(settings: Json, key: string): unknown[] {
  const value = settings[key];
  if (value === undefined) return [];
  if (!Array.isArray(value)) throw new InstallError(`hooks.${key} is not a list; fix it by hand, Airlock will not overwrite it`);
  return value;
}

/** Reads, merges and writes the harness's project settings. */
export function installHook(harness: HarnessName, projectDir: string, command: string, dryRun = false): InstallResult {
  const file = join(projectDir, SETTINGS_FILE[harness]);
  let settings: Json = {};
  if (existsSync(file)) {
    const text = readFileSync(file, 'utf8');
    if (text.trim() !== '') {
      let parsed: unknown;
      try {
        parsed = JSON.parse(text) as unknown;
      } catch (error) {
        throw new InstallError(`${file} is not valid JSON (${(error as Error).message}); Airlock will not rewrite it`);
      }
      if (!parsed || typeof parsed !== 'object' || Array.isArray(parsed))
        throw new InstallError(`${file} does not hold a JSON object; Airlock will not rewrite it`);
      settings = parsed as Json;
    }
  }
  let merged: Json;
  try {
    merged = mergeHook(harness, settings, command);
  } catch (error) {
    if (error instanceof InstallError) throw new InstallError(`${file}: ${error.message}`);
    throw error;
  }
  const text = `${JSON.stringify(merged, null, 2)}\n`;
  const changed = merged !== settings;
  if (changed && !dryRun) {
    mkdirSync(dirname(file), { recursive: true });
    writeFileSync(file, text);
  }
  return { file, changed, text };
}

/** Airlock's hook commands in a harness's settings file: what `airlock doctor` checks. */
export function installedHookCommands(harness: HarnessName, file: string): { commands: string[]; error?: string } {
  if (!existsSync(file)) return { commands: [] };
  let settings: unknown;
  try {
    settings = JSON.parse(readFileSync(file, 'utf8')) as unknown;
  } catch (error) {
    return { commands: [], error: `not valid JSON (${(error as Error).message})` };
  }
  const hooks = (settings as Json | null)?.hooks;
  if (!hooks || typeof hooks !== 'object') return { commands: [] };
  const found = new Set<string>();
  const visit = (value: unknown) => {
    if (Array.isArray(value)) for (const item of value) visit(item);
    else if (value && typeof value === 'object') {
      const command = (value as Json).command;
      if (isAirlockHookCommand(command, harness)) found.add(command as string);
      visit((value as Json).hooks);
    }
  };
  for (const event of Object.values(hooks as Json)) visit(event);
  return { commands: [...found] };
}
