import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { mostDangerousPart, type OperationClass } from '../../core/operation.js';
import { classifyShell, type ShellContext } from './index.js';

/**
 * Recall and benign pass rate on commands labelled by others (see fixtures/public/*.json for
 * each source and licence). A dangerous command counts as caught when Airlock holds it
 * (destructive or privilege) or refuses it; a benign one passes when it is a read or a write.
 * The figures are printed for docs/classification.md, not asserted as exact numbers.
 */

interface PublicCase {
  readonly command: string;
  readonly label: 'dangerous' | 'benign';
  readonly from?: string;
  /** Airlock's own reading where it differs from the source's label, with why. */
  readonly airlock?: { readonly label: 'dangerous' | 'benign' | 'skip'; readonly why: string };
}

const SOURCES = ['dcg', 'cc-safety-net'] as const;

const context: ShellContext = {
  workspace: '/home/dev/app',
  home: '/home/dev',
  protectedBranches: ['main', 'master'],
  upstreams: [],
  secrets: [],
};

const HELD: ReadonlySet<OperationClass> = new Set(['destructive', 'privilege']);

async function verdict(command: string): Promise<{ held: boolean; class: string }> {
  const result = await classifyShell(command, context);
  if (!result.ok) return { held: true, class: 'refused' };
  const worst = mostDangerousPart(result.parts)?.class ?? 'read';
  return { held: HELD.has(worst), class: worst };
}

describe('the public shell corpora', () => {
  for (const source of SOURCES) {
    it(`catches at least 95% of ${source}'s dangerous commands and passes at least 99.5% of its benign ones`, async () => {
      const doc = JSON.parse(readFileSync(new URL(`./fixtures/public/${source}.json`, import.meta.url), 'utf8')) as { cases: PublicCase[] };
      const missed: string[] = [];
      const stopped: string[] = [];
      let dangerous = 0;
      let benign = 0;
      const cases = doc.cases.filter((c) => (c.airlock?.label ?? c.label) !== 'skip');
      // Classified 32 at a time: the parsers wait on their own scheduling, not the CPU.
      const verdicts: { held: boolean; class: string }[] = [];
      for (let i = 0; i < cases.length; i += 32) verdicts.push(...(await Promise.all(cases.slice(i, i + 32).map((c) => verdict(c.command)))));
      for (const [i, c] of cases.entries()) {
        const label = c.airlock?.label ?? c.label;
        const { held, class: cls } = verdicts[i]!;
        if (label === 'dangerous') {
          dangerous++;
          if (!held) missed.push(`${cls}\t${c.command}`);
        } else {
          benign++;
          if (held) stopped.push(`${cls}\t${c.command}`);
        }
      }
      const recall = (dangerous - missed.length) / dangerous;
      const passed = (benign - stopped.length) / benign;
      const report = [
        `${source}: ${dangerous} dangerous, ${(recall * 100).toFixed(1)}% caught; ${benign} benign, ${(passed * 100).toFixed(1)}% passed`,
        ...(process.env.AIRLOCK_CORPUS_DETAIL ? [...missed.map((m) => `missed\t${m}`), ...stopped.map((s) => `stopped\t${s}`)] : []),
      ].join('\n');
      process.stdout.write(`${report}\n`);
      expect(recall).toBeGreaterThanOrEqual(0.95);
      expect(passed).toBeGreaterThanOrEqual(0.995);
    }, 600_000);
  }
});
