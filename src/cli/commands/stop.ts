import type { Command } from 'commander';
import { withAdmin } from '../context.js';
import { CliError } from '../output.js';

export function registerStop(program: Command): void {
  program
    .command('stop')
    .description('EMERGENCY STOP: deny everything one agent (or every agent) asks, at once, at every door')
    .option('--agent <name>', 'stop this agent')
    .option('--all', 'stop every agent')
    .option('--reason <text>', 'why (recorded, and told to the agents)')
    .action((options: { agent?: string; all?: boolean; reason?: string }, command: Command) =>
      withAdmin(command, async (admin) => {
        if (Boolean(options.agent) === Boolean(options.all)) throw new CliError('say who to stop: --agent NAME or --all', 2);
        const { reason } = await admin.stop(options);
        process.stdout.write(
          options.all
            ? `ALL AGENTS STOPPED (${reason}). Undo with: airlock resume --all\n`
            : `agent ${options.agent} STOPPED (${reason}). Undo with: airlock resume --agent ${options.agent}\n`,
        );
      }),
    );
  program
    .command('resume')
    .description('lift an emergency stop')
    .option('--agent <name>', 'resume this agent')
    .option('--all', 'lift the stop for all agents (agents stopped one by one stay stopped)')
    .action((options: { agent?: string; all?: boolean }, command: Command) =>
      withAdmin(command, async (admin) => {
        if (Boolean(options.agent) === Boolean(options.all)) throw new CliError('say who to resume: --agent NAME or --all', 2);
        await admin.resume(options);
        process.stdout.write(options.all ? 'the stop for all agents is lifted\n' : `agent ${options.agent} is active again\n`);
      }),
    );
}
