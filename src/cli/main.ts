import '../wasm-safety.js';
import { readFileSync } from 'node:fs';
import { setFlagsFromString } from 'node:v8';
import { Command, CommanderError } from 'commander';
import { COMMANDS } from './commands/index.js';
import { CliError } from './output.js';

const { version } = JSON.parse(readFileSync(new URL('../../package.json', import.meta.url), 'utf8')) as { version: string };

const program = new Command('airlock')
  .description('Airlock: the safety layer between AI agents and production infrastructure')
  .version(version)
  .option('-c, --config <path>', 'config file (default: ./airlock.yaml, else ./examples/airlock.yaml; or AIRLOCK_CONFIG)')
  .showHelpAfterError('(run with --help for usage)')
  .exitOverride();

/** The command named on the command line, after the global options (and `help`). */
function commandName(args: readonly string[]): string | undefined {
  for (let i = 0; i < args.length; i++) {
    const arg = args[i]!;
    if (arg === '-c' || arg === '--config') i++;
    else if (arg === 'help') return args[i + 1];
    else if (!arg.startsWith('-')) return arg;
  }
  return undefined;
}

const name = commandName(process.argv.slice(2));
// A one-shot command gains nothing from optimising WebAssembly (Cedar, the parsers) in the
// background, and V8 would make it wait for that work before exiting: over a second, per call.
if (name !== 'start' && name !== 'demo') setFlagsFromString('--liftoff-only');
const wanted = COMMANDS.find((command) => name !== undefined && command.names.includes(name));
if (wanted) {
  const seen = new Set<unknown>();
  for (const register of await wanted.load()) {
    if (!seen.has(register)) register(program);
    seen.add(register);
  }
} else {
  // Listing only: a summary per command, nothing loaded.
  for (const command of COMMANDS) for (const each of command.names) program.command(each).description(command.summary);
}

/** Errors whose message is all a user needs: no stack trace. */
const EXPECTED = new Set(['CliError', 'AdminError', 'ConfigError', 'PolicyLoadError', 'IdentityError', 'ScopeError', 'StoreConflictError', 'SecretKeyError']);

program.parseAsync(process.argv).catch((error: unknown) => {
  if (error instanceof CommanderError) process.exit(error.exitCode);
  if (error instanceof Error && EXPECTED.has(error.name)) {
    if (error.message) process.stderr.write(`airlock: ${error.message.replace(/\n/g, '\nairlock: ')}\n`);
    process.exit(error instanceof CliError ? error.exitCode : 1);
  }
  process.stderr.write(`airlock: unexpected error: ${(error as Error).stack ?? String(error)}\n`);
  process.exit(70);
});
