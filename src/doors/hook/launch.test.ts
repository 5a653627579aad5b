import { describe, expect, it } from 'vitest';
import { HOOK_DID_NOT_RUN, hookCommandLine, isAirlockHookCommand, readHookOutput, shellQuote } from './launch.js';

describe('the hook command line', () => {
  it('names node and the entry script by path, and ends in an exit-2 fallback', () => {
    expect(hookCommandLine('codex', { node: '/usr/bin/node', entry: '/opt/airlock/bin/airlock.js' })).toBe(
      `/usr/bin/node /opt/airlock/bin/airlock.js hook codex || { echo "${HOOK_DID_NOT_RUN}" >&2; exit 2; }`,
    );
  });

  it('quotes what sh would split or expand', () => {
    expect(shellQuote('/home/a b/node')).toBe("'/home/a b/node'");
    expect(shellQuote("/it's")).toBe("'/it'\\''s'");
    expect(shellQuote('/x/$HOME/`id`')).toBe("'/x/$HOME/`id`'");
    expect(hookCommandLine('cursor', { prefix: 'npx --no-install airlock', args: ['--config', '/etc/air lock.yaml'] })).toMatch(
      /^npx --no-install airlock hook cursor --config '\/etc\/air lock\.yaml' \|\| /,
    );
  });

  it('recognises every form of Airlock’s hook for a harness, and no other command', () => {
    expect(isAirlockHookCommand('airlock hook claude-code', 'claude-code')).toBe(true);
    expect(isAirlockHookCommand('npx airlock hook claude-code --url http://x', 'claude-code')).toBe(true);
    expect(isAirlockHookCommand(hookCommandLine('claude-code'), 'claude-code')).toBe(true);
    expect(isAirlockHookCommand('airlock hook cursor', 'claude-code')).toBe(false);
    expect(isAirlockHookCommand('prettier --check', 'claude-code')).toBe(false);
  });
});

describe('reading a hook run as its harness does', () => {
  const deny = JSON.stringify({ hookSpecificOutput: { hookEventName: 'PreToolUse', permissionDecision: 'deny', permissionDecisionReason: 'no' } });
  it.each([
    ['claude-code', 0, '', '', { kind: 'allow' }],
    ['claude-code', 0, deny, '', { kind: 'deny', reason: 'no' }],
    ['codex', 2, '', 'blocked by policy', { kind: 'deny', reason: 'blocked by policy' }],
    ['claude-code', 127, '', 'sh: 1: airlock: not found', { kind: 'broken', why: 'it exited 127: sh: 1: airlock: not found', failsClosed: false }],
    [
      'claude-code',
      2,
      '',
      `sh: 1: /x/node: not found\n${HOOK_DID_NOT_RUN}`,
      { kind: 'broken', why: 'the command did not start (sh: 1: /x/node: not found)', failsClosed: true },
    ],
    ['cursor', 0, '{"permission":"allow"}', '', { kind: 'allow' }],
    ['cursor', 0, '{"permission":"deny","agent_message":"stop"}', '', { kind: 'deny', reason: 'stop' }],
    ['cursor', 0, 'hello', '', { kind: 'broken', why: 'it printed something that is not a JSON object: hello', failsClosed: true }],
    ['gemini-cli', 0, '{}', '', { kind: 'allow' }],
    ['gemini-cli', 0, '{"decision":"deny","reason":"r"}', '', { kind: 'deny', reason: 'r' }],
    ['gemini-cli', 1, '', 'crash', { kind: 'broken', why: 'it exited 1: crash', failsClosed: false }],
  ] as const)('%s, exit %i, stdout %j: %j', (harness, status, stdout, stderr, expected) => {
    expect(readHookOutput(harness, status, stdout, stderr)).toEqual(expected);
  });
});
