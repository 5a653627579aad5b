import { readFileSync } from 'node:fs';
import type { Command } from 'commander';
import { HARNESSES } from '../../doors/hook/harnesses.js';
import { hookCommand, HookUsageError } from '../../doors/hook/command.js';
import { CliError } from '../output.js';

const HARNESS_LIST = HARNESSES.join(', ');

/**
 * `airlock hook <harness>`: run by the harness, never by hand (`airlock init <harness>` installs it).
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
}
