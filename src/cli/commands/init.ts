import { chmodSync, mkdirSync, writeFileSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import type { Command } from 'commander';
import { listenOverrides, withListen } from '../../config/listen.js';
import { loadOrCreateCa } from '../../doors/egress/ca.js';
import {
  awsSettingsOf,
  ENV_FILE,
  findSystemBundle,
  maskToken,
  sandboxFiles,
  sandboxVariables,
  SYSTEM_BUNDLES,
  type SandboxSetup,
} from '../../doors/egress/sandbox.js';
import { tokenOf } from '../../doors/hook/command.js';
import { HARNESS, HARNESSES, isHarness } from '../../doors/hook/harnesses.js';
import { airlockEntry, hookCommandLine, MINIMAL_PATH, probeHookCommand, SAMPLE_COMMAND } from '../../doors/hook/launch.js';
import { installHook, SETTINGS_FILE } from '../../doors/hook/install.js';
import { loadSecretKey } from '../../identity/secret-box.js';
import { isAirlockToken } from '../../classify/shell/index.js';
import { configOf } from '../context.js';
import { CliError } from '../output.js';

const HARNESS_LIST = HARNESSES.join(', ');

const SANDBOX_HELP = `
Prints the environment an agent's sandbox needs to reach real hosts only through Airlock's egress
door, or with --write DIR writes it into DIR:

  DIR/env              HTTPS_PROXY and HTTP_PROXY (the agent's token as proxy credential), NO_PROXY
                       for Airlock's own listener, and the CA variables: NODE_EXTRA_CA_CERTS (Airlock's
                       CA); SSL_CERT_FILE, REQUESTS_CA_BUNDLE, CURL_CA_BUNDLE, GIT_SSL_CAINFO and
                       AWS_CA_BUNDLE (the system bundle with Airlock's CA appended, as they replace it)
  DIR/airlock-ca.pem   Airlock's CA certificate (what airlock ca export prints)
  DIR/ca-bundle.pem    the system bundle and Airlock's CA, when a system bundle is found
  DIR/aws/config       with an aws upstream: [profile airlock], its region, CA bundle and S3 style
  DIR/aws/credentials  the Airlock-issued AWS credentials (the token, as key id and as secret)

The token comes from --token-file, else AIRLOCK_TOKEN, else AIRLOCK_TOKEN_FILE. It is written only
into DIR/env and DIR/aws/credentials, readable by their owner only (DIR itself is made 0700); on
the terminal it is masked (alk_…), unless --show-token prints it when nothing is written.

In the sandbox:  . DIR/env    (or put the variables in the harness's environment settings)
Then let the sandbox reach Airlock's ports and nothing else (docs/egress-door.md).
`;

interface SandboxOptions {
  readonly write?: string;
  readonly tokenFile?: string;
  readonly showToken?: boolean;
  readonly proxy?: string;
  readonly url?: string;
  readonly systemBundle?: string;
}

/** A listen address as a client reaches it: a wildcard address is reached on loopback. */
function reachable(host: string): string {
  if (host === '0.0.0.0' || host === '::') return '127.0.0.1';
  return host.includes(':') ? `[${host}]` : host;
}

async function initSandbox(options: SandboxOptions, command: Command): Promise<void> {
  const config = configOf(command);
  const listen = withListen(config, listenOverrides([], process.env)).listen;
  const token = tokenOf(options.tokenFile, process.env);
  if (!token) throw new CliError('no Airlock token: pass --token-file PATH, or set AIRLOCK_TOKEN (issue one with airlock token issue)', 2);
  if (!isAirlockToken(token)) throw new CliError('the token given is not an Airlock token (alk_…); the sandbox would be refused at the proxy', 2);
  let proxy = options.proxy;
  if (proxy === undefined) {
    if (!listen.egress)
      throw new CliError('the egress door is off in this config: set listen.egress (e.g. 127.0.0.1:4101), or name its address with --proxy HOST:PORT', 2);
    proxy = `${reachable(listen.egress.host)}:${listen.egress.port}`;
  }
  if (!/^(\[[0-9a-fA-F:]+\]|[A-Za-z0-9.-]+):\d{1,5}$/.test(proxy)) throw new CliError(`--proxy ${proxy}: write HOST:PORT, e.g. 127.0.0.1:4101`, 2);
  let airlockHost = reachable(listen.http.host);
  if (options.url !== undefined) {
    try {
      airlockHost = new URL(options.url).hostname;
    } catch {
      throw new CliError(`--url ${options.url}: not a URL, e.g. http://127.0.0.1:4100`, 2);
    }
  }
  const systemBundle = findSystemBundle(options.systemBundle ? [options.systemBundle] : SYSTEM_BUNDLES);
  if (options.systemBundle && !systemBundle) throw new CliError(`--system-bundle ${options.systemBundle}: no PEM certificates there`, 2);
  const ca = await loadOrCreateCa(config.dataDir, loadSecretKey(config.dataDir, { warn: (message) => process.stderr.write(`${message}\n`) }));
  const dir = resolve(options.write ?? 'airlock-sandbox');
  const aws = awsSettingsOf(config.upstreams);
  const setup: SandboxSetup = {
    dir,
    token,
    caPem: ca.certificatePem,
    proxy,
    airlockHost,
    ...(systemBundle ? { systemBundle } : {}),
    ...(aws ? { aws } : {}),
  };
  const files = sandboxFiles(setup);
  const masked = (text: string) => maskToken(text, token);
  if (!options.write) {
    const env = files.find((file) => file.name === ENV_FILE)!.content;
    process.stdout.write(options.showToken ? env : masked(env));
    process.stdout.write(
      `# Nothing was written. These name files in ${dir}: airlock init sandbox --write ${dir} writes them (${files
        .filter((file) => file.name !== ENV_FILE)
        .map((file) => file.name)
        .join(', ')}).\n`,
    );
    if (!options.showToken) process.stderr.write('The token is masked; --write DIR puts it in the files, --show-token prints it.\n');
  } else {
    mkdirSync(dir, { recursive: true, mode: 0o700 });
    chmodSync(dir, 0o700);
    for (const file of files) {
      const path = join(dir, file.name);
      mkdirSync(dirname(path), { recursive: true, mode: 0o700 });
      const mode = file.secret ? 0o600 : 0o644;
      writeFileSync(path, file.content, { mode });
      // The mode given to writeFileSync applies only to a new file.
      chmodSync(path, mode);
    }
    const width = Math.max(...files.map((file) => file.name.length));
    process.stdout.write(`Wrote the sandbox's environment into ${dir}:\n`);
    for (const file of files) process.stdout.write(`  ${file.name.padEnd(width)}  ${file.about}${file.secret ? ', readable by you only' : ''}\n`);
    process.stdout.write(`In the sandbox, before the agent starts:  . ${join(dir, ENV_FILE)}\nIt sets (token masked):\n`);
    for (const [name, value] of sandboxVariables(setup)) process.stdout.write(`  ${name}=${masked(value)}\n`);
  }
  if (!systemBundle)
    process.stderr.write(
      `warning: no system bundle of trusted roots was found (looked in ${(options.systemBundle ? [options.systemBundle] : SYSTEM_BUNDLES).join(', ')}); the CA variables name Airlock's CA alone, so hosts in egress.allow will not verify. Name one with --system-bundle PATH.\n`,
    );
  const unreachable = config.upstreams.filter((upstream) => upstream.kind === 'aws' && upstream.hosts.length === 0).map((upstream) => upstream.name);
  if (unreachable.length > 0)
    process.stderr.write(
      `warning: the aws upstream${unreachable.length > 1 ? 's' : ''} ${unreachable.join(', ')} answer${unreachable.length > 1 ? '' : 's'} for no real host names (hosts:), so the proxy refuses AWS's hosts; list them (docs/aws.md, "Through the egress door").\n`,
    );
  if (!listen.egress && options.proxy)
    process.stderr.write('warning: this config does not turn the egress door on (listen.egress); nothing answers at that proxy until it does.\n');
}

/** `airlock init <harness>` (the hook in a coding agent's settings) and `airlock init sandbox` (the environment of its sandbox). */
export function registerInit(program: Command): void {
  const init = program
    .command('init')
    .description(
      `add Airlock’s hook to a project’s coding-agent settings (${HARNESS_LIST}), merging with what is there; or, with sandbox, write the environment of its sandbox`,
    )
    .argument('<harness>', HARNESS_LIST)
    .option('--dir <path>', 'the project folder', '.')
    .option('--command <command>', 'what starts Airlock in the hook command (default: this node and this Airlock, by absolute path)')
    .option('--dry-run', 'print the merged settings without writing them')
    .addHelpText(
      'after',
      '\nThe hook command is run once, as the harness runs it (sh -c, PATH=/usr/bin:/bin), before anything is written.\nAny failure to start it exits 2, which every supported harness reads as "block". Check it later with airlock doctor.\n',
    )
    .action((name: string, options: { dir: string; command?: string; dryRun?: boolean }, command: Command) => {
      if (!isHarness(name)) throw new CliError(`unknown harness "${name}"; use one of ${HARNESS_LIST}`, 2);
      const dir = resolve(options.dir);
      // A config named here is named in the hook too, so that it finds the same Airlock.
      const config = (command.parent?.opts() as { config?: string } | undefined)?.config;
      const line = hookCommandLine(name, { ...(options.command ? { prefix: options.command } : {}), args: config ? ['--config', resolve(config)] : [] });
      const probe = probeHookCommand(name, line, { cwd: dir });
      if (probe.kind === 'broken') {
        throw new CliError(
          `the hook command does not run as ${HARNESS[name].title} would run it (sh -c, PATH=${MINIMAL_PATH}): ${probe.why}\n  ${line}\nnothing was written`,
        );
      }
      let result: ReturnType<typeof installHook>;
      try {
        result = installHook(name, dir, line, options.dryRun ?? false);
      } catch (error) {
        throw new CliError((error as Error).message);
      }
      if (options.dryRun) {
        process.stdout.write(result.text);
        return;
      }
      const file = SETTINGS_FILE[name];
      if (!options.command && airlockEntry().includes('/_npx/'))
        process.stderr.write(
          "warning: this Airlock runs from npx's cache, which npm may clear; the hook would then refuse every command. Install the airlock command (see the README) and run airlock init again.\n",
        );
      process.stdout.write(result.changed ? `Airlock's hook is now in ${file}:\n  ${line}\n` : `${file} already runs Airlock's hook; nothing changed.\n`);
      process.stdout.write(`Ran it once as ${HARNESS[name].title} would (sh -c, PATH=${MINIMAL_PATH}) with the command "${SAMPLE_COMMAND}": `);
      if (probe.kind === 'allow') process.stdout.write('Airlock allowed it.\n');
      else process.stdout.write(`it was refused, as every command will be until this is fixed:\n  ${probe.reason.split(' Stop. ')[0]}\n`);
      process.stdout.write(
        `Give the agent its token in ${HARNESS[name].title}'s environment (AIRLOCK_TOKEN or AIRLOCK_TOKEN_FILE) and, if Airlock is not at the config's address, AIRLOCK_AGENT_URL.\n` +
          `Check it any time with: airlock doctor. See docs/hooks/${name}.md.\n`,
      );
    });

  init
    .command('sandbox')
    .description("print or write the environment an agent's sandbox needs to reach real hosts only through Airlock's egress door")
    .option('--write <dir>', 'write the files into this folder (created, mode 0700) instead of printing the variables')
    .option('--token-file <path>', 'a file holding the agent’s Airlock token (default: AIRLOCK_TOKEN, else AIRLOCK_TOKEN_FILE)')
    .option('--show-token', 'print the token itself when printing (it is masked otherwise); never with --write')
    .option('--proxy <host:port>', 'the egress door as the sandbox reaches it (default: listen.egress)')
    .option('--url <url>', 'Airlock’s HTTP listener as the sandbox reaches it, left out of the proxy (default: listen.http)')
    .option('--system-bundle <path>', `the system's trusted roots, to which Airlock's CA is appended (default: the first of ${SYSTEM_BUNDLES.join(', ')})`)
    .addHelpText('after', SANDBOX_HELP)
    .action(async (options: SandboxOptions, command: Command) => {
      if (options.write && options.showToken)
        throw new CliError('--show-token prints the token when nothing is written; with --write it is in the files only', 2);
      await initSandbox(options, command);
    });
}
