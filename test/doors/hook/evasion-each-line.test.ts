import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { airlockCli } from './support.js';

/** `airlock classify shell --each-line`: a shell history reviewed at once, one JSON line per command. */

let dir: string;

beforeAll(() => {
  dir = mkdtempSync(join(tmpdir(), 'airlock-each-line-'));
});

afterAll(() => rmSync(dir, { recursive: true, force: true }));

const HISTORY = [
  'ls -la',
  '',
  'python3 -c "import shutil; shutil.rmtree(\'/var/lib/postgresql\')"',
  'trap \'rm -f "$tmp"\' EXIT',
  'echo "unterminated',
  'vault kv metadata delete secret/app',
].join('\n');

function lines(stdout: string): Record<string, unknown>[] {
  return stdout
    .trim()
    .split('\n')
    .map((l) => JSON.parse(l) as Record<string, unknown>);
}

describe('airlock classify shell --each-line', () => {
  it('prints one JSON line per non-blank line of stdin, with its line number, class and why', async () => {
    const result = await airlockCli(['classify', 'shell', '--each-line', '-', '--workspace', dir], HISTORY, {}, dir);
    expect(result.status).toBe(0);
    const out = lines(result.stdout);
    expect(out.map((o) => [o.line, o.class])).toEqual([
      [1, 'read'],
      [3, 'destructive'],
      [4, 'write'],
      [5, 'refused'],
      [6, 'destructive'],
    ]);
    expect(out[1]).toMatchObject({ action: 'shell:python3 shutil.rmtree', why: expect.stringContaining('/var/lib/postgresql') });
    expect(out[3]).toMatchObject({ ok: false, why: expect.stringContaining('cannot read') });
  });

  it('reads the lines of a file', async () => {
    const file = join(dir, 'history');
    writeFileSync(file, 'git clean -fdx\ngit status\n');
    const result = await airlockCli(['classify', 'shell', '--each-line', file, '--workspace', dir], '', {}, dir);
    expect(lines(result.stdout).map((o) => o.class)).toEqual(['destructive', 'read']);
  });

  it('refuses a file it cannot read, saying which', async () => {
    const result = await airlockCli(['classify', 'shell', '--each-line', join(dir, 'missing')], '', {}, dir);
    expect(result.status).not.toBe(0);
    expect(result.stderr).toContain('cannot read');
  });
});
