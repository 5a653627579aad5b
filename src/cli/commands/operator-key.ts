import type { Command } from 'commander';
import { parseDuration } from '../../core/duration.js';
import { issueOperatorKey, listOperatorKeys, revokeOperatorKey } from '../../console/auth/operator-keys.js';
import { adminUrlOf, localOperator, withRuntime } from '../context.js';
import { CliError, printJson, printTable } from '../output.js';

/** Key management reads and writes the store itself: it is how the first key comes to exist. */
function onThisHost(): void {
  if (adminUrlOf(process.env)) {
    throw new CliError('operator keys are managed on the Airlock host (unset AIRLOCK_ADMIN_URL and AIRLOCK_URL) or in the console under Operators', 2);
  }
}

/** `airlock operator key …`: API keys for the CLI against a remote Airlock (AIRLOCK_API_KEY). */
export function registerOperatorKey(program: Command): void {
  const operator =
    program.commands.find((command) => command.name() === 'operator') ??
    program.command('operator').description('the humans who approve holds, each with a second factor (TOTP)');
  const key = operator.command('key').description('API keys an operator uses with AIRLOCK_ADMIN_URL to run the CLI against a remote Airlock');
  key
    .command('issue <operator>')
    .description('issue an API key to an enrolled operator; it is printed once and stored only as a hash')
    .option('--label <text>', 'a note to recognise it by (e.g. laptop)')
    .option('--ttl <duration>', 'lifetime, e.g. 30d, 90d (default: no expiry)')
    .option('--json', 'print JSON')
    .action((name: string, options: { label?: string; ttl?: string; json?: boolean }, command: Command) => {
      onThisHost();
      const ttlMs = options.ttl === undefined ? undefined : parseDuration(options.ttl);
      if (options.ttl !== undefined && ttlMs === undefined) throw new CliError(`--ttl ${options.ttl}: use a duration such as 30d or 90d`, 2);
      return withRuntime(command, async (runtime) => {
        const issued = await issueOperatorKey(
          runtime,
          { operator: name, ...(options.label ? { label: options.label } : {}), ...(ttlMs !== undefined ? { ttlMs } : {}) },
          localOperator(),
        );
        if (options.json) return printJson(issued);
        process.stdout.write(
          `${issued.key}\n\nAPI key ${issued.id} for operator ${issued.operator}${issued.expiresAt ? `, expires ${issued.expiresAt}` : ''}.\n` +
            'This is the only time it is shown. Use it with:\n' +
            `  export AIRLOCK_ADMIN_URL=http://<airlock-host>:${runtime.config.listen.http.port}\n  export AIRLOCK_API_KEY=${issued.key.slice(0, 10)}…\n  airlock hold list\n`,
        );
      });
    });
  key
    .command('list')
    .description('list operator API keys (never their secret part)')
    .option('--operator <name>', 'only this operator')
    .option('--all', 'include revoked keys')
    .option('--json', 'print JSON')
    .action((options: { operator?: string; all?: boolean; json?: boolean }, command: Command) => {
      onThisHost();
      return withRuntime(command, async (runtime) => {
        const keys = await listOperatorKeys(runtime, { ...(options.operator ? { operator: options.operator } : {}), includeRevoked: options.all ?? false });
        if (options.json) return printJson(keys);
        printTable(keys, ['id', 'operator', 'status', 'label', 'createdAt', 'expiresAt', 'usedAt']);
      });
    });
  key
    .command('revoke <id>')
    .description('revoke an operator API key at once')
    .action((id: string, _options: unknown, command: Command) => {
      onThisHost();
      return withRuntime(command, async (runtime) => {
        const revoked = await revokeOperatorKey(runtime, id, localOperator());
        process.stdout.write(`API key ${revoked.id} of operator ${revoked.operator} revoked at ${revoked.revokedAt}\n`);
      });
    });
}
