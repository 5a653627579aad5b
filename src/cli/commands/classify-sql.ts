import { readFileSync } from 'node:fs';
import type { Command } from 'commander';
import { analyzeSql, loadSqlClassifier } from '../../classify/sql/index.js';
import { severity } from '../../core/operation.js';
import { CliError, printJson, printTable } from '../output.js';

interface ClassifySqlOptions {
  json?: boolean;
  eachLine?: boolean;
}

/**
 * `airlock classify sql`: how the PostgreSQL door sees SQL, without a database or a config.
 * Reads stdin (or the files named), prints each statement's action, class and why.
 */
export function registerClassifySql(program: Command): void {
  const group =
    program.commands.find((command) => command.name() === 'classify') ??
    program.command('classify').description('show how Airlock classifies a request, without sending it anywhere');
  group
    .command('sql')
    .description('classify SQL read from stdin (or files): each statement’s action, class and why')
    .argument('[files...]', 'SQL files to read instead of stdin (- is stdin)')
    .option('--json', 'print JSON: one object per statement')
    .option('--each-line', 'one case a line (a log of statements, say): print one JSON object a line, with its line number')
    .addHelpText(
      'after',
      "\nExamples:\n  echo 'DELETE FROM users WHERE 1=1' | airlock classify sql\n  airlock classify sql --json migrations/*.sql\n  airlock classify sql --each-line statements.log > classes.jsonl\n",
    )
    .action(async (files: string[], options: ClassifySqlOptions) => {
      await loadSqlClassifier();
      const inputs = (files.length > 0 ? files : ['-']).map((file) => ({ name: file === '-' ? 'stdin' : file, text: readInput(file === '-' ? 0 : file) }));
      if (options.eachLine) {
        eachLine(inputs);
        return;
      }
      const rows: Record<string, unknown>[] = [];
      const failures: string[] = [];
      for (const input of inputs) {
        const analysis = analyzeSql(input.text);
        if (!analysis.ok) {
          failures.push(`${input.name}: ${analysis.error}${analysis.position ? ` at character ${analysis.position}` : ''}`);
          continue;
        }
        for (const statement of analysis.statements) {
          const { part } = statement;
          rows.push({
            ...(inputs.length > 1 ? { file: input.name } : {}),
            action: part.action,
            class: part.class,
            resources: part.resources,
            ...(part.why ? { why: part.why } : {}),
            statement: part.text,
          });
        }
      }
      if (options.json) printJson(rows);
      else {
        const columns = [...(inputs.length > 1 ? ['file'] : []), 'class', 'action', 'resources', 'statement'];
        printTable(
          rows.map((row) => ({ ...row, statement: oneLine(String(row.statement)) })),
          columns,
        );
        const explained = rows.filter((row) => row.why);
        if (explained.length) {
          process.stdout.write('\nwhy:\n');
          for (const row of explained) process.stdout.write(`  ${oneLine(String(row.statement), 60)}\n    ${String(row.class)}: ${String(row.why)}\n`);
        }
      }
      if (failures.length) throw new CliError(`PostgreSQL's parser rejects ${failures.join('; ')}`);
    });
}

/** One JSON line per input line: a statement log or a folder of one-liners judged at once. */
function eachLine(inputs: readonly { name: string; text: string }[]): void {
  let rejected = 0;
  for (const input of inputs) {
    input.text.split(/\r?\n/).forEach((text, index) => {
      if (text.trim() === '') return;
      const where = { ...(inputs.length > 1 ? { file: input.name } : {}), line: index + 1 };
      const analysis = analyzeSql(text);
      if (!analysis.ok) {
        rejected++;
        process.stdout.write(`${JSON.stringify({ ...where, text, error: analysis.error })}\n`);
        return;
      }
      const parts = analysis.statements.map((s) => s.part);
      const worst = parts.reduce((a, b) => (severity(b.class) > severity(a.class) ? b : a), parts[0]!);
      process.stdout.write(
        `${JSON.stringify({ ...where, text, class: worst?.class ?? 'read', action: worst?.action ?? 'sql:empty', ...(worst?.why ? { why: worst.why } : {}) })}\n`,
      );
    });
  }
  if (rejected > 0) throw new CliError(`PostgreSQL's parser rejects ${rejected} line${rejected === 1 ? '' : 's'} (each printed with its error)`);
}

function readInput(source: string | 0): string {
  try {
    return readFileSync(source, 'utf8');
  } catch (error) {
    throw new CliError(`cannot read ${source === 0 ? 'stdin' : source}: ${(error as NodeJS.ErrnoException).code ?? (error as Error).message}`);
  }
}

function oneLine(text: string, width = 80): string {
  const flat = text.replace(/\s+/g, ' ').trim();
  return flat.length > width ? `${flat.slice(0, width - 1)}…` : flat;
}
