import { readFileSync } from 'node:fs';
import { resolve } from 'node:path';
import type { Command } from 'commander';
import type { ShellClassification } from '../../classify/shell/index.js';
import { DEFAULT_PROTECTED_BRANCHES, type ShellContext } from '../../classify/shell/context.js';
import { ConfigError } from '../../config/load.js';
import { mostDangerousPart } from '../../core/operation.js';
import { configOf } from '../context.js';
import { CliError, printJson, printTable } from '../output.js';

interface ClassifyShellOptions {
  json?: boolean;
  eachLine?: string;
  workspace?: string;
  branch?: string;
}

/**
 * `airlock classify shell`: how the hook door sees a command line, without running it. With
 * `--each-line FILE` (or `-` for stdin) every line is one command, and each gets one JSON line
 * back, so that a shell history or a folder of scripts can be reviewed at once.
 */
export function registerClassifyShell(program: Command): void {
  const group =
    program.commands.find((c) => c.name() === 'classify') ??
    program.command('classify').description('show how Airlock classifies a request, without sending it anywhere');
  group
    .command('shell')
    .description('classify a shell command line (from the argument or stdin): each command’s action and class')
    .argument('[command]', 'the command line; read from stdin when absent')
    .option('--json', 'print JSON')
    .option('--each-line <file>', 'classify every line of FILE (- for stdin) as one command; prints one JSON object a line')
    .option('--workspace <dir>', 'the agent’s workspace (default: the current folder)')
    .option('--branch <name>', 'the git branch checked out')
    .addHelpText(
      'after',
      `\nExamples:\n  airlock classify shell 'railway volume delete --volume vol_1'\n  echo 'curl -X DELETE https://api.example.com/v1/x' | airlock classify shell --json\n  airlock classify shell --each-line ~/.bash_history | grep -v '"class":"read"'\n`,
    )
    .action(async (line: string | undefined, options: ClassifyShellOptions, command: Command) => {
      // Loaded here, not at start-up: the parsers are only needed by this command.
      const { classifyShell } = await import('../../classify/shell/index.js');
      const context = await contextFor(command, options);
      if (options.eachLine !== undefined) {
        if (line !== undefined) throw new CliError('give either a command or --each-line, not both', 2);
        const text = readInput(options.eachLine === '-' ? 0 : options.eachLine);
        for (const [index, entry] of text.split(/\r?\n/).entries()) {
          if (entry.trim() === '') continue;
          process.stdout.write(`${JSON.stringify(summary(index + 1, entry, await classifyShell(entry, context)))}\n`);
        }
        return;
      }
      const result = await classifyShell(line ?? readInput(0), context);
      if (!result.ok) {
        if (options.json) printJson({ ok: false, error: result.error });
        throw new CliError(result.error);
      }
      if (options.json) {
        printJson({ ok: true, class: mostDangerousPart(result.parts)?.class ?? 'read', upstreams: result.upstreams, local: result.local, parts: result.parts });
        return;
      }
      printTable(
        result.parts.map((p) => ({ class: p.class, action: p.action, resources: p.resources, command: oneLine(p.text ?? '') })),
        ['class', 'action', 'resources', 'command'],
      );
      const explained = result.parts.filter((p) => p.why);
      if (explained.length) {
        process.stdout.write('\nwhy:\n');
        for (const p of explained) process.stdout.write(`  ${p.action}: ${p.why}\n`);
      }
    });
}

/** One line of `--each-line` output: the worst part decides the class, and says why. */
export function summary(lineNumber: number, command: string, result: ShellClassification): Record<string, unknown> {
  if (!result.ok) return { line: lineNumber, command, ok: false, class: 'refused', why: result.error };
  const worst = mostDangerousPart(result.parts);
  return {
    line: lineNumber,
    command,
    ok: true,
    class: worst?.class ?? 'read',
    action: worst?.action,
    why: worst?.why ?? `${worst?.action ?? 'the command'} is a ${worst?.class ?? 'read'}`,
    parts: result.parts.map((p) => ({ action: p.action, class: p.class, ...(p.why ? { why: p.why } : {}) })),
  };
}

async function contextFor(command: Command, options: ClassifyShellOptions): Promise<ShellContext> {
  const { airlockHostsOf, shellContextFor } = await import('../../doors/hook/context.js');
  const { knownSecretsOf } = await import('../../scan/secrets.js');
  const workspace = resolve(options.workspace ?? '.');
  const branch = options.branch ? { branch: options.branch } : {};
  try {
    const config = configOf(command);
    return shellContextFor(config, { workspace, ...branch }, knownSecretsOf(config).secrets, airlockHostsOf(config));
  } catch (error) {
    if (!(error instanceof ConfigError)) throw error;
    return { workspace, protectedBranches: DEFAULT_PROTECTED_BRANCHES, upstreams: [], secrets: [], ...branch };
  }
}

function readInput(source: string | 0): string {
  try {
    return readFileSync(source, 'utf8');
  } catch (error) {
    throw new CliError(`cannot read ${source === 0 ? 'stdin' : source}: ${(error as NodeJS.ErrnoException).code ?? (error as Error).message}`);
  }
}

function oneLine(text: string, width = 70): string {
  const flat = text.replace(/\s+/g, ' ').trim();
  return flat.length > width ? `${flat.slice(0, width - 1)}…` : flat;
}
