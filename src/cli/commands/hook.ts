import { readFileSync } from 'node:fs';
import { resolve } from 'node:path';
import type { Command } from 'commander';
import { HARNESS, HARNESSES, isHarness } from '../../doors/hook/harnesses.js';
import { airlockEntry, hookCommandLine, MINIMAL_PATH, probeHookCommand, SAMPLE_COMMAND } from '../../doors/hook/launch.js';
import { installHook, SETTINGS_FILE } from '../../doors/hook/install.js';
import { hookCommand, HookUsageError } from '../../doors/hook/command.js';
import { CliError } from '../output.js';

const HARNESS_LIST = HARNESSES.join(', ');

/**
 * `airlock hook <harness>` (run by the harness, never by hand) and `airlock init <harness>`.
 */
export function registerHook(program: Command): void {
  program
    .command('hook')
    .description(`judge the tool call a coding agent is about to make (run by the harness: ${HARNESS_LIST})`)
    .argument('<harness>', HARNESS_LIST)
    .option('--url <url>', 'the running Airlock (default: AIRLOCK_AGENT_URL, else the config’s listen address)')
    .option('--token-file <path>', 'a file holding the agent’s Airlock token (default: AIRLOCK_TOKEN, else AIRLOCK_TOKEN_FILE)')
    .option('--timeout <seconds>', 'how long to wait for Airlock before refusing', '15')
    .addHelpText(
      'after',
      '\nReads the harness’s hook payload on stdin and prints its answer on stdout. If Airlock cannot be\nreached, the answer is a refusal: nothing runs unjudged. See docs/hooks/.\n',
    )
    .action(async (name: string, options: { url?: string; tokenFile?: string; timeout: string }, command: Command) => {
      const root = (command.parent?.opts() ?? {}) as { config?: string };
      try {
        const output = await hookCommand(name, { ...options, config: root.config }, readFileSync(0, 'utf8'));
        process.stdout.write(output.stdout);
        process.exitCode = output.exitCode;
      } catch (error) {
        if (error instanceof HookUsageError) throw new CliError(error.message, 2);
        throw error;
      }
    });

  program
    .command('init')
    .description(`add Airlock’s hook to a project’s coding-agent settings (${HARNESS_LIST}), merging with what is there`)
    .argument('<harness>', HARNESS_LIST)
    .option('--dir <path>', 'the project folder', '.')
    .option('--command <command>', 'what starts Airlock in the hook command (default: this node and this Airlock, by absolute path)')
    .option('--dry-run', 'print the merged settings without writing them')
    .addHelpText(
      'after',
      '\nThe hook command is run once, as the harness runs it (sh -c, PATH=/usr/bin:/bin), before anything is written.\nAny failure to start it exits 2, which every supported harness reads as "block". Check it later with airlock doctor.\n',
    )
    .action((name: string, options: { dir: string; command?: string; dryRun?: boolean }, command: Command) => {
      if (!isHarness(name)) throw new CliError(`unknown harness "${name}"; use one of ${HARNESS_LIST}`, 2);
      const dir = resolve(options.dir);
      // A config named here is named in the hook too, so that it finds the same Airlock.
      const config = (command.parent?.opts() as { config?: string } | undefined)?.config;
      const line = hookCommandLine(name, { ...(options.command ? { prefix: options.command } : {}), args: config ? ['--config', resolve(config)] : [] });
      const probe = probeHookCommand(name, line, { cwd: dir });
      if (probe.kind === 'broken') {
        throw new CliError(
          `the hook command does not run as ${HARNESS[name].title} would run it (sh -c, PATH=${MINIMAL_PATH}): ${probe.why}\n  ${line}\nnothing was written`,
        );
      }
      let result: ReturnType<typeof installHook>;
      try {
        result = installHook(name, dir, line, options.dryRun ?? false);
      } catch (error) {
        throw new CliError((error as Error).message);
      }
      if (options.dryRun) {
        process.stdout.write(result.text);
        return;
      }
      const file = SETTINGS_FILE[name];
      if (!options.command && airlockEntry().includes('/_npx/'))
        process.stderr.write(
          "warning: this Airlock runs from npx's cache, which npm may clear; the hook would then refuse every command. Install the airlock command (see the README) and run airlock init again.\n",
        );
      process.stdout.write(result.changed ? `Airlock's hook is now in ${file}:\n  ${line}\n` : `${file} already runs Airlock's hook; nothing changed.\n`);
      process.stdout.write(`Ran it once as ${HARNESS[name].title} would (sh -c, PATH=${MINIMAL_PATH}) with the command "${SAMPLE_COMMAND}": `);
      if (probe.kind === 'allow') process.stdout.write('Airlock allowed it.\n');
      else process.stdout.write(`it was refused, as every command will be until this is fixed:\n  ${probe.reason.split(' Stop. ')[0]}\n`);
      process.stdout.write(
        `Give the agent its token in ${HARNESS[name].title}'s environment (AIRLOCK_TOKEN or AIRLOCK_TOKEN_FILE) and, if Airlock is not at the config's address, AIRLOCK_AGENT_URL.\n` +
          `Check it any time with: airlock doctor. See docs/hooks/${name}.md.\n`,
      );
    });
}
