import { readdirSync, readFileSync } from 'node:fs';
import { join, relative, resolve } from 'node:path';
import { check } from 'recheck';
import { analyse } from 'scslre';
import ts from 'typescript';
import { describe, expect, it } from 'vitest';

/**
 * Every regular expression literal in Airlock's sources is checked for super-linear
 * backtracking: scslre (the analysis behind eslint-plugin-regexp) for runs of one character,
 * recheck for exponential backtracking, which scslre cannot see through a backreference
 * (`(['"])(?:\\.|(?!\1).)*\1` on a run of backslashes). Most of them read what an
 * agent sends — commands, statements, paths, headers — and a pattern that backtracks on a
 * crafted input holds the event loop of every door for seconds or minutes: one token, one
 * request, the whole gateway stalled. Patterns built at run time (`new RegExp`) are not seen
 * here; they are escaped literals from configuration.
 */

const SRC = resolve(import.meta.dirname, '..');

/** Patterns that are super-linear but only ever see a short slice of text, with why. */
const BOUNDED: Record<string, string> = {
  'classify/shell/interpreters.ts /^[^)]*?,\\s*(mode\\s*=\\s*)?[\'"][^\'"]*[wax+][^\'"]*[\'"]/': 'reads the 200 characters after open(',
  'classify/shell/interpreters.ts /^[^)]*?,\\s*\\{[^}]*flags?\\s*:\\s*[\'"][wa]/': 'reads the 200 characters after open(',
};

/** recheck's verdict; a pattern it cannot decide in its time limit is left to scslre. */
async function exponential(pattern: RegExp): Promise<boolean> {
  const diagnostics = await check(pattern.source, pattern.flags, { timeout: 10_000 });
  return diagnostics.status === 'vulnerable' && diagnostics.complexity.type === 'exponential';
}

interface Literal {
  readonly where: string;
  readonly key: string;
  readonly pattern: RegExp;
}

function literals(): Literal[] {
  const found: Literal[] = [];
  const files = readdirSync(SRC, { withFileTypes: true, recursive: true }).filter(
    (entry) => entry.isFile() && entry.name.endsWith('.ts') && !entry.name.endsWith('.test.ts'),
  );
  for (const entry of files) {
    const file = join(entry.parentPath, entry.name);
    const source = ts.createSourceFile(file, readFileSync(file, 'utf8'), ts.ScriptTarget.Latest, true);
    const visit = (node: ts.Node): void => {
      if (node.kind === ts.SyntaxKind.RegularExpressionLiteral) {
        const text = node.getText(source);
        const slash = text.lastIndexOf('/');
        const line = source.getLineAndCharacterOfPosition(node.getStart(source)).line + 1;
        found.push({
          where: `${relative(SRC, file)}:${line} ${text}`,
          key: `${relative(SRC, file)} ${text}`,
          pattern: new RegExp(text.slice(1, slash), text.slice(slash + 1)),
        });
      }
      ts.forEachChild(node, visit);
    };
    visit(source);
  }
  return found;
}

describe('regular expressions', () => {
  it('never backtrack quadratically on a run of one character, except on text that is cut short first', () => {
    const all = literals();
    expect(all.length).toBeGreaterThan(300);
    const slow = all.filter((literal) => !(literal.key in BOUNDED) && analyse(literal.pattern).reports.length > 0).map((literal) => literal.where);
    expect(slow).toEqual([]);
  }, 120_000);

  it('never backtrack exponentially', async () => {
    const all = literals();
    // A few at a time: recheck's checker is a process of its own, and hundreds at once on a busy
    // machine starve each other past their time limits.
    const verdicts: boolean[] = [];
    for (let i = 0; i < all.length; i += 8) verdicts.push(...(await Promise.all(all.slice(i, i + 8).map((literal) => exponential(literal.pattern)))));
    expect(all.filter((_, i) => verdicts[i]).map((literal) => literal.where)).toEqual([]);
  }, 300_000);

  it('are still where the bounded exceptions say they are', () => {
    const keys = new Set(literals().map((literal) => literal.key));
    expect(Object.keys(BOUNDED).filter((key) => !keys.has(key))).toEqual([]);
  }, 120_000);

  it('would catch the patterns that stalled the classifiers (the checks themselves can fail)', async () => {
    for (const pattern of [/\/+$/, /([A-Z]+)([A-Z][a-z])/g]) expect(analyse(pattern).reports.length).toBeGreaterThan(0);
    expect(await exponential(/(['"])((?:\\.|(?!\1).)*)\1/g)).toBe(true);
    expect(await exponential(/(['"])((?:\\.|(?!\1)[^\\])*)\1/g)).toBe(false);
  }, 60_000);
});
