import { existsSync } from 'node:fs';
import { homedir } from 'node:os';
import { join, resolve } from 'node:path';
import type { Command } from 'commander';
import { agentUrlOf, tokenOf, urlFromConfig } from '../../doors/hook/command.js';
import { HARNESS, HARNESSES } from '../../doors/hook/harnesses.js';
import { installedHookCommands, SETTINGS_FILE } from '../../doors/hook/install.js';
import { MINIMAL_PATH, probeHookCommand, SAMPLE_COMMAND } from '../../doors/hook/launch.js';

/**
 * `airlock doctor`: checks, from where the agent's harness runs, everything a hook needs: that
 * Airlock answers, that the agent's token is one it accepts, and that each installed hook
 * command runs as its harness runs it. Exit 0 when all is well, 1 when anything is not.
 */

interface Check {
  readonly ok: boolean;
  readonly what: string;
  readonly detail: string;
}

export function registerDoctor(program: Command): void {
  program
    .command('doctor')
    .description("check the agent's side: Airlock answers, the token is accepted, every installed hook runs")
    .option('--dir <path>', 'the project folder whose harness settings to check', '.')
    .option('--url <url>', 'the Airlock to check (default: AIRLOCK_AGENT_URL, else the config’s listen address)')
    .option('--token-file <path>', 'a file holding the agent’s token (default: AIRLOCK_TOKEN, else AIRLOCK_TOKEN_FILE)')
    .action(async (options: { dir: string; url?: string; tokenFile?: string }, command: Command) => {
      const root = (command.parent?.opts() ?? {}) as { config?: string };
      const url = options.url ?? agentUrlOf(process.env) ?? (await urlFromConfig(root.config ?? process.env.AIRLOCK_CONFIG));
      const checks: Check[] = [];
      const reached = await checkAirlock(url);
      checks.push(reached);
      const token = tokenOf(options.tokenFile, process.env);
      checks.push(await checkToken(url, token, reached.ok));
      checks.push(...checkHooks(resolve(options.dir)));
      const width = Math.max(...checks.map((c) => c.what.length));
      for (const check of checks) process.stdout.write(`${check.ok ? 'ok  ' : 'FAIL'}  ${check.what.padEnd(width)}  ${check.detail}\n`);
      const failed = checks.filter((c) => !c.ok).length;
      process.stdout.write(failed === 0 ? '\nEverything the hooks need is in place.\n' : `\n${failed} problem${failed === 1 ? '' : 's'} found.\n`);
      process.exitCode = failed === 0 ? 0 : 1;
    });
}

async function checkAirlock(url: string): Promise<Check> {
  try {
    const response = await fetch(new URL('/healthz', url), { signal: AbortSignal.timeout(5_000) });
    const body = (await response.json().catch(() => undefined)) as { status?: string } | undefined;
    if (response.ok && body?.status === 'ok') return { ok: true, what: 'Airlock', detail: `${url} answers` };
    return { ok: false, what: 'Airlock', detail: `${url} answered HTTP ${response.status}, not as Airlock does; check AIRLOCK_AGENT_URL` };
  } catch (error) {
    const cause = (error as { cause?: { code?: string } }).cause?.code ?? (error as Error).message;
    return { ok: false, what: 'Airlock', detail: `${url} does not answer (${cause}): start it (airlock start) or set AIRLOCK_AGENT_URL to its address` };
  }
}

async function checkToken(url: string, token: string | undefined, reachable: boolean): Promise<Check> {
  if (!token) return { ok: false, what: 'token', detail: 'no AIRLOCK_TOKEN or AIRLOCK_TOKEN_FILE here: every hook refuses every command without one' };
  if (!reachable) return { ok: false, what: 'token', detail: 'set, but not checked: Airlock does not answer' };
  try {
    // A command that changes nothing, judged and recorded like any other the hook sends.
    const response = await fetch(new URL('/v1/decide', url), {
      method: 'POST',
      headers: { 'content-type': 'application/json', authorization: `Bearer ${token}` },
      body: JSON.stringify({ hook: { kind: 'shell', command: SAMPLE_COMMAND, harness: 'doctor' } }),
      signal: AbortSignal.timeout(10_000),
    });
    const answer = (await response.json()) as { verdict?: string; code?: string; reasons?: string[] };
    if (answer.verdict === 'deny' && answer.code === 'unauthenticated')
      return { ok: false, what: 'token', detail: `refused: ${answer.reasons?.[0] ?? 'not a valid token'}; issue a new one (airlock token issue)` };
    if (answer.verdict === 'deny' && answer.code === 'stopped')
      return { ok: false, what: 'token', detail: `accepted, but ${answer.reasons?.[0] ?? 'the agent is stopped'}` };
    if (!answer.verdict) return { ok: false, what: 'token', detail: `not checked: Airlock answered HTTP ${response.status}` };
    return { ok: true, what: 'token', detail: 'accepted by Airlock' };
  } catch (error) {
    return { ok: false, what: 'token', detail: `not checked: ${(error as Error).message}` };
  }
}

/** Each harness's settings in the project and in the home folder. */
function checkHooks(dir: string): Check[] {
  const checks: Check[] = [];
  const places = [...new Set([dir, homedir()])];
  for (const harness of HARNESSES) {
    for (const place of places) {
      const file = join(place, SETTINGS_FILE[harness]);
      if (!existsSync(file)) continue;
      const shown = place === homedir() ? `~/${SETTINGS_FILE[harness]}` : SETTINGS_FILE[harness];
      const what = `${HARNESS[harness].title} hook`;
      const { commands, error } = installedHookCommands(harness, file);
      if (error) checks.push({ ok: false, what, detail: `${shown} is ${error}` });
      for (const line of commands) {
        const probe = probeHookCommand(harness, line, { cwd: place === homedir() ? dir : place });
        if (probe.kind === 'broken') {
          const consequence = probe.failsClosed ? 'every command is refused' : `${HARNESS[harness].title} runs every command unjudged`;
          checks.push({
            ok: false,
            what,
            detail: `${shown}: does not run as ${HARNESS[harness].title} runs it (${probe.why}), so ${consequence}; rewrite it with airlock init ${harness}`,
          });
        } else if (probe.kind === 'deny') {
          // The hook works; why it refused (no token, no Airlock) is the other checks' finding.
          checks.push({ ok: true, what, detail: `${shown}: runs, and refused "${SAMPLE_COMMAND}": ${probe.reason.split(' Stop. ')[0]}` });
        } else checks.push({ ok: true, what, detail: `${shown}: runs (sh -c, PATH=${MINIMAL_PATH}) and Airlock allowed "${SAMPLE_COMMAND}"` });
      }
    }
  }
  if (checks.length === 0)
    checks.push({ ok: false, what: 'hooks', detail: `no Airlock hook in ${dir} or ~: add one with airlock init <harness> (${HARNESSES.join(', ')})` });
  return checks;
}
