/**
 * Coding-agent harnesses and their published hook protocols: what each sends on stdin before a
 * tool runs, and what it reads back. Pure functions: the `airlock hook` command does the I/O.
 *
 * - Claude Code, PreToolUse: `{ hook_event_name, tool_name, tool_input, cwd, … }`; answers on
 *   stdout `{ hookSpecificOutput: { hookEventName: 'PreToolUse', permissionDecision, permissionDecisionReason } }`.
 * - Codex, PreToolUse: the same shape as Claude Code (`tool_name` `Bash`, `tool_input.command`).
 * - Cursor, beforeShellExecution / beforeMCPExecution: `{ hook_event_name, command, cwd, workspace_roots }`
 *   or `{ tool_name, tool_input, url | command }`; answers `{ permission, user_message, agent_message }`.
 * - Gemini CLI, BeforeTool: `{ hook_event_name, tool_name, tool_input, cwd }` (`run_shell_command`);
 *   answers `{ decision: 'deny', reason }`.
 */

export const HARNESSES = ['claude-code', 'cursor', 'codex', 'gemini-cli'] as const;
export type HarnessName = (typeof HARNESSES)[number];

export function isHarness(name: string): name is HarnessName {
  return (HARNESSES as readonly string[]).includes(name);
}

/** What a harness is about to do, as Airlock judges it. */
export type HookRequest =
  | { readonly kind: 'shell'; readonly command: string; readonly cwd?: string; readonly workspace?: string }
  | { readonly kind: 'mcp'; readonly server?: string; readonly tool: string; readonly input: unknown; readonly cwd?: string; readonly workspace?: string };

/** A payload Airlock does not judge (another tool, another event): the harness goes on as usual. */
export interface NotJudged {
  readonly kind: 'pass';
  readonly why: string;
}

/** What the hook answers, in Airlock's words, before it is put in the harness's form. */
export type HookAnswer =
  | { readonly kind: 'allow' }
  | { readonly kind: 'pass' }
  | { readonly kind: 'deny'; readonly message: string; readonly instruction: string; readonly holdId?: string };

export interface HarnessOutput {
  readonly stdout: string;
  readonly exitCode: number;
}

export interface Harness {
  readonly name: HarnessName;
  readonly title: string;
  parse(payload: unknown, env: NodeJS.ProcessEnv): HookRequest | NotJudged;
  respond(answer: HookAnswer): HarnessOutput;
}

type Json = Record<string, unknown>;

function object(value: unknown): Json | undefined {
  return value && typeof value === 'object' && !Array.isArray(value) ? (value as Json) : undefined;
}

function str(value: unknown): string | undefined {
  return typeof value === 'string' ? value : undefined;
}

export class PayloadError extends Error {
  override readonly name = 'PayloadError';
}

/** `mcp__server__tool` (Claude Code, Codex, Gemini CLI). */
function mcpName(tool: string): { server: string; tool: string } | undefined {
  if (!tool.startsWith('mcp__')) return undefined;
  // The server's name has at least one character; the first `__` after it ends it.
  const split = tool.indexOf('__', 6);
  return split >= 0 && split + 2 < tool.length ? { server: tool.slice(5, split), tool: tool.slice(split + 2) } : undefined;
}

function where(payload: Json, env: NodeJS.ProcessEnv, projectVariable: string): { cwd?: string; workspace?: string } {
  const cwd = str(payload.cwd);
  const workspace = env[projectVariable] || cwd;
  return { ...(cwd ? { cwd } : {}), ...(workspace ? { workspace } : {}) };
}

function deniedReason(answer: Extract<HookAnswer, { kind: 'deny' }>): string {
  return `${answer.message} ${answer.instruction}`;
}

/** Claude Code and Codex share the PreToolUse protocol. */
function preToolUse(name: 'claude-code' | 'codex', title: string, shellTools: readonly string[], projectVariable: string): Harness {
  return {
    name,
    title,
    parse(payload, env) {
      const p = object(payload);
      if (!p) throw new PayloadError('the hook payload is not a JSON object');
      const event = str(p.hook_event_name);
      if (event !== 'PreToolUse') return { kind: 'pass', why: `Airlock judges PreToolUse, not ${event ?? 'an unnamed event'}` };
      const tool = str(p.tool_name);
      if (!tool) throw new PayloadError('the PreToolUse payload has no tool_name');
      const input = object(p.tool_input) ?? {};
      if (shellTools.includes(tool)) {
        const command = str(input.command);
        if (command === undefined) throw new PayloadError(`the ${tool} tool_input has no command`);
        return { kind: 'shell', command, ...where(p, env, projectVariable) };
      }
      const mcp = mcpName(tool);
      if (mcp) return { kind: 'mcp', server: mcp.server, tool: mcp.tool, input, ...where(p, env, projectVariable) };
      return { kind: 'pass', why: `Airlock does not judge the ${tool} tool` };
    },
    respond(answer) {
      // Allow prints nothing: the harness's own permission rules still apply.
      if (answer.kind !== 'deny') return { stdout: '', exitCode: 0 };
      return {
        stdout: `${JSON.stringify({ hookSpecificOutput: { hookEventName: 'PreToolUse', permissionDecision: 'deny', permissionDecisionReason: deniedReason(answer) } })}\n`,
        exitCode: 0,
      };
    },
  };
}

const cursor: Harness = {
  name: 'cursor',
  title: 'Cursor',
  parse(payload) {
    const p = object(payload);
    if (!p) throw new PayloadError('the hook payload is not a JSON object');
    const event = str(p.hook_event_name);
    const roots = Array.isArray(p.workspace_roots) ? p.workspace_roots.filter((r): r is string => typeof r === 'string') : [];
    const cwd = str(p.cwd);
    const place = { ...(cwd ? { cwd } : {}), ...((roots[0] ?? cwd) ? { workspace: roots[0] ?? cwd! } : {}) };
    if (event === 'beforeShellExecution') {
      const command = str(p.command);
      if (command === undefined) throw new PayloadError('the beforeShellExecution payload has no command');
      return { kind: 'shell', command, ...place };
    }
    if (event === 'beforeMCPExecution') {
      const tool = str(p.tool_name);
      if (!tool) throw new PayloadError('the beforeMCPExecution payload has no tool_name');
      // tool_input arrives as an object or as a JSON string, depending on the Cursor version.
      let input: unknown = p.tool_input;
      if (typeof input === 'string') {
        try {
          input = JSON.parse(input) as unknown;
        } catch {
          /* judged as the text it is */
        }
      }
      const server = str(p.url) ?? str(p.command);
      return { kind: 'mcp', tool, input: input ?? {}, ...(server ? { server } : {}), ...place };
    }
    return { kind: 'pass', why: `Airlock judges beforeShellExecution and beforeMCPExecution, not ${event ?? 'an unnamed event'}` };
  },
  respond(answer) {
    // Cursor reads a permission hook's JSON even to allow; invalid JSON would block.
    if (answer.kind !== 'deny') return { stdout: `${JSON.stringify({ permission: 'allow' })}\n`, exitCode: 0 };
    return { stdout: `${JSON.stringify({ permission: 'deny', user_message: answer.message, agent_message: deniedReason(answer) })}\n`, exitCode: 0 };
  },
};

const gemini: Harness = {
  name: 'gemini-cli',
  title: 'Gemini CLI',
  parse(payload, env) {
    const p = object(payload);
    if (!p) throw new PayloadError('the hook payload is not a JSON object');
    const event = str(p.hook_event_name);
    if (event !== 'BeforeTool') return { kind: 'pass', why: `Airlock judges BeforeTool, not ${event ?? 'an unnamed event'}` };
    const tool = str(p.tool_name);
    if (!tool) throw new PayloadError('the BeforeTool payload has no tool_name');
    const input = object(p.tool_input) ?? {};
    const place = where(p, env, 'GEMINI_PROJECT_DIR');
    if (tool === 'run_shell_command') {
      const command = str(input.command);
      if (command === undefined) throw new PayloadError('the run_shell_command tool_input has no command');
      const dir = str(input.dir_path) ?? str(input.directory);
      return { kind: 'shell', command, ...place, ...(dir ? { cwd: dir.startsWith('/') ? dir : `${place.workspace ?? place.cwd ?? ''}/${dir}` } : {}) };
    }
    const mcp = mcpName(tool);
    if (mcp) return { kind: 'mcp', server: mcp.server, tool: mcp.tool, input, ...place };
    return { kind: 'pass', why: `Airlock does not judge the ${tool} tool` };
  },
  respond(answer) {
    // Gemini CLI parses stdout as JSON: an empty object lets the tool run as usual.
    if (answer.kind !== 'deny') return { stdout: '{}\n', exitCode: 0 };
    return { stdout: `${JSON.stringify({ decision: 'deny', reason: deniedReason(answer), systemMessage: `Airlock: ${answer.message}` })}\n`, exitCode: 0 };
  },
};

export const HARNESS: Readonly<Record<HarnessName, Harness>> = {
  'claude-code': preToolUse('claude-code', 'Claude Code', ['Bash'], 'CLAUDE_PROJECT_DIR'),
  codex: preToolUse('codex', 'Codex', ['Bash', 'shell', 'exec_command', 'local_shell'], 'CODEX_PROJECT_DIR'),
  cursor,
  'gemini-cli': gemini,
};
