import { copyFileSync, existsSync, mkdirSync, readdirSync } from 'node:fs';
import { join, relative, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import type { Command } from 'commander';
import { checkSecrets, formatConfigProblem, loadConfig, type AirlockConfig } from '../../config/load.js';
import { PolicyEngine } from '../../policy/engine.js';
import { formatProblem, PolicyLoadError } from '../../policy/policy-file.js';
import { configOf } from '../context.js';
import { CliError } from '../output.js';

/** The example shipped with Airlock: a config and its policies folder, which `config init` copies. */
const EXAMPLES = fileURLToPath(new URL('../../../examples/', import.meta.url));

export function registerConfig(program: Command): void {
  const config = program.command('config').description('write a starting config and check one');
  config
    .command('check')
    .description('validate the config, its policies and its secrets without starting; lists every problem found')
    .action((_options: unknown, command: Command) => {
      const loaded = configOf(command);
      const { problems, engine } = checkConfig(loaded);
      if (problems.length > 0) throw new CliError(`${problems.join('\n')}\n${problems.length} problem${problems.length === 1 ? '' : 's'} in ${loaded.file}`);
      const users = engine!.policies.filter((p) => !p.id.startsWith('airlock/')).length;
      process.stdout.write(
        `${loaded.file}: ok — ${loaded.upstreams.length} upstream${loaded.upstreams.length === 1 ? '' : 's'}, ` +
          `${users} policies of yours in ${loaded.policyFiles.length} file${loaded.policyFiles.length === 1 ? '' : 's'}, ` +
          `${loaded.freeze.length} freeze window${loaded.freeze.length === 1 ? '' : 's'}\n`,
      );
    });

  config
    .command('init')
    .description('write a working airlock.yaml and its policies/ folder into DIR (new or empty of both), from the example')
    .argument('[dir]', 'the folder to write into', '.')
    .action((dirArgument: string) => {
      const dir = resolve(dirArgument);
      const target = join(dir, 'airlock.yaml');
      const policies = join(dir, 'policies');
      const taken = [target, policies].filter((path) => existsSync(path));
      if (taken.length > 0) throw new CliError(`${taken.join(' and ')} already exist${taken.length === 1 ? 's' : ''}; Airlock will not overwrite them`);
      mkdirSync(policies, { recursive: true });
      copyFileSync(join(EXAMPLES, 'airlock.yaml'), target);
      for (const name of readdirSync(join(EXAMPLES, 'policies'))
        .filter((n) => n.endsWith('.cedar'))
        .sort())
        copyFileSync(join(EXAMPLES, 'policies', name), join(policies, name));
      // What was written must load as it is: a config init that needs fixing is no start.
      const { problems } = checkConfig(loadConfig(target), { secrets: false });
      if (problems.length > 0) throw new CliError(`the config written to ${target} does not load:\n${problems.join('\n')}`);
      const shown = relative(process.cwd(), target) || target;
      process.stdout.write(
        `Wrote ${target} and ${policies}/ (${readdirSync(policies).length} policy files).\n` +
          `Edit the upstreams in it, then:\n  airlock --config ${shown} config check\n  airlock --config ${shown} start\n` +
          `State (agents, tokens, holds, audit, keys) goes to ${loadConfig(target).dataDir} unless you set dataDir.\n`,
      );
    });
}

/**
 * Every problem `config check` can find once the file itself is valid: secrets that cannot be
 * read and policy files that do not load or parse, all of them, in one pass.
 */
function checkConfig(config: AirlockConfig, options: { secrets?: boolean } = {}): { problems: string[]; engine?: PolicyEngine } {
  const problems = options.secrets === false ? [] : checkSecrets(config).map(formatConfigProblem);
  try {
    const engine = PolicyEngine.load(config.policyFiles);
    return { problems, engine };
  } catch (error) {
    if (!(error instanceof PolicyLoadError)) throw error;
    for (const problem of error.problems) {
      const missing = /ENOENT/.test(problem.message);
      problems.push(
        missing
          ? `${formatProblem(problem)} (policies: paths are relative to the config's folder, ${resolve(config.file, '..')}; copy the policies beside it, or start from airlock config init DIR)`
          : formatProblem(problem),
      );
    }
    return { problems };
  }
}
