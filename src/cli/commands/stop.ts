import type { Command } from 'commander';
import { localOperator, withRuntime } from '../context.js';
import { CliError } from '../output.js';
import { setAgentState } from './agent.js';

export function registerStop(program: Command): void {
  program
    .command('stop')
    .description('EMERGENCY STOP: deny everything one agent (or every agent) asks, at once, at every door')
    .option('--agent <name>', 'stop this agent')
    .option('--all', 'stop every agent')
    .option('--reason <text>', 'why (recorded, and told to the agents)')
    .action((options: { agent?: string; all?: boolean; reason?: string }, command: Command) =>
      withRuntime(command, async (runtime) => {
        if (Boolean(options.agent) === Boolean(options.all)) throw new CliError('say who to stop: --agent NAME or --all', 2);
        const operator = localOperator();
        const reason = options.reason ?? `emergency stop by ${operator}`;
        if (options.all) {
          await runtime.store.control.setStopAll({ reason, by: operator, at: runtime.clock().toISOString() });
          await runtime.audit.append({ type: 'stop.all', operator, reasons: [reason] });
          process.stdout.write(`ALL AGENTS STOPPED (${reason}). Undo with: airlock resume --all\n`);
        } else {
          await setAgentState(runtime, options.agent!, 'stopped', reason, 'stop.agent');
          process.stdout.write(`agent ${options.agent} STOPPED (${reason}). Undo with: airlock resume --agent ${options.agent}\n`);
        }
      }),
    );
  program
    .command('resume')
    .description('lift an emergency stop')
    .option('--agent <name>', 'resume this agent')
    .option('--all', 'lift the stop for all agents (agents stopped one by one stay stopped)')
    .action((options: { agent?: string; all?: boolean }, command: Command) =>
      withRuntime(command, async (runtime) => {
        if (Boolean(options.agent) === Boolean(options.all)) throw new CliError('say who to resume: --agent NAME or --all', 2);
        if (options.all) {
          await runtime.store.control.setStopAll(undefined);
          await runtime.audit.append({ type: 'resume.all', operator: localOperator() });
          process.stdout.write('the stop for all agents is lifted\n');
        } else {
          await setAgentState(runtime, options.agent!, 'active', undefined, 'resume.agent');
          process.stdout.write(`agent ${options.agent} is active again\n`);
        }
      }),
    );
}
