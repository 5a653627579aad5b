import type { Command } from 'commander';
import { checkSecrets, ConfigError } from '../../config/load.js';
import { PolicyEngine } from '../../policy/engine.js';
import { configOf } from '../context.js';

export function registerConfig(program: Command): void {
  const config = program.command('config').description('inspect the configuration');
  config
    .command('check')
    .description('validate the config, its policies and its secrets without starting')
    .action((_options: unknown, command: Command) => {
      const loaded = configOf(command);
      const problems = checkSecrets(loaded);
      if (problems.length > 0) throw new ConfigError(problems);
      const engine = PolicyEngine.load(loaded.policyFiles);
      const users = engine.policies.filter((p) => !p.id.startsWith('airlock/')).length;
      process.stdout.write(
        `${loaded.file}: ok — ${loaded.upstreams.length} upstream${loaded.upstreams.length === 1 ? '' : 's'}, ` +
          `${users} policies of yours in ${loaded.policyFiles.length} file${loaded.policyFiles.length === 1 ? '' : 's'}, ` +
          `${loaded.freeze.length} freeze window${loaded.freeze.length === 1 ? '' : 's'}\n`,
      );
    });
}
