import '../wasm-safety.js';
import { readFileSync } from 'node:fs';
import { Command, CommanderError } from 'commander';
import { AdminError } from '../admin/admin.js';
import { ConfigError } from '../config/load.js';
import { IdentityError } from '../identity/tokens.js';
import { PolicyLoadError } from '../policy/policy-file.js';
import { ScopeError } from '../policy/scopes.js';
import { StoreConflictError } from '../store/store.js';
import { registerAgent } from './commands/agent.js';
import { registerAudit } from './commands/audit.js';
import { registerClassifyGraphQL } from './commands/classify-graphql.js';
import { registerClassifySql } from './commands/classify-sql.js';
import { registerConfig } from './commands/config.js';
import { registerDemo } from './commands/demo.js';
import { registerExplain } from './commands/explain.js';
import { registerMcp } from './commands/mcp.js';
import { registerHold } from './commands/hold.js';
import { SecretKeyError } from '../identity/secret-box.js';
import { registerOperator } from './commands/operator.js';
import { registerOperatorKey } from './commands/operator-key.js';
import { registerFreeze } from './commands/freeze.js';
import { registerPolicy } from './commands/policy.js';
import { registerStart } from './commands/start.js';
import { registerStop } from './commands/stop.js';
import { registerToken } from './commands/token.js';
import { CliError } from './output.js';
import { registerHook } from './commands/hook.js';
import { registerScan } from './commands/scan.js';

const { version } = JSON.parse(readFileSync(new URL('../../package.json', import.meta.url), 'utf8')) as { version: string };

const program = new Command('airlock')
  .description('Airlock: the safety layer between AI agents and production infrastructure')
  .version(version)
  .option('-c, --config <path>', 'config file (default: ./airlock.yaml, else ./examples/airlock.yaml; or AIRLOCK_CONFIG)')
  .showHelpAfterError('(run with --help for usage)')
  .exitOverride();

for (const register of [registerStart, registerConfig, registerAgent, registerToken, registerPolicy, registerExplain, registerAudit, registerStop, registerHold, registerOperator, registerOperatorKey, registerFreeze, registerClassifySql, registerClassifyGraphQL, registerMcp, registerDemo]) {
  register(program);
}
for (const register of [registerScan, registerHook]) register(program);

const KNOWN = [CliError, AdminError, ConfigError, PolicyLoadError, IdentityError, ScopeError, StoreConflictError, SecretKeyError];

program.parseAsync(process.argv).catch((error: unknown) => {
  if (error instanceof CommanderError) process.exit(error.exitCode);
  if (KNOWN.some((kind) => error instanceof kind)) {
    const message = (error as Error).message;
    if (message) process.stderr.write(`airlock: ${message.replace(/\n/g, '\nairlock: ')}\n`);
    process.exit(error instanceof CliError ? error.exitCode : 1);
  }
  process.stderr.write(`airlock: unexpected error: ${(error as Error).stack ?? String(error)}\n`);
  process.exit(70);
});
