import { existsSync, readdirSync, readFileSync, statSync } from 'node:fs';
import { homedir } from 'node:os';
import { dirname, isAbsolute, join, resolve } from 'node:path';
import { isMap, isSeq, LineCounter, parseDocument, type Document } from 'yaml';
import type { z } from 'zod';
import { configSchema, type ParsedConfig } from './schema.js';
import { resolveSecret, SecretError, type SecretRef } from './secret.js';
import type { UpstreamConfig } from './upstreams/index.js';

export interface ConfigProblem {
  readonly file: string;
  readonly line: number;
  readonly column: number;
  /** The key, as a user would write it: `upstreams[0].credential`. */
  readonly key: string;
  readonly message: string;
}

export class ConfigError extends Error {
  override readonly name = 'ConfigError';
  constructor(readonly problems: readonly ConfigProblem[]) {
    super(problems.map(formatConfigProblem).join('\n'));
  }
}

export function formatConfigProblem(p: ConfigProblem): string {
  return `${p.file}:${p.line}:${p.column}: ${p.key ? `${p.key}: ` : ''}${p.message}`;
}

/** The validated config, with every path made absolute against the config file's folder. */
export type AirlockConfig = Omit<ParsedConfig, 'dataDir'> & {
  readonly dataDir: string;
  readonly file: string;
  readonly storePath: string;
  readonly auditHeadPath: string;
  readonly policyFiles: readonly string[];
};

/** Where Airlock looks when no --config is given: `airlock.yaml` here, then the example. */
export function defaultConfigPath(cwd = process.cwd()): string {
  const candidates = [join(cwd, 'airlock.yaml'), join(cwd, 'examples', 'airlock.yaml')];
  return candidates.find((path) => existsSync(path)) ?? candidates[0]!;
}

/**
 * Where state goes when the config names no `dataDir`: AIRLOCK_STATE_DIR, else the XDG state
 * folder. Not beside the config: `npm start` in a checkout would write a database and a TLS
 * private key into the source tree.
 */
export function defaultStateDir(env: NodeJS.ProcessEnv = process.env): string {
  if (env.AIRLOCK_STATE_DIR) return resolve(env.AIRLOCK_STATE_DIR);
  const base = env.XDG_STATE_HOME && isAbsolute(env.XDG_STATE_HOME) ? env.XDG_STATE_HOME : join(env.HOME || homedir(), '.local', 'state');
  return join(base, 'airlock');
}

export function loadConfig(file: string, env: NodeJS.ProcessEnv = process.env): AirlockConfig {
  let text: string;
  try {
    text = readFileSync(file, 'utf8');
  } catch (error) {
    throw new ConfigError([
      {
        file,
        line: 1,
        column: 1,
        key: '',
        message: `cannot read the config file (${(error as NodeJS.ErrnoException).code}); pass --config PATH or create airlock.yaml`,
      },
    ]);
  }
  return parseConfig(text, file, env);
}

export function parseConfig(text: string, file: string, env: NodeJS.ProcessEnv = process.env): AirlockConfig {
  const lineCounter = new LineCounter();
  const doc = parseDocument(text, { lineCounter, prettyErrors: false, uniqueKeys: true });
  if (doc.errors.length > 0) {
    throw new ConfigError(
      doc.errors.map((error) => {
        const { line, col } = lineCounter.linePos(error.pos[0]);
        return { file, line, column: col, key: '', message: `not valid YAML: ${error.message.split('\n')[0]}` };
      }),
    );
  }
  const raw = (doc.toJS() as unknown) ?? {};
  const result = configSchema.safeParse(raw);
  if (!result.success) {
    throw new ConfigError(result.error.issues.map((issue) => problemOf(issue, doc, lineCounter, file, raw)));
  }
  const dir = dirname(resolve(file));
  const at = (path: string) => (isAbsolute(path) ? path : resolve(dir, path));
  const config = result.data;
  const dataDir = config.dataDir ? at(config.dataDir) : defaultStateDir(env);
  const storePath = config.store && 'sqlite' in config.store ? at(config.store.sqlite) : join(dataDir, 'airlock.db');
  return {
    ...config,
    dataDir,
    file: resolve(file),
    storePath,
    auditHeadPath: config.audit.head ? at(config.audit.head) : join(dataDir, 'audit.head'),
    policyFiles: config.policies.flatMap((path) => expandPolicyPaths(at(path))),
    upstreams: config.upstreams.map((upstream) => withAbsolutePaths(upstream, at)),
  };
}

/** A policy entry may name a file or a folder of `.cedar` files. */
export function expandPolicyPaths(path: string): string[] {
  try {
    if (statSync(path).isDirectory()) {
      return readdirSync(path)
        .filter((name) => name.endsWith('.cedar'))
        .sort()
        .map((name) => join(path, name));
    }
  } catch {
    // A missing file is reported by the policy loader, with its name.
  }
  return [path];
}

function withAbsolutePaths<T extends UpstreamConfig>(upstream: T, at: (path: string) => string): T {
  const rewrite = (value: unknown): unknown => {
    if (Array.isArray(value)) return value.map(rewrite);
    if (value && typeof value === 'object') {
      const entries = Object.entries(value);
      if (entries.length === 1 && entries[0]![0] === 'file' && typeof entries[0]![1] === 'string') {
        return { file: at(entries[0]![1]) };
      }
      return Object.fromEntries(entries.map(([key, inner]) => [key, rewrite(inner)]));
    }
    return value;
  };
  const rewritten = rewrite(upstream) as T;
  if ('schema' in rewritten && typeof rewritten.schema === 'string') return { ...rewritten, schema: at(rewritten.schema) };
  if ('openapi' in rewritten && typeof rewritten.openapi === 'string') return { ...rewritten, openapi: at(rewritten.openapi) };
  return rewritten;
}

/** Every secret the config names, with where it is named. */
export function secretRefsOf(config: Pick<ParsedConfig, 'upstreams'>): { key: string; path: (string | number)[]; ref: SecretRef }[] {
  const found: { key: string; path: (string | number)[]; ref: SecretRef }[] = [];
  const walk = (value: unknown, path: (string | number)[]) => {
    if (Array.isArray(value))
      value.forEach((item, i) => {
        walk(item, [...path, i]);
      });
    else if (value && typeof value === 'object') {
      const keys = Object.keys(value);
      if (keys.length === 1 && (keys[0] === 'env' || keys[0] === 'file') && typeof (value as Record<string, unknown>)[keys[0]] === 'string') {
        found.push({ key: keyOf(path), path, ref: value as SecretRef });
        return;
      }
      for (const [key, inner] of Object.entries(value)) walk(inner, [...path, key]);
    }
  };
  config.upstreams.forEach((upstream, i) => {
    walk(upstream, ['upstreams', i]);
  });
  return found;
}

/** Checks that every named secret can be read now; what `config check` and `start` report. */
export function checkSecrets(config: AirlockConfig, env: NodeJS.ProcessEnv = process.env): ConfigProblem[] {
  const text = readFileSafe(config.file);
  const lineCounter = new LineCounter();
  const doc = text === undefined ? undefined : parseDocument(text, { lineCounter });
  return secretRefsOf(config).flatMap(({ key, path, ref }) => {
    try {
      resolveSecret(ref, env);
      return [];
    } catch (error) {
      if (!(error instanceof SecretError)) throw error;
      const { line, column } = doc ? locate(doc, lineCounter, path) : { line: 1, column: 1 };
      return [{ file: config.file, line, column, key, message: error.message }];
    }
  });
}

function readFileSafe(path: string): string | undefined {
  try {
    return readFileSync(path, 'utf8');
  } catch {
    return undefined;
  }
}

function keyOf(path: readonly PropertyKey[]): string {
  return path.reduce<string>((out, part) => (typeof part === 'number' ? `${out}[${part}]` : out ? `${out}.${String(part)}` : String(part)), '');
}

function locate(doc: Document, lineCounter: LineCounter, path: readonly PropertyKey[]): { line: number; column: number } {
  // Walk as deep as the document goes, so a missing key points at its parent.
  let node: unknown = doc.contents;
  let offset = 0;
  for (const part of path) {
    if (isMap(node)) {
      const pair = node.items.find((item) => (item.key as { value?: unknown } | null)?.value === part);
      if (!pair) break;
      offset = (pair.key as { range?: [number] }).range?.[0] ?? offset;
      node = pair.value;
    } else if (isSeq(node) && typeof part === 'number') {
      const item = node.items[part] as { range?: [number] } | undefined;
      if (!item) break;
      offset = item.range?.[0] ?? offset;
      node = item;
    } else break;
  }
  const { line, col } = lineCounter.linePos(offset);
  return { line, column: col };
}

function valueAt(root: unknown, path: readonly PropertyKey[]): unknown {
  let at = root;
  for (const part of path) {
    if (at === null || typeof at !== 'object') return undefined;
    at = (at as Record<PropertyKey, unknown>)[part];
  }
  return at;
}

function problemOf(issue: z.core.$ZodIssue, doc: Document, lineCounter: LineCounter, file: string, raw: unknown): ConfigProblem {
  const path = issue.path as PropertyKey[];
  if (issue.code === 'unrecognized_keys') {
    const unknownKey = issue.keys[0]!;
    const { line, column } = locate(doc, lineCounter, [...path, unknownKey]);
    return {
      file,
      line,
      column,
      key: keyOf([...path, unknownKey]),
      message: `unknown key${issue.keys.length > 1 ? `s ${issue.keys.map((k) => `"${k}"`).join(', ')}` : ''}: remove it or check its spelling (docs/configuration.md lists every key)`,
    };
  }
  const { line, column } = locate(doc, lineCounter, path);
  const missing = issue.code === 'invalid_type' && valueAt(raw, path) === undefined;
  return {
    file,
    line,
    column,
    key: keyOf(path),
    message: missing ? `is required: ${issue.message.replace(/^Invalid input: /, '')}` : issue.message.replace(/^Invalid input: /, ''),
  };
}
