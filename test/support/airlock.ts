/**
 * Starts a real Airlock for a test: a temporary folder with its own config and SQLite store,
 * the real server on an ephemeral port, and helpers to create agents and tokens the way an
 * operator would.
 */
import { spawn, spawnSync, type ChildProcess, type SpawnSyncReturns } from 'node:child_process';
import { mkdtempSync, mkdirSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { stringify } from 'yaml';
import { loadConfig, type AirlockConfig } from '../../src/config/load.js';
import { issueToken } from '../../src/identity/tokens.js';
import { silentLogger } from '../../src/server/log.js';
import type { DoorModule } from '../../src/server/door-module.js';
import { startAirlock, type RunningAirlock } from '../../src/server/start.js';
import type { GateExtensions } from '../../src/gate/index.js';
import type { Logger } from 'pino';

export const ROOT = resolve(import.meta.dirname, '../..');
export const AIRLOCK_BIN = join(ROOT, 'bin', 'airlock.js');

export interface TestAirlockOptions {
  /** Config keys, written as YAML (listen.http defaults to an ephemeral port). */
  readonly config?: Record<string, unknown>;
  /** Policy files by name, written into the config's policies/ folder. */
  readonly policies?: Record<string, string>;
  readonly clock?: () => Date;
  readonly doors?: readonly DoorModule[];
  readonly extensions?: readonly GateExtensions[];
  readonly log?: Logger;
}

export interface TestAirlock {
  readonly url: string;
  readonly addresses: Readonly<Record<string, string>>;
  readonly airlock: RunningAirlock;
  readonly config: AirlockConfig;
  readonly dir: string;
  readonly configPath: string;
  /** Creates the agent if needed and returns a fresh token with these scopes. */
  token(agent: string, scopes: readonly string[], ttlMs?: number): Promise<string>;
  /** Runs the real `airlock` CLI against this Airlock's config (needs `npm run build`). */
  cli(args: readonly string[], options?: { input?: string; env?: NodeJS.ProcessEnv }): SpawnSyncReturns<string>;
  close(): Promise<void>;
}

/** Writes a config folder and returns its path. */
export function writeTestConfig(options: Pick<TestAirlockOptions, 'config' | 'policies'> = {}): { dir: string; configPath: string } {
  const dir = mkdtempSync(join(tmpdir(), 'airlock-test-'));
  const policyDir = join(dir, 'policies');
  mkdirSync(policyDir);
  for (const [name, text] of Object.entries(options.policies ?? {})) writeFileSync(join(policyDir, name), text);
  const config = {
    listen: { http: '127.0.0.1:0' },
    dataDir: join(dir, 'data'),
    policies: ['policies/'],
    ...options.config,
  };
  const configPath = join(dir, 'airlock.yaml');
  writeFileSync(configPath, stringify(config));
  return { dir, configPath };
}

export async function startTestAirlock(options: TestAirlockOptions = {}): Promise<TestAirlock> {
  const { dir, configPath } = writeTestConfig(options);
  const config = loadConfig(configPath);
  const airlock = await startAirlock(config, {
    log: options.log ?? silentLogger,
    ...(options.clock ? { clock: options.clock } : {}),
    ...(options.doors ? { doors: options.doors } : {}),
    ...(options.extensions ? { extensions: options.extensions } : {}),
  });
  const { runtime } = airlock;
  return {
    url: airlock.url,
    addresses: airlock.addresses,
    airlock,
    config,
    dir,
    configPath,
    async token(agent, scopes, ttlMs = 3_600_000) {
      if (!(await runtime.store.agents.get(agent))) await runtime.store.agents.add({ name: agent }, runtime.clock().toISOString());
      return (await issueToken(runtime.store, { agent, scopes, ttlMs }, runtime.clock())).token;
    },
    cli: (args, cliOptions = {}) => runCli(['--config', configPath, ...args], cliOptions),
    async close() {
      await airlock.close();
      rmSync(dir, { recursive: true, force: true });
    },
  };
}

/** Runs the built `airlock` command. */
export function runCli(args: readonly string[], options: { input?: string; env?: NodeJS.ProcessEnv; cwd?: string } = {}): SpawnSyncReturns<string> {
  return spawnSync(process.execPath, [AIRLOCK_BIN, ...args], {
    encoding: 'utf8',
    input: options.input ?? '',
    cwd: options.cwd ?? ROOT,
    env: { ...process.env, AIRLOCK_LOG_LEVEL: 'warn', ...options.env },
    timeout: 60_000,
  });
}

/**
 * Runs `airlock start` as a separate process (for tests that kill it), and resolves once it
 * prints its addresses.
 */
export async function startAirlockProcess(
  configPath: string,
  env: NodeJS.ProcessEnv = {},
  args: readonly string[] = [],
): Promise<{ process: ChildProcess; addresses: Record<string, string>; url: string; output: () => string }> {
  const child = spawn(process.execPath, [AIRLOCK_BIN, '--config', configPath, 'start', ...args], {
    cwd: ROOT,
    env: { ...process.env, AIRLOCK_LOG_LEVEL: 'warn', ...env },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let output = '';
  child.stdout!.on('data', (chunk: Buffer) => (output += chunk.toString()));
  child.stderr!.on('data', (chunk: Buffer) => (output += chunk.toString()));
  const addresses = await new Promise<Record<string, string>>((resolvePromise, reject) => {
    const timer = setTimeout(() => reject(new Error(`airlock start did not come up:\n${output}`)), 20_000);
    const check = () => {
      if (!output.includes('Airlock is running')) return;
      const found: Record<string, string> = {};
      for (const [, name, address] of output.matchAll(/^ {2}(\w+)\s+(\S+:\d+)$/gm)) found[name!] = address!;
      if (found.http) {
        clearTimeout(timer);
        resolvePromise(found);
      }
    };
    child.stdout!.on('data', check);
    child.once('exit', (code) => {
      clearTimeout(timer);
      reject(new Error(`airlock start exited with ${code}:\n${output}`));
    });
  });
  return { process: child, addresses, url: `http://${addresses.http}`, output: () => output };
}
