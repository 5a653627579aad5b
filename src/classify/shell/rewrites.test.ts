import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { mostDangerousPart, type OperationClass } from '../../core/operation.js';
import { classifyShell, type ShellContext } from './index.js';

/**
 * Property: rewriting a command line in a way that keeps what it does (quoting its words,
 * nesting it in `bash -c` or `sh -c`, prefixing variables or wrappers, adding blanks, running
 * it from Python or Node) never gives it a lower class. A refusal counts as the highest.
 */

const context: ShellContext = { workspace: '/home/dev/app', home: '/home/dev', protectedBranches: ['main'], upstreams: [], secrets: [] };

const RANK: Record<OperationClass | 'refused', number> = { read: 0, write: 1, privilege: 2, destructive: 3, refused: 4 };

async function rank(command: string): Promise<number> {
  const result = await classifyShell(command, context);
  if (!result.ok) return RANK.refused;
  return RANK[mostDangerousPart(result.parts)?.class ?? 'read'];
}

/** Commands as words, so that quoting can be applied word by word. */
const BASES: readonly (readonly string[])[] = [
  ['rm', '-rf', '/var/lib/postgresql'],
  ['rm', '-rf', 'dist'],
  ['git', 'clean', '-fdx'],
  ['git', 'reset', '--hard'],
  ['git', 'status'],
  ['ls', '-la'],
  ['vault', 'kv', 'metadata', 'delete', 'secret/app'],
  ['stripe', 'api_keys', 'roll'],
  ['aws', 's3', 'sync', '.', 's3://bucket', '--delete'],
  ['sed', '-i', '1,$d', '/etc/hosts'],
  ['cp', '/dev/null', '/var/lib/app/db'],
  ['dd', 'if=/dev/zero', 'of=/dev/sda'],
  ['npm', 'test'],
  ['kubectl', 'delete', 'namespace', 'prod'],
  ['find', '/', '-delete'],
];

function sq(text: string): string {
  return `'${text.replace(/'/g, `'\\''`)}'`;
}

/** Ways of writing one word that the shell reads back as the same word. */
const quoteWord = fc.constantFrom<(w: string) => string>(
  (w) => (/^[A-Za-z0-9_./:=,@%+-]+$/.test(w) ? w : sq(w)),
  (w) => sq(w),
  (w) => `"${w.replace(/(["\\$`])/g, '\\$1')}"`,
  (w) => (w.length > 1 ? `${sq(w.slice(0, 1))}${sq(w.slice(1))}` : w),
  (w) => (w.length > 1 && /^[A-Za-z0-9_./-]+$/.test(w) ? `${w.slice(0, 1)}\\${w.slice(1)}` : w),
  (w) => `$'${w.replace(/(['\\])/g, '\\$1')}'`,
);

/** Ways of running one simple command through another program, or with variables set. */
const prefix = fc.constantFrom<(line: string) => string>(
  (line) => `env LC_ALL=C ${line}`,
  (line) => `sudo ${line}`,
  (line) => `sudo -u root ${line}`,
  (line) => `nohup ${line}`,
  (line) => `timeout 60 ${line}`,
  (line) => `nice -n 5 ${line}`,
  (line) => `command ${line}`,
  (line) => `/usr/bin/env ${line}`,
);

/** Ways of wrapping a whole command line that keep what it does. */
const wrap = fc.constantFrom<(line: string) => string>(
  (line) => `bash -c ${sq(line)}`,
  (line) => `sh -c ${sq(line)}`,
  (line) => `bash -lc ${sq(line)}`,
  (line) => `FOO=bar ${line}`,
  (line) => `  ${line.replace(/ /g, ' \t ')}  `,
  (line) => `(${line})`,
  (line) => `{ ${line}; }`,
  (line) => `true && ${line}`,
  (line) => `${line} || true`,
  (line) => `eval ${sq(line)}`,
  (line) => `echo ${sq(line)} | sh`,
  (line) => `python3 -c ${sq(`import os; os.system(${JSON.stringify(line)})`)}`,
  (line) => `python3 -c ${sq(`import subprocess; subprocess.run(${JSON.stringify(line)}, shell=True)`)}`,
  (line) => `node -e ${sq(`require('child_process').execSync(${JSON.stringify(line)})`)}`,
  (line) => `perl -e ${sq(`system(${JSON.stringify(line)})`)}`,
  (line) => `echo ${sq(line)} > /tmp/airlock-rewrite.sh; bash /tmp/airlock-rewrite.sh`,
  (line) => `trap ${sq(line)} EXIT`,
);

describe('meaning-preserving rewrites of a shell command', () => {
  it('never lower its class, however they are combined', async () => {
    // A new seed each run, named in every failure; AIRLOCK_PROPERTY_SEED replays one.
    const seed = Number(process.env.AIRLOCK_PROPERTY_SEED ?? Math.floor(Math.random() * 2 ** 31));
    const baseline = new Map<string, number>();
    for (const base of BASES) baseline.set(base.join(' '), await rank(base.join(' ')));
    const rewrites = fc.sample(
      fc.tuple(
        fc.constantFrom(...BASES),
        fc.array(quoteWord, { minLength: 1, maxLength: 6 }),
        fc.array(prefix, { minLength: 0, maxLength: 2 }),
        fc.array(wrap, { minLength: 0, maxLength: 2 }),
      ),
      { numRuns: Number(process.env.AIRLOCK_PROPERTY_RUNS ?? 30), seed },
    );
    const cases = rewrites.map(([base, quotes, prefixes, wraps]) => {
      let line = base.map((word, i) => quotes[i % quotes.length]!(word)).join(' ');
      for (const p of prefixes) line = p(line);
      // A wrapping that is no longer valid shell (`FOO=bar (…)`) is refused, which is never lower.
      for (const w of wraps) line = w(line);
      return { line, original: baseline.get(base.join(' '))! };
    });
    // 30 rewrites a run (AIRLOCK_PROPERTY_RUNS for more), classified 30 at a time.
    for (let i = 0; i < cases.length; i += 30) {
      const batch = cases.slice(i, i + 30);
      const ranks = await Promise.all(batch.map((c) => rank(c.line)));
      for (const [j, c] of batch.entries())
        expect({ seed, line: c.line, rank: ranks[j] }).toEqual({ seed, line: c.line, rank: expect.toBeOneOf(ranksFrom(c.original)) });
    }
  }, 300_000);
});

function ranksFrom(minimum: number): number[] {
  return [0, 1, 2, 3, 4].filter((r) => r >= minimum);
}
