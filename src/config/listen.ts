import type { AirlockConfig } from './load.js';
import { listenSchema } from './common.js';

/**
 * Listen addresses given outside the config file: `airlock start --listen postgres=127.0.0.1:6544`
 * (repeatable) and AIRLOCK_LISTEN_HTTP / AIRLOCK_LISTEN_POSTGRES, so that a port in use is changed
 * without editing a copied config. The flag wins over the variable, the variable over the file.
 */
export const LISTENERS = ['http', 'postgres', 'egress'] as const;
export type ListenerName = (typeof LISTENERS)[number];

export const LISTEN_ENV: Readonly<Record<ListenerName, string>> = {
  http: 'AIRLOCK_LISTEN_HTTP',
  postgres: 'AIRLOCK_LISTEN_POSTGRES',
  egress: 'AIRLOCK_LISTEN_EGRESS',
};

export class ListenOverrideError extends Error {
  override readonly name = 'ListenOverrideError';
}

type Address = { host: string; port: number };

function parseAddress(text: string, where: string): Address {
  const parsed = listenSchema.safeParse(text);
  if (!parsed.success || parsed.data.port > 65_535) throw new ListenOverrideError(`${where}: "${text}" is not host:port, e.g. 127.0.0.1:4100`);
  return parsed.data;
}

/** `--listen NAME=HOST:PORT` values and the environment, as overrides by listener. */
export function listenOverrides(flags: readonly string[], env: NodeJS.ProcessEnv): Partial<Record<ListenerName, Address>> {
  const out: Partial<Record<ListenerName, Address>> = {};
  for (const name of LISTENERS) {
    const value = env[LISTEN_ENV[name]];
    if (value) out[name] = parseAddress(value, LISTEN_ENV[name]);
  }
  for (const flag of flags) {
    const at = flag.indexOf('=');
    const name = flag.slice(0, at);
    if (at < 0 || !(LISTENERS as readonly string[]).includes(name))
      throw new ListenOverrideError(`--listen ${flag}: write NAME=HOST:PORT with NAME one of ${LISTENERS.join(', ')}, e.g. --listen postgres=127.0.0.1:6544`);
    out[name as ListenerName] = parseAddress(flag.slice(at + 1), `--listen ${name}`);
  }
  return out;
}

export function withListen(config: AirlockConfig, overrides: Partial<Record<ListenerName, Address>>): AirlockConfig {
  if (Object.keys(overrides).length === 0) return config;
  return { ...config, listen: { ...config.listen, ...overrides } };
}

/**
 * The one line a user needs when a listener cannot open: which address, and which key, flag or
 * variable changes it. Undefined for errors that are not about a listen address.
 */
export function describeListenFailure(error: unknown, config: AirlockConfig): string | undefined {
  const { code, port, address } = (error ?? {}) as { code?: string; port?: number; address?: string };
  if (code !== 'EADDRINUSE' && code !== 'EACCES' && code !== 'EADDRNOTAVAIL') return undefined;
  const names = LISTENERS.filter((name) => config.listen[name]?.port === port);
  const name = names.length === 1 ? names[0]! : undefined;
  const where = `${address ?? config.listen[name ?? 'http']?.host}:${port}`;
  const problem =
    code === 'EADDRINUSE'
      ? `${where} is already in use (another Airlock, or another program)`
      : code === 'EACCES'
        ? `${where} may not be opened by this user`
        : `${where} is not an address of this machine`;
  const keys = name ? `listen.${name}` : names.map((n) => `listen.${n}`).join(' or ') || 'listen.http or listen.postgres';
  const example = name ?? 'http';
  return `${problem}: change ${keys} in ${config.file}, or start with --listen ${example}=127.0.0.1:PORT (or ${LISTEN_ENV[example]}=127.0.0.1:PORT)`;
}
