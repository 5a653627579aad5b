import { existsSync } from 'node:fs';
import { dirname, join } from 'node:path';
import type { Command } from 'commander';
import { describeListenFailure, LISTEN_ENV, ListenOverrideError, listenOverrides, withListen } from '../../config/listen.js';
import { checkSecrets, formatConfigProblem } from '../../config/load.js';
import { startAirlock } from '../../server/start.js';
import { configOf } from '../context.js';
import { CliError } from '../output.js';

/** On SIGTERM, in-flight requests get this long to finish; a load balancer has seen /readyz fail by then. */
const SHUTDOWN_GRACE_MS = 10_000;

export function registerStart(program: Command): void {
  program
    .command('start')
    .description('run Airlock: the doors, the decision API and the console')
    .option('--port <port>', 'override listen.http port (0 picks a free one)', (v) => Number(v))
    .option(
      '--listen <name=host:port>',
      `override a listener, http or postgres (repeatable; also ${LISTEN_ENV.http}, ${LISTEN_ENV.postgres})`,
      (value: string, previous: string[] | undefined) => [...(previous ?? []), value],
    )
    .action(async (options: { port?: number; listen?: string[] }, command: Command) => {
      const loaded = configOf(command);
      let config = options.port === undefined ? loaded : { ...loaded, listen: { ...loaded.listen, http: { ...loaded.listen.http, port: options.port } } };
      try {
        config = withListen(config, listenOverrides(options.listen ?? [], process.env));
      } catch (error) {
        if (error instanceof ListenOverrideError) throw new CliError(error.message, 2);
        throw error;
      }
      // A missing credential disables that upstream (its requests are refused), not the others.
      const missing = checkSecrets(config);
      let airlock: Awaited<ReturnType<typeof startAirlock>>;
      try {
        airlock = await startAirlock(config, { shutdownGraceMs: SHUTDOWN_GRACE_MS });
      } catch (error) {
        const message = describeListenFailure(error, config);
        if (message) throw new CliError(message);
        throw error;
      }
      const agents = await airlock.runtime.store.agents.list();
      const lines = [
        `Airlock is running (config ${config.file})`,
        ...Object.entries(airlock.addresses).map(([name, address]) => `  ${name.padEnd(9)} ${address}`),
        `  store     ${airlock.runtime.store.location}`,
        `  upstreams ${config.upstreams.map((u) => `${u.name} (${u.kind}, ${u.environment})`).join(', ') || 'none'}`,
        `  policies  ${airlock.runtime.policies().policies.length} (${config.policyFiles.length} file${config.policyFiles.length === 1 ? '' : 's'} and the built-in rules)`,
        agents.length === 0
          ? '\nNo agents yet. In another terminal:\n  airlock agent add my-agent\n  airlock token issue --agent my-agent --scope write:staging --ttl 8h'
          : `  agents    ${agents.length}`,
        '',
      ];
      const earlier = join(dirname(config.file), '.airlock');
      if (config.dataDir !== earlier && existsSync(join(earlier, 'airlock.db'))) {
        // Older versions kept state beside the config; say where it went rather than look empty.
        lines.push(
          `warning: ${earlier} holds state from an earlier Airlock, which kept it beside the config; it now lives in ${config.dataDir}.\n         Move it there, or set dataDir: .airlock in ${config.file} to keep using it.`,
        );
      }
      for (const problem of missing) {
        const index = Number(/^upstreams\[(\d+)\]/.exec(problem.key)?.[1]);
        const name = config.upstreams[index]?.name ?? problem.key;
        lines.push(`warning: ${formatConfigProblem(problem)}\n         requests to upstream ${name} are refused until it is set.`);
      }
      process.stdout.write(`${lines.join('\n')}\n`);
      let stopping = false;
      const stop = (signal: string) => {
        if (stopping) return;
        stopping = true;
        airlock.runtime.log.info({ signal }, 'shutting down');
        void airlock.close().then(() => process.exit(0));
      };
      // SIGHUP: re-read the config and policy files here and, on a shared store, on every replica.
      process.on('SIGHUP', () => {
        void airlock.runtime.store.control
          .requestReload({ by: `SIGHUP to process ${process.pid}`, at: new Date().toISOString() })
          .then(() => airlock.runtime.reloadConfig())
          .catch((error: Error) => airlock.runtime.log.error({ err: error.message }, 'config reload failed; the previous config stays in force'));
      });
      process.on('SIGINT', () => stop('SIGINT'));
      process.on('SIGTERM', () => stop('SIGTERM'));
    });
}
