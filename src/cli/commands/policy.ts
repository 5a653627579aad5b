import { readFileSync } from 'node:fs';
import type { Command } from 'commander';
import { BUILTIN_POLICIES } from '../../policy/builtin-policies.js';
import { CEDAR_SCHEMA } from '../../policy/cedar-schema.js';
import { PolicyEngine } from '../../policy/engine.js';
import { formatProblem, PolicyLoadError } from '../../policy/policy-file.js';
import { configOf } from '../context.js';
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
