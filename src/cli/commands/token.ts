import type { Command } from 'commander';
import { parseDuration } from '../../core/duration.js';
import { withAdmin } from '../context.js';
import { CliError, printJson, printTable } from '../output.js';

const collect = (value: string, previous: string[] = []) => [...previous, value];

export function registerToken(program: Command): void {
  const token = program.command('token').description('issue, list and revoke agent tokens');
  token
    .command('issue')
    .description('issue a token to an agent; it is printed once and never stored')
    .requiredOption('--agent <name>', 'the agent that will hold it')
    .requiredOption(
      '--scope <scope>',
      'CLASS:ENV[:UPSTREAM[:RESOURCE-GLOB]], repeatable; e.g. write:staging, read:*, destructive:staging:railway:vol_*',
      collect,
    )
    .option('--ttl <duration>', 'lifetime, e.g. 30m, 8h, 7d (default: tokens.defaultTtl, 8h)')
    .option('--label <text>', 'a note to recognise it by')
    .option('--json', 'print JSON')
    .action((options: { agent: string; scope: string[]; ttl?: string; label?: string; json?: boolean }, command: Command) =>
      withAdmin(command, async (admin) => {
        const ttlMs = options.ttl === undefined ? undefined : parseDuration(options.ttl);
        if (options.ttl !== undefined && ttlMs === undefined) throw new CliError(`--ttl ${options.ttl}: use a duration such as 30m, 8h or 7d`, 2);
        const issued = await admin.issueToken({
          agent: options.agent,
          scopes: options.scope,
          ...(ttlMs !== undefined ? { ttlMs } : {}),
          ...(options.label ? { label: options.label } : {}),
        });
        if (options.json) return printJson(issued);
        process.stdout.write(
          `${issued.token}\n\n` +
            `Token ${issued.id} for agent ${issued.agent}, scopes ${issued.scopes.join(' ')}, expires ${issued.expiresAt}.\n` +
            'This is the only time it is shown: give it to the agent now (e.g. as AIRLOCK_TOKEN).\n',
        );
      }),
    );
  token
    .command('list')
    .description('list tokens (never their secret part)')
    .option('--agent <name>', 'only this agent')
    .option('--all', 'include revoked tokens')
    .option('--json', 'print JSON')
    .action((options: { agent?: string; all?: boolean; json?: boolean }, command: Command) =>
      withAdmin(command, async (admin) => {
        const tokens = await admin.listTokens({ ...(options.agent ? { agent: options.agent } : {}), includeRevoked: options.all ?? false });
        if (options.json) return printJson(tokens);
        printTable(tokens, ['id', 'agent', 'status', 'scopes', 'expiresAt', 'label']);
      }),
    );
  token
    .command('revoke <id>')
    .description('revoke a token at once (by id, as `token list` shows it)')
    .action((id: string, _options: unknown, command: Command) =>
      withAdmin(command, async (admin) => {
        const revoked = await admin.revokeToken({ id });
        process.stdout.write(`token ${revoked.id} of agent ${revoked.agent} revoked at ${revoked.revokedAt}\n`);
      }),
    );
}
