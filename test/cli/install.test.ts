/**
 * The `airlock` command as the README installs it (`npm link`: a symlink to bin/airlock.js on
 * PATH), and the docs using that form rather than `npx airlock`, which outside the checkout
 * names another package of the npm registry.
 */
import { spawnSync } from 'node:child_process';
import { mkdtempSync, readdirSync, readFileSync, rmSync, symlinkSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { AIRLOCK_BIN, ROOT } from '../support/airlock.js';

const scratch: string[] = [];
afterAll(() => {
  for (const dir of scratch) rmSync(dir, { recursive: true, force: true });
});

describe('the airlock command', () => {
  it('runs from a symlink on PATH, as npm link installs it, outside the checkout', () => {
    const bin = mkdtempSync(join(tmpdir(), 'airlock-bin-'));
    scratch.push(bin);
    const manifest = JSON.parse(readFileSync(join(ROOT, 'package.json'), 'utf8')) as { version: string; bin: Record<string, string> };
    expect(join(ROOT, manifest.bin.airlock!)).toBe(AIRLOCK_BIN);
    symlinkSync(AIRLOCK_BIN, join(bin, 'airlock'));
    const result = spawnSync('/bin/sh', ['-c', 'airlock --version && airlock config --help'], {
      cwd: bin,
      encoding: 'utf8',
      env: { PATH: `${bin}:${dirname(process.execPath)}:/usr/bin:/bin`, HOME: bin },
    });
    expect(result.status, result.stderr).toBe(0);
    expect(result.stdout).toContain(`${manifest.version}\n`);
    expect(result.stdout).toContain('init');
  });

  it('is written as "airlock …" in the README and docs, never "npx airlock …"', () => {
    const pages = ['README.md', ...readdirSync(join(ROOT, 'docs'), { recursive: true }).map((name) => join('docs', String(name)))].filter((name) =>
      name.endsWith('.md'),
    );
    const found = pages.flatMap((page) =>
      readFileSync(join(ROOT, page), 'utf8')
        .split('\n')
        .flatMap((line, i) => (/npx airlock/.test(line) && !/runs something else/.test(line) ? [`${page}:${i + 1}: ${line.trim()}`] : [])),
    );
    expect(found).toEqual([]);
  });
});
