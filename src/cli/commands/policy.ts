import { readFileSync } from 'node:fs';
import type { Command } from 'commander';
import { BUILTIN_POLICIES } from '../../policy/builtin-policies.js';
import { CEDAR_SCHEMA } from '../../policy/cedar-schema.js';
import { PolicyEngine } from '../../policy/engine.js';
import { formatProblem, PolicyLoadError } from '../../policy/policy-file.js';
import { expandPolicyPaths } from '../../config/load.js';
import { parseDuration } from '../../core/duration.js';
import { replayDecision, summarise, whyNotReplayed, type ReplayedDecision } from '../../policy/replay.js';
import type { Scope } from '../../policy/scopes.js';
import { parseScope } from '../../policy/scopes.js';
import { DEFAULT_STRENGTHS, type SignalName } from '../../baseline/names.js';
import { configOf, withRuntime } from '../context.js';
import { CliError, printJson, printTable } from '../output.js';

export function registerPolicy(program: Command): void {
  const policy = program.command('policy').description('Cedar policies: check them, see the schema and the built-in rules');
  policy
    .command('check [files...]')
    .description("parse and validate policies against Airlock's Cedar schema (default: the config's policy files)")
    .option('--json', 'print JSON')
    .action((files: string[], options: { json?: boolean }, command: Command) => {
      const paths = files.length > 0 ? files : configOf(command).policyFiles;
      try {
        const engine = PolicyEngine.load(paths);
        const mine = engine.policies.filter((p) => !p.id.startsWith('airlock/'));
        if (options.json) return printJson({ ok: true, policies: mine.map(({ text: _t, ...p }) => p) });
        printTable(
          mine.map((p) => ({ id: p.id, effect: p.effect, hold: p.annotations.hold ?? '', origin: p.origin })),
          ['id', 'effect', 'hold', 'origin'],
        );
        process.stdout.write(`ok: ${mine.length} polic${mine.length === 1 ? 'y' : 'ies'} in ${paths.length} file${paths.length === 1 ? '' : 's'}\n`);
      } catch (error) {
        if (!(error instanceof PolicyLoadError)) throw error;
        if (options.json) {
          printJson({ ok: false, problems: error.problems });
          throw new CliError('', 1);
        }
        throw new CliError(error.problems.map(formatProblem).join('\n'));
      }
    });
  policy
    .command('replay')
    .description('run recorded decisions through a set of policies and print what would change, before it is deployed')
    .option('--since <duration>', 'how far back to go (e.g. 7d, 12h)', '7d')
    .option('--policies <paths...>', 'policy files or folders to try (default: the config’s, as they are on disk now)')
    .option('--all', 'print every replayed decision, not only those that change')
    .option('--fail-on-change', 'exit 1 when any decision would change (for CI)')
    .option('--json', 'print JSON: the summary and the decisions')
    .addHelpText(
      'after',
      '\nReads the local store (run it where Airlock’s store is). Decisions that policies did not make\n' +
        '(a bad token, the stop, a freeze, an approval used) are skipped.\n\nExamples:\n' +
        '  airlock policy replay --since 7d --policies policies-next/\n  airlock policy replay --since 24h --fail-on-change\n',
    )
    .action((options: { since: string; policies?: string[]; all?: boolean; failOnChange?: boolean; json?: boolean }, command: Command) => {
      const window = parseDuration(options.since);
      if (window === undefined) throw new CliError(`--since ${options.since}: expected a duration such as 7d, 12h or 30m`);
      const config = configOf(command);
      const files = options.policies ? options.policies.flatMap(expandPolicyPaths) : config.policyFiles;
      let engine: PolicyEngine;
      try {
        engine = PolicyEngine.load(files);
      } catch (error) {
        if (error instanceof PolicyLoadError) throw new CliError(error.problems.map(formatProblem).join('\n'));
        throw error;
      }
      return withRuntime(command, async (runtime) => {
        const since = new Date(runtime.clock().getTime() - window).toISOString();
        const strengths = config.baseline.strengths as Partial<Record<string, number>>;
        const scopes = new Map<string, readonly Scope[] | undefined>();
        const results: ReplayedDecision[] = [];
        let skipped = 0;
        let afterSeq = 0;
        for (;;) {
          const page = await runtime.store.audit.list({ type: 'decision', afterSeq, limit: 1000 });
          if (page.length === 0) break;
          afterSeq = page.at(-1)!.seq;
          for (const record of page) {
            if (record.at < since) continue;
            if (whyNotReplayed(record)) {
              skipped++;
              continue;
            }
            if (!scopes.has(record.token!)) {
              const token = await runtime.store.tokens.get(record.token!);
              scopes.set(record.token!, token?.scopes.map(parseScope));
            }
            const replayed = replayDecision(record, {
              engine,
              scopesOf: (id) => scopes.get(id),
              strengthOf: (name) => strengths[name] ?? DEFAULT_STRENGTHS[name as SignalName] ?? 1,
            });
            if (replayed) results.push(replayed);
            else skipped++;
          }
          if (process.stderr.isTTY) process.stderr.write(`\rreplayed ${results.length} decisions…`);
        }
        if (process.stderr.isTTY) process.stderr.write('\r');
        const summary = summarise(results, skipped);
        const shown = options.all ? results : results.filter((r) => r.changed);
        if (options.json) printJson({ since, policies: files, summary, decisions: shown });
        else {
          if (shown.length > 0)
            printTable(
              shown.map((r) => ({
                seq: r.seq,
                at: r.at,
                agent: r.agent ?? '-',
                operation: `${r.action} [${r.class}] ${r.environment}`,
                was: r.was.code ? `${r.was.verdict} (${r.was.code})` : r.was.verdict,
                now: r.now.code ? `${r.now.verdict} (${r.now.code})` : r.now.verdict,
                why: r.now.reasons[0] ?? '',
              })),
              ['seq', 'at', 'agent', 'operation', 'was', 'now', 'why'],
            );
          const changes = Object.entries(summary.transitions).map(([k, n]) => `${n} ${k}`);
          process.stdout.write(
            `${summary.replayed} decision${summary.replayed === 1 ? '' : 's'} since ${since} replayed against ${files.length} policy file${files.length === 1 ? '' : 's'}: ` +
              `${summary.changed === 0 ? 'none would change' : `${summary.changed} would change (${changes.join(', ')})`}` +
              `${summary.skipped ? `; ${summary.skipped} not decided by policy, skipped` : ''}\n`,
          );
        }
        if (options.failOnChange && summary.changed > 0) throw new CliError('', 1);
      });
    });
  policy
    .command('schema')
    .description('print the Cedar schema policies are written against')
    .action(() => {
      process.stdout.write(CEDAR_SCHEMA);
    });
  policy
    .command('builtin')
    .description("print Airlock's built-in policies")
    .action(() => {
      process.stdout.write(`${BUILTIN_POLICIES.trim()}\n`);
    });
  policy
    .command('format <file>')
    .description('print a policy file in Cedar’s canonical format')
    .action(async (file: string) => {
      const { cedar } = await import('../../policy/cedar.js');
      const answer = cedar.formatPolicies({ policyText: readFileSync(file, 'utf8') });
      if (answer.type === 'failure') throw new CliError(answer.errors.map((e) => e.message).join('\n'));
      process.stdout.write(answer.formatted_policy);
    });
}
