/**
 * The hook door: Airlock in the coding agent's own harness. Before the harness runs a shell
 * command or an MCP tool call, `airlock hook <harness>` sends it to Airlock (`POST /v1/decide`
 * with `{ "hook": … }` and the agent's token), which classifies it with the shared classifiers,
 * judges it with the same policies as every other door, records it, and answers allow, or a
 * refusal in the harness's own form that tells the agent to stop and ask.
 *
 * @example
 * // .claude/settings.json, written by `airlock init claude-code` (node and Airlock by absolute
 * // path; exit 2, which blocks, if they cannot start: see launch.ts)
 * { "hooks": { "PreToolUse": [{ "matcher": "Bash|mcp__.*", "hooks": [{ "type": "command",
 *   "command": "/usr/bin/node /opt/airlock/bin/airlock.js hook claude-code || { echo … >&2; exit 2; }" }] }] } }
 */
export { HARNESS, HARNESSES, isHarness, PayloadError, type Harness, type HarnessName, type HookAnswer, type HookRequest } from './harnesses.js';
export { runHook, type HookClientOptions } from './client.js';
export { installHook, mergeHook, InstallError, SETTINGS_FILE, type InstallResult } from './install.js';
export { hookDoor } from './door.js';
export { hookSubject, hookRequestSchema, LOCAL_ENVIRONMENT, RAW_CREDENTIAL_ACTION } from './subject.js';
export { shellContextFor, shellUpstreamsOf, airlockHostsOf } from './context.js';
