import type { Command } from 'commander';
import { parseDuration } from '../../core/duration.js';
import { issueToken } from '../../identity/tokens.js';
import { tokenHint } from '../../identity/token-format.js';
import { localOperator, withRuntime } from '../context.js';
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
      withRuntime(command, async (runtime) => {
        const ttlMs = options.ttl === undefined ? runtime.config.tokens.defaultTtl : parseDuration(options.ttl);
        if (ttlMs === undefined) throw new CliError(`--ttl ${options.ttl}: use a duration such as 30m, 8h or 7d`, 2);
        const issued = await issueToken(
          runtime.store,
          { agent: options.agent, scopes: options.scope, ttlMs, ...(options.label ? { label: options.label } : {}) },
          runtime.clock(),
        );
        await runtime.audit.append({
          type: 'token.issued',
          agent: issued.record.agent,
          token: issued.record.id,
          operator: localOperator(),
          detail: { scopes: issued.record.scopes, expiresAt: issued.record.expiresAt },
        });
        if (options.json) {
          return printJson({ token: issued.token, id: issued.record.id, agent: issued.record.agent, scopes: issued.record.scopes, expiresAt: issued.record.expiresAt });
        }
        process.stdout.write(
          `${issued.token}\n\n` +
            `Token ${issued.record.id} for agent ${issued.record.agent}, scopes ${issued.record.scopes.join(' ')}, expires ${issued.record.expiresAt}.\n` +
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
      withRuntime(command, async (runtime) => {
        const now = runtime.clock().getTime();
        const tokens = (await runtime.store.tokens.list({ ...(options.agent ? { agent: options.agent } : {}), includeRevoked: options.all ?? false })).map(
          ({ hash: _hash, ...t }) => ({
            ...t,
            hint: tokenHint(t.id),
            status: t.revokedAt ? 'revoked' : Date.parse(t.expiresAt) <= now ? 'expired' : 'active',
          }),
        );
        if (options.json) return printJson(tokens);
        printTable(tokens, ['id', 'agent', 'status', 'scopes', 'expiresAt', 'label']);
      }),
    );
  token
    .command('revoke <id>')
    .description('revoke a token at once (by id, as `token list` shows it)')
    .action((id: string, _options: unknown, command: Command) =>
      withRuntime(command, async (runtime) => {
        const existing = await runtime.store.tokens.get(id.replace(/^alk_/, '').slice(0, 12));
        if (!existing) throw new CliError(`no token with id ${id} (see: airlock token list)`);
        const revoked = await runtime.store.tokens.revoke(existing.id, runtime.clock().toISOString());
        await runtime.audit.append({ type: 'token.revoked', agent: existing.agent, token: existing.id, operator: localOperator() });
        process.stdout.write(`token ${existing.id} of agent ${existing.agent} revoked at ${revoked?.revokedAt}\n`);
      }),
    );
}
