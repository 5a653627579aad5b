import type { Command } from 'commander';
import { withRuntime, localOperator } from '../context.js';
import { CliError, printJson, printTable } from '../output.js';
import type { AgentState } from '../../policy/decide.js';
import type { Runtime } from '../../server/runtime.js';

export async function setAgentState(runtime: Runtime, name: string, state: AgentState, reason: string | undefined, type: string) {
  const agent = await runtime.store.agents.setState(name, state, state === 'active' ? undefined : reason);
  if (!agent) throw new CliError(`no agent named "${name}" (see: airlock agent list)`);
  await runtime.audit.append({ type, agent: name, operator: localOperator(), ...(reason ? { reasons: [reason] } : {}) });
  return agent;
}

export function registerAgent(program: Command): void {
  const agent = program.command('agent').description('manage agents: the non-human principals that hold tokens');
  agent
    .command('add <name>')
    .description('create an agent')
    .option('--description <text>', 'what the agent is for')
    .action((name: string, options: { description?: string }, command: Command) =>
      withRuntime(command, async (runtime) => {
        if (!/^[a-z0-9][a-z0-9._-]*$/.test(name)) {
          throw new CliError('agent names use lower-case letters, digits, ".", "_" and "-" (e.g. deploy-bot)', 2);
        }
        const now = runtime.clock().toISOString();
        await runtime.store.agents.add({ name, ...(options.description ? { description: options.description } : {}) }, now);
        await runtime.audit.append({ type: 'agent.added', agent: name, operator: localOperator() });
        process.stdout.write(`agent ${name} added. Issue it a token:\n  airlock token issue --agent ${name} --scope write:staging --ttl 8h\n`);
      }),
    );
  agent
    .command('list')
    .description('list agents and their state')
    .option('--json', 'print JSON')
    .action((options: { json?: boolean }, command: Command) =>
      withRuntime(command, async (runtime) => {
        const agents = await runtime.store.agents.list();
        if (options.json) return printJson(agents);
        printTable(agents.map((a) => ({ ...a, reason: a.stateReason })), ['name', 'state', 'reason', 'createdAt', 'description']);
      }),
    );
  for (const [verb, state, type, help] of [
    ['suspend', 'suspended', 'agent.suspended', 'deny everything the agent asks until it is resumed'],
    ['resume', 'active', 'agent.resumed', 'let a suspended or stopped agent act again'],
  ] as const) {
    agent
      .command(`${verb} <name>`)
      .description(help)
      .option('--reason <text>', 'why (recorded, and told to the agent)')
      .action((name: string, options: { reason?: string }, command: Command) =>
        withRuntime(command, async (runtime) => {
          await setAgentState(runtime, name, state, options.reason ?? (state === 'active' ? undefined : `${verb}ed by ${localOperator()}`), type);
          process.stdout.write(`agent ${name} is ${state}\n`);
        }),
      );
  }
  agent
    .command('remove <name>')
    .description('delete an agent and revoke all its tokens')
    .action((name: string, _options: unknown, command: Command) =>
      withRuntime(command, async (runtime) => {
        if (!(await runtime.store.agents.remove(name, runtime.clock().toISOString()))) {
          throw new CliError(`no agent named "${name}" (see: airlock agent list)`);
        }
        await runtime.audit.append({ type: 'agent.removed', agent: name, operator: localOperator() });
        process.stdout.write(`agent ${name} removed; its tokens are revoked\n`);
      }),
    );
}
