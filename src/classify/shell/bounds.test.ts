import { describe, expect, it } from 'vitest';
import { classifyShell, type ShellContext } from './index.js';
import { strictSyntaxError } from './strict-parse.js';
import { MAX_COMMANDS, MAX_SCRIPTS } from './walk.js';

const context: ShellContext = { workspace: '/home/dev/app', home: '/home/dev', protectedBranches: ['main'], upstreams: [], secrets: [] };

describe('how much one command line may ask the shell classifier to read', () => {
  it('refuses a line of more commands than it reads in one go, saying it reads no more in one line', async () => {
    const result = await classifyShell(`${'true; '.repeat(MAX_COMMANDS)}rm -rf /var/lib/postgresql`, context);
    expect(result).toEqual({ ok: false, error: expect.stringMatching(/more than 2000 commands, more than Airlock reads in one command line/) });
  });

  it('reads a line of exactly as many commands as it allows', async () => {
    const result = await classifyShell(`${'true; '.repeat(MAX_COMMANDS - 1)}rm -rf /var/lib/postgresql`, context);
    expect(result.ok && result.parts.some((part) => part.class === 'destructive')).toBe(true);
  });

  it('refuses interpreter code that runs more nested scripts than it reads, instead of parsing each', async () => {
    const code = `${'import os; os.system("true"); '.repeat(MAX_SCRIPTS)}import shutil; shutil.rmtree("/var/lib/postgresql")`;
    const result = await classifyShell(`python3 -c '${code}'`, context);
    expect(result).toEqual({ ok: false, error: expect.stringMatching(/more than 256 nested scripts .*, more than Airlock reads in one command line/) });
  });

  it('counts nested scripts across bash -c and eval alike', async () => {
    const result = await classifyShell(`${"eval 'true'; ".repeat(MAX_SCRIPTS)}ls`, context);
    expect(result).toEqual({ ok: false, error: expect.stringMatching(/nested scripts/) });
  });

  it('reads a line with a long run of backslashes in nested interpreter code', async () => {
    const code = `require('child_process').execSync("perl -e 'system(\\"${'\\\\'.repeat(400)}rm -rf /var/lib/postgresql\\")'")`;
    const result = await classifyShell(`node -e '${code.replaceAll("'", `'\\''`)}'`, context);
    expect(result.ok ? result.parts.map((part) => part.class) : 'refused').not.toEqual(['read']);
  });
});

describe('the strict Bash parser', () => {
  it('answers each command on its own, before and after one it cannot read', async () => {
    expect(await strictSyntaxError('ls -la')).toBeUndefined();
    expect(await strictSyntaxError('rm -rf (')).toMatch(/./);
    expect(await strictSyntaxError(`${'$('.repeat(2000)}ls${')'.repeat(2000)}`)).toMatch(/./);
    expect(await strictSyntaxError('git status && ls')).toBeUndefined();
    expect(await strictSyntaxError('echo "unterminated')).toMatch(/reached EOF|quote/);
  });
});
