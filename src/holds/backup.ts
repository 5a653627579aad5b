import { spawn } from 'node:child_process';
import { dirname, isAbsolute, resolve } from 'node:path';
import type { BackupStepConfig } from '../config/holds.js';
import { resolveSecret, type SecretRef } from '../config/secret.js';
import type { UpstreamConfig } from '../config/upstreams/index.js';
import type { Operation } from '../core/operation.js';
import type { Verdict } from '../core/verdict.js';
import type { Runtime } from '../server/runtime.js';
import { HOLD_EVENTS, moveHold } from './lifecycle.js';

/**
 * Backup before destroy. An upstream may name a step (a command such as pg_dump, or an HTTP call
 * such as a provider's backup mutation) that runs before any destructive operation is
 * forwarded, whether a policy allowed it or operators approved it. The result is an audit
 * record; if the step fails, or its record cannot be written, nothing is forwarded.
 *
 * @example
 * // In a door, after the gate allowed a destructive operation and before forwarding it:
 * const backup = await backupBeforeForward(runtime, { operation, agent: result.agent, holdId: result.verdict.holdId, requestId });
 * if (!backup.ok) return respondRefused(refusalFor(backup.verdict));
 */

/** What the step is told about the operation it protects. */
export interface BackupTarget {
  readonly upstream: string;
  readonly action: string;
  readonly class: string;
  readonly environment: string;
  readonly resources: readonly string[];
  readonly digest: string;
  readonly summary: string;
  readonly agent: string | undefined;
  readonly holdId: string | undefined;
}

export interface BackupStepResult {
  readonly ok: boolean;
  /** One line for operators: where the backup went, or why it failed. Never a credential. */
  readonly detail: string;
}

export interface BackupStep {
  /** `command`, `http`, or a door's own kind (`pgDump`). */
  readonly kind: string;
  run(target: BackupTarget, signal: AbortSignal): Promise<BackupStepResult>;
}

export type BackupStepFactory = (config: unknown, upstream: UpstreamConfig, runtime: Runtime) => BackupStep;

/** The kinds every Airlock knows; a door adds its own (DoorModule.backupSteps: `pgDump`). */
const BUILT_IN: Readonly<Record<string, BackupStepFactory>> = {
  command: (config, _upstream, runtime) => commandStep(config as Extract<BackupStepConfig, { command: unknown }>, runtime),
  http: (config, upstream) => httpStep(config as Extract<BackupStepConfig, { http: unknown }>, upstream),
};

/** The step named by the upstream's `backup` key, from the built-in kinds and the runtime's doors'. */
export function backupStepFor(runtime: Runtime, upstreamName: string | undefined): BackupStep | undefined {
  const upstream = upstreamName ? runtime.config.upstreams.find((u) => u.name === upstreamName) : undefined;
  const config = upstream?.backup as Record<string, unknown> | undefined;
  if (!upstream || !config) return undefined;
  const kinds: Record<string, BackupStepFactory> = Object.assign({}, BUILT_IN, ...runtime.doors.map((door) => door.backupSteps ?? {}));
  const key = Object.keys(config).find((k) => Object.hasOwn(kinds, k));
  if (!key) return failingStep(`upstream ${upstream.name} names a backup step Airlock does not know (${Object.keys(config).join(', ')})`);
  try {
    return kinds[key]!(config, upstream, runtime);
  } catch (error) {
    return failingStep(`the backup step of ${upstream.name} cannot be prepared: ${(error as Error).message}`);
  }
}

/** The operation to protect, and who asked for it (for the backup's audit record). */
export interface BackupInput {
  readonly operation: Operation;
  readonly agent?: string | undefined;
  readonly tokenId?: string | undefined;
  readonly holdId?: string | undefined;
  /** The request being forwarded, named in the backup's record; undefined when Airlock runs a delayed hold itself. */
  readonly requestId: string | undefined;
}

export interface BackupOutcome extends BackupStepResult {
  readonly ran: boolean;
  readonly durationMs: number;
}

/**
 * Runs the upstream's step for a destructive operation and records the result. An operation
 * that is not destructive, or an upstream without a step, needs nothing (`ran: false`).
 */
export async function runBackup(runtime: Runtime, input: BackupInput): Promise<BackupOutcome> {
  const { operation } = input;
  if (operation.class !== 'destructive' || !operation.upstream) return { ok: true, ran: false, detail: 'not destructive', durationMs: 0 };
  const target: BackupTarget = {
    upstream: operation.upstream,
    action: operation.action,
    class: operation.class,
    environment: operation.environment,
    resources: operation.resources,
    digest: operation.digest,
    summary: operation.summary,
    agent: input.agent,
    holdId: input.holdId,
  };
  const step = backupStepFor(runtime, target.upstream);
  if (!step) return { ok: true, ran: false, detail: 'no backup step configured', durationMs: 0 };
  const started = Date.now();
  const timeout = stepTimeout(runtime, target.upstream);
  let result: BackupStepResult;
  try {
    result = await step.run(target, AbortSignal.timeout(timeout));
  } catch (error) {
    result = { ok: false, detail: oneLine((error as Error).message) };
  }
  const durationMs = Date.now() - started;
  const upstream = target.upstream;
  try {
    await runtime.audit.append({
      type: result.ok ? HOLD_EVENTS.backupOk : HOLD_EVENTS.backupFailed,
      ...(target.agent ? { agent: target.agent } : {}),
      ...(input.tokenId ? { token: input.tokenId } : {}),
      door: operation.door,
      upstream,
      action: target.action,
      class: 'destructive',
      environment: target.environment,
      resources: target.resources,
      digest: target.digest,
      ...(target.holdId ? { holdId: target.holdId } : {}),
      reasons: [
        result.ok
          ? `backup before ${target.action} on ${upstream}: ${result.detail}`
          : `backup before ${target.action} on ${upstream} failed: ${result.detail}`,
      ],
      detail: { step: step.kind, ok: result.ok, output: result.detail, durationMs },
      ...(input.requestId ? { requestId: input.requestId } : {}),
    });
  } catch (error) {
    return { ok: false, ran: true, detail: `the backup's audit record could not be written (${(error as Error).message})`, durationMs };
  }
  return { ...result, ran: true, durationMs };
}

export type BackupGate = { readonly ok: true } | { readonly ok: false; readonly verdict: Extract<Verdict, { kind: 'deny' }> };

/**
 * The one call a door makes before forwarding an operation the gate allowed. Returns at once for
 * anything but a destructive operation on an upstream with a backup step. When the step fails,
 * the answer is a refusal to send in the door's native form; an approval the gate had just used
 * for this request is given back, so that the agent's retry can run once the backup works.
 */
export async function backupBeforeForward(runtime: Runtime, input: BackupInput): Promise<BackupGate> {
  const { operation } = input;
  if (operation.class !== 'destructive' || !operation.upstream) return { ok: true };
  const outcome = await runBackup(runtime, input);
  if (outcome.ok) return { ok: true };
  if (input.holdId) {
    await moveHold(runtime.store, input.holdId, 'giveBack', { executedAt: undefined }).catch(() => undefined);
  }
  return {
    ok: false,
    verdict: {
      kind: 'deny',
      code: 'unavailable',
      ...(input.holdId ? { holdId: input.holdId } : {}),
      reasons: [`the backup that must run before destructive operations on ${operation.upstream} failed (${outcome.detail}), so nothing was forwarded`],
      policies: ['airlock/backup'],
    },
  };
}

function stepTimeout(runtime: Runtime, upstreamName: string): number {
  const config = runtime.config.upstreams.find((u) => u.name === upstreamName)?.backup as { timeout?: unknown } | undefined;
  return typeof config?.timeout === 'number' && config.timeout > 0 ? config.timeout : 600_000;
}

function failingStep(detail: string): BackupStep {
  return { kind: 'invalid', run: async () => ({ ok: false, detail }) };
}

/** Placeholders an HTTP step may use in its URL and body. */
function placeholders(target: BackupTarget): Record<string, string> {
  return {
    upstream: target.upstream,
    action: target.action,
    class: target.class,
    environment: target.environment,
    digest: target.digest,
    holdId: target.holdId ?? '',
    agent: target.agent ?? '',
    resource: target.resources[0] ?? '',
    resources: target.resources.join(','),
  };
}

function fill(text: string, values: Record<string, string>, encode: (value: string) => string = (v) => v): string {
  return text.replace(/\{(\w+)\}/g, (whole, name: string) => (Object.hasOwn(values, name) ? encode(values[name]!) : whole));
}

function fillJson(value: unknown, values: Record<string, string>): unknown {
  if (typeof value === 'string') return fill(value, values);
  if (Array.isArray(value)) return value.map((v) => fillJson(v, values));
  if (value && typeof value === 'object') return Object.fromEntries(Object.entries(value).map(([k, v]) => [k, fillJson(v, values)]));
  return value;
}

function reveal(value: string | SecretRef): string {
  return typeof value === 'string' ? value : resolveSecret(value).reveal();
}

function oneLine(text: string, max = 300): string {
  const line = text.replace(/\s+/g, ' ').trim();
  return line.length > max ? `${line.slice(0, max - 1)}…` : line;
}

function redact(text: string, secrets: readonly string[]): string {
  return secrets.reduce((out, secret) => (secret.length >= 4 ? out.split(secret).join('[redacted]') : out), text);
}

/** The variables of Airlock's own environment a command may need to run at all; nothing secret. */
const PASSED_THROUGH = ['PATH', 'HOME', 'LANG', 'LC_ALL', 'TZ', 'TMPDIR', 'USER', 'SHELL'];

function commandStep(config: Extract<BackupStepConfig, { command: unknown }>, runtime: Runtime): BackupStep {
  const baseDir = dirname(runtime.config.file);
  return {
    kind: 'command',
    run(target, signal) {
      const secrets: string[] = [];
      const env: NodeJS.ProcessEnv = {};
      for (const name of PASSED_THROUGH) if (process.env[name] !== undefined) env[name] = process.env[name];
      for (const [name, value] of Object.entries(config.env)) {
        env[name] = reveal(value);
        if (typeof value !== 'string') secrets.push(env[name]!);
      }
      Object.assign(env, {
        AIRLOCK_UPSTREAM: target.upstream,
        AIRLOCK_ACTION: target.action,
        AIRLOCK_ENVIRONMENT: target.environment,
        AIRLOCK_RESOURCES: target.resources.join('\n'),
        AIRLOCK_DIGEST: target.digest,
        AIRLOCK_HOLD_ID: target.holdId ?? '',
        AIRLOCK_AGENT: target.agent ?? '',
        AIRLOCK_SUMMARY: target.summary,
      });
      const [file, ...args] = typeof config.command === 'string' ? ['/bin/sh', '-c', config.command] : config.command;
      const cwd = config.cwd ? (isAbsolute(config.cwd) ? config.cwd : resolve(baseDir, config.cwd)) : baseDir;
      return new Promise<BackupStepResult>((done) => {
        const child = spawn(file!, args, { cwd, env, signal, stdio: ['ignore', 'pipe', 'pipe'] });
        let stdout = '';
        let stderr = '';
        const keep = (text: string, chunk: Buffer) => (text + chunk.toString('utf8')).slice(-65_536);
        child.stdout.on('data', (chunk: Buffer) => (stdout = keep(stdout, chunk)));
        child.stderr.on('data', (chunk: Buffer) => (stderr = keep(stderr, chunk)));
        const lastLine = (text: string) => oneLine(redact(text.trim().split('\n').at(-1) ?? '', secrets));
        child.once('error', (error) => {
          const timedOut = (error as NodeJS.ErrnoException).name === 'AbortError';
          done({
            ok: false,
            detail: timedOut ? `${file} did not finish in time` : `${file} could not be run: ${(error as NodeJS.ErrnoException).code ?? error.message}`,
          });
        });
        child.once('close', (code, signalName) => {
          if (code === 0) done({ ok: true, detail: lastLine(stdout) || `${file} exited 0` });
          else if (code !== null) done({ ok: false, detail: `${file} exited ${code}${lastLine(stderr) ? `: ${lastLine(stderr)}` : ''}` });
          else if (!signal.aborted) done({ ok: false, detail: `${file} was killed by ${signalName}` });
        });
      });
    },
  };
}

function httpStep(config: Extract<BackupStepConfig, { http: unknown }>, upstream: UpstreamConfig): BackupStep {
  const { http } = config;
  return {
    kind: 'http',
    async run(target, signal) {
      const values = placeholders(target);
      const headers: Record<string, string> = {};
      const secrets: string[] = [];
      for (const [name, value] of Object.entries(http.headers)) {
        headers[name.toLowerCase()] = reveal(value);
        if (typeof value !== 'string') secrets.push(headers[name.toLowerCase()]!);
      }
      if (http.credential === 'upstream') {
        const credential = 'credential' in upstream && upstream.kind !== 'aws' ? upstream.credential : undefined;
        if (!credential) return { ok: false, detail: `credential: upstream, but upstream ${upstream.name} has no HTTP credential` };
        if ('bearer' in credential) headers.authorization = `Bearer ${reveal(credential.bearer)}`;
        else if ('header' in credential) headers[credential.header.toLowerCase()] = reveal(credential.value);
        else headers.authorization = `Basic ${Buffer.from(`${credential.basic.username}:${reveal(credential.basic.password)}`).toString('base64')}`;
        secrets.push(...Object.values(headers));
      }
      let body: string | undefined;
      if (http.body !== undefined && http.method !== 'GET') {
        if (typeof http.body === 'string') body = fill(http.body, values);
        else {
          body = JSON.stringify(fillJson(http.body, values));
          headers['content-type'] ??= 'application/json';
        }
      }
      const url = fill(http.url, values, encodeURIComponent);
      let response: Response;
      try {
        response = await fetch(url, { method: http.method, headers, ...(body !== undefined ? { body } : {}), signal, redirect: 'manual' });
      } catch (error) {
        const cause = (error as { cause?: { code?: string } }).cause?.code;
        return {
          ok: false,
          detail: signal.aborted ? `${new URL(url).host} did not answer in time` : `${new URL(url).host} could not be reached${cause ? ` (${cause})` : ''}`,
        };
      }
      const text = await response.text().catch(() => '');
      if (response.status < 200 || response.status > 299) return { ok: false, detail: `${new URL(url).host} answered HTTP ${response.status}` };
      // A GraphQL API answers 200 with `errors` when the mutation failed.
      try {
        const json = JSON.parse(text) as { errors?: { message?: string }[] };
        if (Array.isArray(json.errors) && json.errors.length > 0) {
          return { ok: false, detail: `${new URL(url).host} answered with errors: ${oneLine(redact(String(json.errors[0]?.message ?? ''), secrets), 200)}` };
        }
      } catch {
        // Not JSON: the status is the answer.
      }
      return { ok: true, detail: `${new URL(url).host} answered HTTP ${response.status}` };
    },
  };
}
