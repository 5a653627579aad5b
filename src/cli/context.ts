import { userInfo } from 'node:os';
import type { Command } from 'commander';
import { defaultConfigPath, loadConfig, type AirlockConfig } from '../config/load.js';
import { openRuntime, type Runtime } from '../server/runtime.js';
import { silentLogger } from '../server/log.js';
import type { Admin } from '../admin/admin.js';
import { LocalAdmin } from '../admin/local-admin.js';
import { RemoteAdmin } from '../admin/remote-admin.js';

/** The config named by --config (on the root command), or the default one. */
export function configOf(command: Command): AirlockConfig {
  const root = rootOf(command);
  const path = (root.opts() as { config?: string }).config || process.env.AIRLOCK_CONFIG || defaultConfigPath();
  return loadConfig(path);
}

function rootOf(command: Command): Command {
  let at = command;
  while (at.parent) at = at.parent;
  return at;
}

/**
 * Runs a command against the store directly, with audit records committed before it returns.
 * Safe beside a running server: SQLite serialises writers, and the audit chain is extended
 * from whatever was written last by any process.
 */
export async function withRuntime<T>(command: Command, run: (runtime: Runtime) => Promise<T>): Promise<T> {
  const runtime = await openRuntime(configOf(command), { log: silentLogger, writerThread: false });
  try {
    return await run(runtime);
  } finally {
    await runtime.close();
  }
}

/** Who is acting, for the audit record: the local user when the CLI talks to the store itself. */
export function localOperator(): string {
  try {
    return `local:${userInfo().username}`;
  } catch {
    return 'local:unknown';
  }
}

/**
 * Where operator commands reach a remote Airlock: AIRLOCK_ADMIN_URL. The older AIRLOCK_URL still
 * counts, with a warning, unless AIRLOCK_AGENT_URL is set (then AIRLOCK_URL is taken as the
 * hooks' older name); it is deprecated because hooks read it too.
 */
export function adminUrlOf(env: NodeJS.ProcessEnv): { url: string; deprecated: boolean } | undefined {
  if (env.AIRLOCK_ADMIN_URL) return { url: env.AIRLOCK_ADMIN_URL, deprecated: false };
  if (env.AIRLOCK_URL && !env.AIRLOCK_AGENT_URL) return { url: env.AIRLOCK_URL, deprecated: true };
  return undefined;
}

/**
 * Runs an operator action. Against the local store by default; against a running Airlock's
 * admin API when AIRLOCK_ADMIN_URL is set (see src/admin/remote-admin.ts).
 */
export async function withAdmin<T>(command: Command, run: (admin: Admin) => Promise<T>): Promise<T> {
  const remote = adminUrlOf(process.env);
  if (remote) {
    if (remote.deprecated) process.stderr.write('airlock: AIRLOCK_URL for operator commands is deprecated; set AIRLOCK_ADMIN_URL instead\n');
    return run(await RemoteAdmin.connect(remote.url, process.env.AIRLOCK_API_KEY));
  }
  return withRuntime(command, (runtime) => run(new LocalAdmin(runtime, localOperator())));
}
