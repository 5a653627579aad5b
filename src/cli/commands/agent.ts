import type { Command } from 'commander';
import { parseDuration } from '../../core/duration.js';
import { withAdmin } from '../context.js';
import { CliError, printJson, printTable } from '../output.js';

export function registerAgent(program: Command): void {
  const agent = program.command('agent').description('manage agents: the non-human principals that hold tokens');
  agent
    .command('add <name>')
    .description('create an agent')
    .option('--description <text>', 'what the agent is for')
    .action((name: string, options: { description?: string }, command: Command) =>
      withAdmin(command, async (admin) => {
        await admin.addAgent({ name, ...(options.description ? { description: options.description } : {}) });
        process.stdout.write(`agent ${name} added. Issue it a token:\n  airlock token issue --agent ${name} --scope write:staging --ttl 8h\n`);
      }),
    );
  agent
    .command('list')
    .description('list agents and their state')
    .option('--json', 'print JSON')
    .action((options: { json?: boolean }, command: Command) =>
      withAdmin(command, async (admin) => {
        const agents = await admin.listAgents();
        if (options.json) return printJson(agents);
        printTable(
          agents.map((a) => ({
            ...a,
            reason: a.stateReason,
            observing: a.observeUntil && Date.parse(a.observeUntil) > Date.now() ? `until ${a.observeUntil}` : '',
          })),
          ['name', 'state', 'reason', 'observing', 'createdAt', 'description'],
        );
      }),
    );
  for (const [verb, state, help] of [
    ['suspend', 'suspended', 'deny everything the agent asks until it is resumed'],
    ['resume', 'active', 'let a suspended or stopped agent act again'],
  ] as const) {
    agent
      .command(`${verb} <name>`)
      .description(help)
      .option('--reason <text>', 'why (recorded, and told to the agent)')
      .action((name: string, options: { reason?: string }, command: Command) =>
        withAdmin(command, async (admin) => {
          await admin.setAgentState({ name, state, ...(options.reason ? { reason: options.reason } : {}) });
          process.stdout.write(`agent ${name} is ${state}\n`);
        }),
      );
  }
  agent
    .command('observe <name>')
    .description('observe mode: record what would be held or refused, and forward it (never when stopped or frozen)')
    .option('--for <duration>', 'how long, e.g. 7d or 12h (at most 90d)')
    .option('--off', 'end observe mode now')
    .addHelpText(
      'after',
      '\nFor adopting Airlock without breaking a team’s agents: run them in observe mode for a week,\n' +
        'read what would have been held (airlock audit tail, the console), then turn it off.\n\n' +
        'Examples:\n  airlock agent observe deploy-bot --for 7d\n  airlock agent observe deploy-bot --off\n',
    )
    .action((name: string, options: { for?: string; off?: boolean }, command: Command) =>
      withAdmin(command, async (admin) => {
        if (options.off && options.for) throw new CliError('give either --for or --off, not both');
        const forMs = options.for === undefined ? undefined : parseDuration(options.for);
        if (!options.off && forMs === undefined)
          throw new CliError(options.for ? `--for ${options.for}: expected a duration such as 7d or 12h` : 'give how long to observe (--for 7d), or --off');
        const agent = await admin.setAgentObserve({ name, ...(options.off ? { off: true } : { forMs: forMs! }) });
        process.stdout.write(
          agent.observeUntil
            ? `agent ${name} is in observe mode until ${agent.observeUntil}: what would be held or refused is recorded and forwarded\n`
            : `agent ${name} is no longer in observe mode: holds and refusals apply again\n`,
        );
      }),
    );
  agent
    .command('remove <name>')
    .description('delete an agent and revoke all its tokens')
    .action((name: string, _options: unknown, command: Command) =>
      withAdmin(command, async (admin) => {
        await admin.removeAgent({ name });
        process.stdout.write(`agent ${name} removed; its tokens are revoked\n`);
      }),
    );
}
