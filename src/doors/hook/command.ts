import { readFileSync } from 'node:fs';
import { HARNESS, HARNESSES, isHarness } from './harnesses.js';
import { runHook } from './client.js';

/**
 * `airlock hook <harness>`, kept apart from the rest of the CLI: it runs before every tool call
 * a coding agent makes, so it loads only what it needs (bin/airlock.js starts it directly).
 */
export interface HookCommandOptions {
  readonly url?: string | undefined;
  readonly tokenFile?: string | undefined;
  readonly timeout?: string | undefined;
  readonly config?: string | undefined;
}

export class HookUsageError extends Error {
  override readonly name = 'HookUsageError';
}

export async function hookCommand(
  harnessName: string,
  options: HookCommandOptions,
  payload: string,
  env: NodeJS.ProcessEnv = process.env,
): Promise<{ stdout: string; exitCode: number }> {
  if (!isHarness(harnessName)) throw new HookUsageError(`unknown harness "${harnessName}"; use one of ${HARNESSES.join(', ')}`);
  return runHook({
    harness: HARNESS[harnessName],
    payload,
    url: options.url ?? agentUrlOf(env) ?? (await urlFromConfig(options.config ?? env.AIRLOCK_CONFIG)),
    token: tokenOf(options.tokenFile, env),
    env,
    timeoutMs: Math.max(1, Number(options.timeout ?? '15') || 15) * 1000,
  });
}

/**
 * Where the agent's side (hooks, `airlock mcp`) reaches Airlock: AIRLOCK_AGENT_URL, else the
 * older AIRLOCK_URL (deprecated: operator commands now use AIRLOCK_ADMIN_URL, so one variable no
 * longer means two things).
 */
export function agentUrlOf(env: NodeJS.ProcessEnv): string | undefined {
  return env.AIRLOCK_AGENT_URL || env.AIRLOCK_URL || undefined;
}

/** The address in the config (loaded only when no URL was given), else Airlock's default. */
export async function urlFromConfig(path: string | undefined): Promise<string> {
  try {
    const { defaultConfigPath, loadConfig } = await import('../../config/load.js');
    const { listenOverrides, withListen } = await import('../../config/listen.js');
    const { host, port } = withListen(loadConfig(path ?? defaultConfigPath()), listenOverrides([], process.env)).listen.http;
    return `http://${host === '0.0.0.0' || host === '::' ? '127.0.0.1' : host.includes(':') ? `[${host}]` : host}:${port}`;
  } catch {
    return 'http://127.0.0.1:4100';
  }
}

export function tokenOf(file: string | undefined, env: NodeJS.ProcessEnv): string | undefined {
  if (env.AIRLOCK_TOKEN && !file) return env.AIRLOCK_TOKEN.trim();
  const path = file ?? env.AIRLOCK_TOKEN_FILE;
  if (!path) return undefined;
  try {
    return readFileSync(path, 'utf8').trim() || undefined;
  } catch {
    return undefined;
  }
}

/** Entry point when bin/airlock.js is run as `airlock hook …`. */
export async function hookMain(argv: readonly string[]): Promise<void> {
  const args = [...argv];
  const options: { url?: string; tokenFile?: string; timeout?: string; config?: string } = {};
  const positional: string[] = [];
  while (args.length > 0) {
    const arg = args.shift()!;
    const [name, inline] = arg.startsWith('--') && arg.includes('=') ? [arg.slice(0, arg.indexOf('=')), arg.slice(arg.indexOf('=') + 1)] : [arg, undefined];
    const value = () => inline ?? args.shift();
    if (name === '--url') options.url = value();
    else if (name === '--token-file') options.tokenFile = value();
    else if (name === '--timeout') options.timeout = value();
    else if (name === '--config' || name === '-c') options.config = value();
    else if (name === '-h' || name === '--help') {
      process.stdout.write(
        `Usage: airlock hook <harness> [--url URL] [--token-file PATH] [--timeout SECONDS]\n\nURL: --url, else AIRLOCK_AGENT_URL, else the config's listen address.\n\nRun by ${HARNESSES.join(', ')} before each tool call: reads the hook payload on stdin, asks Airlock,\nprints the harness's answer. If Airlock cannot be reached, the answer is a refusal. See docs/hooks/.\n`,
      );
      return;
    } else positional.push(arg);
  }
  try {
    const output = await hookCommand(positional[0] ?? '', options, readFileSync(0, 'utf8'));
    process.stdout.write(output.stdout);
    process.exitCode = output.exitCode;
  } catch (error) {
    // Exit 2 blocks the tool call in every harness that reads exit codes, with stderr as the reason.
    process.stderr.write(`airlock hook: ${(error as Error).message}\n`);
    process.exitCode = 2;
  }
}
