import cluster from 'node:cluster';
import { existsSync } from 'node:fs';
import { dirname, join } from 'node:path';
import type { Command } from 'commander';
import { describeListenFailure, LISTEN_ENV, ListenOverrideError, listenOverrides, withListen } from '../../config/listen.js';
import { checkSecrets, formatConfigProblem, type AirlockConfig, type ConfigProblem } from '../../config/load.js';
import { loadOrCreateCa } from '../../doors/egress/ca.js';
import { loadDoorCertificate } from '../../doors/postgres/tls.js';
import { loadSecretKey } from '../../identity/secret-box.js';
import { PolicyEngine } from '../../policy/engine.js';
import { createLogger } from '../../server/log.js';
import { startAirlock, type RunningAirlock } from '../../server/start.js';
import { parseWorkers, reportStartFailure, serveAsWorker, WorkerGroup, workerCount, type WorkerStarted } from '../../server/workers.js';
import { openStore } from '../../store/open.js';
import { SHARED_WRITER_ENV, startSharedWriter } from '../../store/sqlite/shared-writer.js';
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
    .option('--workers <n>', 'processes serving the doors: a number, or auto for one per core (overrides workers)')
    .action(async (options: { port?: number; listen?: string[]; workers?: string }, command: Command) => {
      const loaded = configOf(command);
      let config = options.port === undefined ? loaded : { ...loaded, listen: { ...loaded.listen, http: { ...loaded.listen.http, port: options.port } } };
      try {
        config = withListen(config, listenOverrides(options.listen ?? [], process.env));
      } catch (error) {
        if (error instanceof ListenOverrideError) throw new CliError(error.message, 2);
        throw error;
      }
      if (options.workers !== undefined) {
        const workers = parseWorkers(options.workers);
        if (workers === undefined) throw new CliError(`--workers ${options.workers}: give a whole number from 1 to 256, or auto`, 2);
        config = { ...config, workers };
      }
      if (cluster.isWorker) return runWorker(config);
      // A missing credential disables that upstream (its requests are refused), not the others.
      const missing = checkSecrets(config);
      const count = workerCount(config.workers);
      if (count > 1) return runPrimary(config, count, missing);

      let airlock: RunningAirlock;
      try {
        airlock = await startAirlock(config, { shutdownGraceMs: SHUTDOWN_GRACE_MS });
      } catch (error) {
        const message = describeListenFailure(error, config);
        if (message) throw new CliError(message);
        throw error;
      }
      process.stdout.write(banner(config, await startedOf(airlock), missing));
      handleSignals(airlock, true);
    });
}

async function startedOf(airlock: RunningAirlock): Promise<WorkerStarted> {
  return {
    addresses: airlock.addresses,
    store: airlock.runtime.store.location,
    policies: airlock.runtime.policies().policies.length,
    agents: (await airlock.runtime.store.agents.list()).length,
  };
}

function banner(config: AirlockConfig, started: WorkerStarted, missing: readonly ConfigProblem[], workers?: { count: number; pids: number[] }): string {
  const lines = [
    `Airlock is running (config ${config.file})`,
    ...Object.entries(started.addresses).map(([name, address]) => `  ${name.padEnd(9)} ${address}`),
    `  store     ${started.store}`,
    ...(workers ? [`  workers   ${workers.count} processes (${workers.pids.join(', ')}), connections dealt out in turn`] : []),
    `  upstreams ${config.upstreams.map((u) => `${u.name} (${u.kind}, ${u.environment})`).join(', ') || 'none'}`,
    `  policies  ${started.policies} (${config.policyFiles.length} file${config.policyFiles.length === 1 ? '' : 's'} and the built-in rules)`,
    started.agents === 0
      ? '\nNo agents yet. In another terminal:\n  airlock agent add my-agent\n  airlock token issue --agent my-agent --scope write:staging --ttl 8h'
      : `  agents    ${started.agents}`,
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
  return `${lines.join('\n')}\n`;
}

/** SIGTERM/SIGINT: finish what is in flight and exit; SIGHUP (`hup`): reload here and on every replica. */
function handleSignals(airlock: RunningAirlock, hup: boolean): void {
  let stopping = false;
  const stop = (signal: string) => {
    if (stopping) return;
    stopping = true;
    airlock.runtime.log.info({ signal }, 'shutting down');
    void airlock.close().then(() => process.exit(0));
  };
  // SIGHUP: re-read the config and policy files here and, on a shared store, on every replica.
  if (hup) {
    process.on('SIGHUP', () => {
      void airlock.runtime.store.control
        .requestReload({ by: `SIGHUP to process ${process.pid}`, at: new Date().toISOString() })
        .then(() => airlock.runtime.reloadConfig())
        .catch((error: Error) => airlock.runtime.log.error({ err: error.message }, 'config reload failed; the previous config stays in force'));
    });
  }
  process.on('SIGINT', () => stop('SIGINT'));
  process.on('SIGTERM', () => stop('SIGTERM'));
}

/** One of the primary's workers: a whole Airlock on the shared listeners; the primary prints and reports. */
async function runWorker(config: AirlockConfig): Promise<void> {
  let airlock: RunningAirlock;
  try {
    airlock = await startAirlock(config, { shutdownGraceMs: SHUTDOWN_GRACE_MS });
  } catch (error) {
    reportStartFailure(describeListenFailure(error, config) ?? (error as Error).message);
    return;
  }
  // The primary asks for reloads (one per worker); a SIGHUP that reaches a worker itself, as a
  // terminal's hang-up reaches the whole group, is left to the primary's.
  process.on('SIGHUP', () => undefined);
  handleSignals(airlock, false);
  serveAsWorker(airlock, await startedOf(airlock));
}

/**
 * Prepares, once, what every worker would otherwise race to create — the store's schema, the
 * PostgreSQL door's certificate, the egress CA — then forks the workers and prints the banner
 * when all of them listen. A worker that cannot start stops the whole group.
 */
async function runPrimary(config: AirlockConfig, count: number, missing: readonly ConfigProblem[]): Promise<void> {
  const log = createLogger().child({ pid: process.pid, role: 'primary' });
  PolicyEngine.load(config.policyFiles);
  const store = await openStore(config, { writerThread: false });
  await store.close();
  if (config.listen.postgres && config.postgres.tls === 'generate') loadDoorCertificate(config.postgres, config.dataDir, config.file);
  if (config.listen.egress) await loadOrCreateCa(config.dataDir, loadSecretKey(config.dataDir));

  const onPostgres = Boolean(config.store && 'postgres' in config.store);
  let stop: (signal: string, code?: number) => void = () => undefined;
  // On SQLite, the workers' records go to one writer here rather than each taking the file's
  // write lock in turn (shared-writer.ts); PostgreSQL serves concurrent appenders itself.
  const writer = onPostgres
    ? undefined
    : startSharedWriter({ path: config.storePath, checkpoint: { path: config.auditHeadPath, key: process.env.AIRLOCK_AUDIT_KEY || undefined } }, (error) => {
        // Every decision is refused without it: stop, so that a supervisor starts Airlock afresh.
        log.error({ err: error.message }, 'the audit writer stopped; stopping every worker');
        stop('audit writer', 1);
      });
  const group = new WorkerGroup({
    count,
    log,
    storePushesChanges: onPostgres,
    ...(writer ? { env: { [SHARED_WRITER_ENV]: '1' }, onFork: (worker) => writer.serve(worker) } : {}),
  });
  let stopping = false;
  stop = (signal: string, code = 0) => {
    if (stopping) return;
    stopping = true;
    log.info({ signal }, 'shutting down every worker');
    void group
      .stop()
      .then(async (exit) => {
        await writer?.close();
        return exit;
      })
      .then((exit) => process.exit(code || exit));
  };
  process.on('SIGINT', () => stop('SIGINT'));
  process.on('SIGTERM', () => stop('SIGTERM'));
  let started: WorkerStarted;
  try {
    started = await group.start();
  } catch (error) {
    await writer?.close();
    throw new CliError((error as Error).message);
  }
  process.on('SIGHUP', () => group.reload(`SIGHUP to process ${process.pid}`));
  process.stdout.write(banner(config, started, missing, { count, pids: group.pids }));
}
