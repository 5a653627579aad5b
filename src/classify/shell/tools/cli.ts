import type { OperationClass } from '../../../core/operation.js';
import type { Word } from '../words.js';
import { has, parseArgs, unknownWhy, type Call, type Handler } from './call.js';
import { placeOf } from './files.js';
import { ghApi } from './http.js';
import { type CommandWords, commandWords, deletionInJson, judgeWords, type WordsSpec } from '../verbs.js';

/**
 * Infrastructure CLIs (Railway and its peers, the clouds, Kubernetes, Terraform, Docker). They
 * share a grammar — `tool [globals] noun… verb [args]` or `tool verb noun` — and a vocabulary:
 * `delete`, `destroy`, `down`, `prune`, `uninstall` destroy; secrets, tokens and logins hand out
 * credentials; IAM, roles and members change who may do what; `list`, `get`, `logs` read.
 * The action names the words that decide: `shell:railway volume delete`.
 */

export interface CliSpec extends WordsSpec {
  /** Where the effect lands when nothing says otherwise. */
  readonly reach?: 'local' | 'remote';
  /** Removing is reinstalling away (package managers): removal words are writes. */
  readonly removalIsWrite?: boolean;
  /** Options named for deleting are the tool's own business (`docker run --rm`, `--remove-orphans`). */
  readonly ignoreFlags?: boolean;
}

/** The subcommand path of a CLI: see verbs.ts. */
export function verbPath(args: readonly Word[], spec: CliSpec): CommandWords {
  return commandWords(args, spec);
}

/** What a subcommand path (already split into words) says it does. */
export function classOfPath(path: readonly string[]): { class: OperationClass; why: string } {
  return judgeWords(path);
}

function cli(spec: CliSpec = {}): Handler {
  return (call) => lexicon(call, spec);
}

export function lexicon(call: Call, spec: CliSpec, extra: { class?: OperationClass; why?: string; suffix?: string } = {}): void {
  const { path, resources, undecided, flags } = verbPath(call.args, spec);
  let judged = judgeWords(path, spec.ignoreFlags ? [] : flags);
  if (spec.removalIsWrite && judged.class === 'destructive' && !path.some((p) => /purge/i.test(p)))
    judged = { class: 'write', why: `"${path.join(' ')}" removes what one command installs again` };
  const json = call.args.map((a) => (a.value !== undefined ? deletionInJson(a.value) : undefined)).find((d) => d !== undefined);
  if (json && judged.class !== 'destructive') judged = { class: 'destructive', why: `a JSON argument asks for a deletion (${json})` };
  if (undecided && judged.class !== 'destructive') {
    call.unknown(`shell:${[call.tool, ...path].join(' ')}`, unknownWhy(`the ${call.tool} subcommand is only known when it runs`), resources);
    return;
  }
  const cls = extra.class ?? judged.class;
  call.part({
    action: `shell:${[call.tool, ...path].join(' ')}${extra.suffix ?? ''}`,
    class: cls,
    resources: resources.slice(0, 20),
    reach: spec.reach ?? 'remote',
    why: extra.why ?? judged.why,
  });
}

const terraform: Handler = (call) => {
  const spec: CliSpec = { depth: 2, valueOptions: [] };
  const { path } = verbPath(call.args, spec);
  if (path[0] === 'apply' && call.args.some((a) => a.value === '-destroy' || a.value === '--destroy')) {
    lexicon(call, spec, { class: 'destructive', why: 'apply -destroy destroys every resource in the configuration', suffix: ' -destroy' });
    return;
  }
  if (path[0] === 'plan') {
    lexicon(call, spec, { class: 'read', why: 'a plan changes nothing' });
    return;
  }
  lexicon(call, spec);
};

const DOCKER_GLOBALS = ['-H', '--host', '--context', '-c', '--config', '-l', '--log-level'];

const docker: Handler = async (call) => {
  const spec: CliSpec = { valueOptions: DOCKER_GLOBALS, depth: 2, reach: 'local', ignoreFlags: true };
  const { path, rest } = verbPath(call.args, spec);
  const compose = call.tool === 'docker-compose' || call.tool === 'podman-compose' || path[0] === 'compose';
  const verb = compose ? (call.tool.endsWith('compose') ? path[0] : path[1]) : path[0];
  if (compose && verb === 'down') {
    const volumes = has(parseArgs(call.args), '-v', '--volumes', '--rmi');
    lexicon(
      call,
      spec,
      volumes ? { why: 'compose down -v deletes the volumes' } : { class: 'write', why: 'compose down stops and removes containers, keeping volumes' },
    );
    return;
  }
  if (verb === 'exec' || verb === 'run') {
    const parsed = parseArgs(
      call.args.slice(call.args.findIndex((a) => a.value === verb) + 1),
      new Set([
        '-e',
        '--env',
        '-u',
        '--user',
        '-w',
        '--workdir',
        '--name',
        '-v',
        '--volume',
        '-p',
        '--publish',
        '--network',
        '--entrypoint',
        '--env-file',
        '-l',
        '--label',
        '--mount',
        '--platform',
        '--pull',
        '--restart',
        '-m',
        '--memory',
        '--cpus',
        '-h',
        '--hostname',
      ]),
      true,
      true,
    );
    const [target, ...command] = parsed.positionals;
    call.part({
      action: `shell:${call.tool} ${verb}`,
      class: 'write',
      resources: [target?.value ?? target?.raw ?? '?'],
      why: `${verb === 'exec' ? 'runs a command in' : 'starts'} a container`,
    });
    if (verb === 'exec' && command.length > 0) await call.reenter(command, { env: { cwd: undefined, remote: true }, stdin: { kind: 'none' } });
    return;
  }
  void rest;
  lexicon(call, spec);
};

const kubectl: Handler = async (call) => {
  const spec: CliSpec = {
    valueOptions: [
      '-n',
      '--namespace',
      '--context',
      '--cluster',
      '--kubeconfig',
      '--user',
      '-s',
      '--server',
      '--token',
      '--as',
      '--as-group',
      '-l',
      '--selector',
      '-o',
      '--output',
      '-c',
      '--container',
      '-f',
      '--filename',
    ],
    depth: 2,
  };
  const tokenAt = call.args.findIndex((a) => a.value === '--token' || a.value?.startsWith('--token='));
  if (tokenAt >= 0) {
    const v = call.args[tokenAt]!.value!;
    const token = v.includes('=') ? v.slice(v.indexOf('=') + 1) : call.args[tokenAt + 1]?.value;
    if (token) call.out.tokens.push(token);
  }
  const { path } = verbPath(call.args, spec);
  if (path[0] === 'exec' || path[0] === 'debug') {
    const dash = call.args.findIndex((a) => a.value === '--');
    const command = dash >= 0 ? call.args.slice(dash + 1) : [];
    const target = call.args.find((a, i) => i > 0 && a.value !== undefined && !a.value.startsWith('-') && a.value !== path[0]);
    call.part({ action: `shell:${call.tool} ${path[0]}`, class: 'write', reach: 'remote', resources: [target?.value ?? '?'], why: 'runs a command in a pod' });
    if (command.length > 0) await call.reenter(command, { env: { cwd: undefined, remote: true }, stdin: { kind: 'none' } });
    return;
  }
  if (path[0] === 'apply' && call.args.some((a) => a.value === '--prune' || a.value?.startsWith('--prune='))) {
    lexicon(call, spec, { class: 'destructive', why: 'apply --prune deletes what the files no longer list', suffix: ' --prune' });
    return;
  }
  lexicon(call, spec);
};

const gh: Handler = async (call) => {
  if (call.args[0]?.value === 'api') return ghApi(call);
  lexicon(call, { depth: 2, valueOptions: ['-R', '--repo'] });
};

const rsync: Handler = (call) => {
  const parsed = parseArgs(call.args, new Set(['-e', '--rsh', '--exclude', '--include', '--filter', '-f', '--port', '--password-file', '--files-from']));
  const deleting = [...parsed.flags].some((f) => f.startsWith('--delete') || f === '--remove-source-files');
  const dest = parsed.positionals[parsed.positionals.length - 1];
  const remote = dest?.value !== undefined && /^[^/]*:/.test(dest.value);
  const outside = !dest || remote || placeOf(dest, call).kind !== 'inside';
  call.part({
    action: `shell:rsync${deleting ? ' --delete' : ''}`,
    class: deleting && outside ? 'destructive' : 'write',
    reach: remote ? 'remote' : 'local',
    resources: parsed.positionals.map((w) => w.value ?? w.raw),
    ...(deleting && outside ? { why: 'deletes files at the destination that the source lacks, outside the workspace' } : {}),
  });
};

const PACKAGE_MANAGERS: CliSpec = { depth: 1, reach: 'local', removalIsWrite: true, ignoreFlags: true };

/**
 * `npm exec`, `pnpm dlx`, `bundle exec`, `poetry run`, `uv run`: the command they carry is what
 * runs; `npm run script` runs a script Airlock does not see.
 */
function carrier(spec: CliSpec, carrying: readonly string[]): Handler {
  return async (call) => {
    const { rest, dynamic } = skipToWord(call.args);
    const verb = rest[0]?.value;
    if (!dynamic && verb !== undefined && carrying.includes(verb)) {
      const after = rest.slice(1);
      const start = after.findIndex((w) => w.value === undefined || !w.value.startsWith('-') || w.value === '--');
      const command = start < 0 ? [] : after[start]!.value === '--' ? after.slice(start + 1) : after.slice(start);
      if (command.length > 0) {
        await call.reenter(command);
        return;
      }
    }
    lexicon(call, spec);
  };
}

function skipToWord(args: readonly Word[]): { rest: readonly Word[]; dynamic: boolean } {
  let i = 0;
  while (i < args.length && args[i]!.value?.startsWith('-')) i++;
  return { rest: args.slice(i), dynamic: i < args.length && args[i]!.value === undefined };
}

/** `scp src… host:/path`: the destination on the other machine is written over. */
const scp: Handler = (call) => {
  const parsed = parseArgs(call.args, new Set(['-P', '-i', '-o', '-F', '-c', '-l', '-S', '-J']));
  const dest = parsed.positionals.at(-1)?.value;
  const remote = dest !== undefined ? /^(?:scp:\/\/)?(?:[^@/:]+@)?([^/:]+):(.*)$/.exec(dest) : null;
  if (!remote || parsed.positionals.length < 2) {
    call.part({ action: 'shell:scp', class: 'write', reach: remote ? 'remote' : 'local', resources: parsed.positionals.map((w) => w.value ?? w.raw) });
    return;
  }
  const [, host, path] = remote;
  const outside = path!.startsWith('/') && !/^\/(tmp|var\/tmp)(\/|$)|^\/(home|Users)\/[^/]+(\/|$)/.test(path!);
  call.part({
    action: 'shell:scp',
    class: outside ? 'destructive' : 'write',
    reach: 'remote',
    resources: [`${host}:${path}`],
    why: outside ? `writes over ${path} on ${host}, outside any home or scratch folder there` : `copies files to ${host}`,
  });
};

/** Programs that read their commands on standard input (`nsupdate`): the commands are what is judged. */
function commandsOnStdin(destroying: RegExp): Handler {
  return (call) => {
    const stdin = call.invocation.stdin;
    if (stdin.kind !== 'static') {
      call.unknown(`shell:${call.tool}`, unknownWhy(`${call.tool} reads commands from ${stdin.kind === 'dynamic' ? stdin.source : 'the terminal'}`));
      return;
    }
    const destroys = destroying.test(stdin.text);
    call.part({
      action: `shell:${call.tool}`,
      class: destroys ? 'destructive' : 'write',
      reach: 'remote',
      why: destroys ? `the commands given to ${call.tool} delete` : undefined,
    });
  };
}

/** Tools whose own words mislead the general reading. */
function destroysOn(words: readonly string[], spec: CliSpec = { depth: 2 }): Handler {
  return (call) => {
    const { path } = verbPath(call.args, spec);
    const word = path.find((p) => words.includes(p));
    lexicon(call, spec, word ? { class: 'destructive', why: `${call.tool} ${word} deletes data for good` } : {});
  };
}

/** rclone: `sync` and `move` delete at the destination or the source by design. */
const rclone: Handler = (call) => {
  const { path } = verbPath(call.args, { depth: 1 });
  if (path[0] === 'sync' || path[0] === 'move' || path[0] === 'moveto' || path[0] === 'dedupe' || path[0] === 'cleanup') {
    lexicon(call, { depth: 1 }, { class: 'destructive', why: `rclone ${path[0]} deletes files that are not in the source (or the source itself)` });
    return;
  }
  lexicon(call, { depth: 1 });
};

/** gsutil: `rsync -d` deletes at the destination what the source lacks. */
const gsutil: Handler = (call) => {
  const { path } = verbPath(call.args, { depth: 1 });
  const flags = parseArgs(call.args);
  if (path[0] === 'rsync' && has(flags, '-d', '--delete-unmatched-destination-objects')) {
    lexicon(call, { depth: 1 }, { class: 'destructive', why: 'rsync -d deletes what the source lacks at the destination', suffix: ' -d' });
    return;
  }
  lexicon(call, { depth: 2, aliases: { rb: 'rb' } });
};

/** decK (Kong): `sync` and `reset` replace the gateway's configuration, deleting what the files lack. */
const deck: Handler = (call) => {
  const { path } = verbPath(call.args, { depth: 2 });
  if (path.includes('sync')) {
    lexicon(call, { depth: 2 }, { class: 'destructive', why: 'sync deletes every entity the state files do not list' });
    return;
  }
  lexicon(call, { depth: 2 });
};

/** `tmux new-session 'cmd'`, `tmux send-keys 'cmd' Enter`: the command is run in a terminal. */
const tmux: Handler = async (call) => {
  const sub = call.args[0]?.value;
  const carrying = [
    'new-session',
    'new',
    'new-window',
    'neww',
    'split-window',
    'splitw',
    'send-keys',
    'send',
    'respawn-pane',
    'respawn-window',
    'run-shell',
    'run',
  ];
  if (sub && carrying.includes(sub)) {
    const parsed = parseArgs(call.args.slice(1), new Set(['-t', '-s', '-n', '-c', '-e', '-F', '-x', '-y', '-l']));
    const words = parsed.positionals.filter((w) => !/^(Enter|C-m|C-j|KPEnter)$/.test(w.value ?? ''));
    if (words.length > 0) {
      const values = words.map((w) => w.value);
      await call.script(values.some((v) => v === undefined) ? undefined : values.join(' '), `the command given to tmux ${sub}`);
      return;
    }
  }
  call.part({ action: `shell:tmux${sub ? ` ${sub}` : ''}`, class: 'write', why: 'manages terminal sessions' });
};

export const CLI_HANDLERS: Record<string, Handler> = {
  railway: cli({ depth: 2, valueOptions: ['-s', '--service', '-e', '--environment', '-p', '--project'] }),
  fly: cli({ depth: 2, valueOptions: ['-a', '--app', '-c', '--config', '-r', '--region'] }),
  flyctl: cli({ depth: 2, valueOptions: ['-a', '--app', '-c', '--config', '-r', '--region'] }),
  heroku: cli({ depth: 2, valueOptions: ['-a', '--app', '-r', '--remote'] }),
  vercel: cli({ depth: 2, valueOptions: ['--scope', '--token', '-t', '--cwd', '-A', '--local-config'] }),
  netlify: cli({ depth: 2 }),
  supabase: cli({ depth: 2, valueOptions: ['--project-ref', '--workdir'] }),
  neonctl: cli({ depth: 2, valueOptions: ['--project-id', '--org-id', '--api-key'] }),
  neon: cli({ depth: 2, valueOptions: ['--project-id', '--org-id', '--api-key'] }),
  doctl: cli({ depth: 3, valueOptions: ['-t', '--access-token', '--context', '-o', '--output'] }),
  pscale: cli({ depth: 2, valueOptions: ['--org'] }),
  wrangler: cli({ depth: 3 }),
  firebase: cli({ depth: 2, valueOptions: ['--project', '-P'] }),
  render: cli({ depth: 2 }),
  aws: cli({
    depth: 2,
    valueOptions: ['--profile', '--region', '--output', '--endpoint-url', '--query', '--cli-read-timeout', '--cli-connect-timeout', '--ca-bundle'],
  }),
  gcloud: cli({ depth: 4, valueOptions: ['--project', '--account', '--configuration', '--format', '--verbosity', '--impersonate-service-account'] }),
  gsutil,
  deck,
  scp,
  'ssh-add': (call) => call.part({ action: 'shell:ssh-add', class: 'privilege', why: 'adds or removes keys an agent signs in with' }),
  'ssh-keygen': (call) => call.part({ action: 'shell:ssh-keygen', class: 'privilege', why: 'makes or changes keys and the hosts trusted' }),
  nsupdate: commandsOnStdin(/^[ \t\f\v]*(?:update[ \t\f\v]+)?(delete|del)\b/im),
  borg: destroysOn(['compact', 'recreate', 'break-lock'], { depth: 1 }),
  splunk: destroysOn(['clean'], { depth: 2 }),
  tmux,
  screen: (call) => call.part({ action: 'shell:screen', class: 'write', why: 'manages terminal sessions' }),
  az: cli({ depth: 4, valueOptions: ['--subscription', '-o', '--output', '--query'] }),
  kubectl,
  oc: kubectl,
  k: kubectl,
  helm: cli({ depth: 2, aliases: { un: 'uninstall' }, valueOptions: ['-n', '--namespace', '--kube-context', '--kubeconfig'] }),
  eksctl: cli({ depth: 2 }),
  terraform,
  tofu: terraform,
  terragrunt: terraform,
  pulumi: cli({ depth: 2, valueOptions: ['-s', '--stack', '-C', '--cwd'] }),
  cdk: cli({ depth: 1 }),
  serverless: cli({ depth: 1 }),
  sls: cli({ depth: 1 }),
  nomad: cli({ depth: 2 }),
  vault: cli({ depth: 4, valueOptions: ['-namespace', '--namespace', '-address', '--address'] }),
  stripe: cli({ depth: 2 }),
  rclone,
  s3cmd: cli({ depth: 1 }),
  docker,
  podman: docker,
  'docker-compose': docker,
  'podman-compose': docker,
  gh,
  glab: cli({ depth: 2 }),
  rsync,
  npm: carrier(PACKAGE_MANAGERS, ['exec', 'x']),
  pnpm: carrier(PACKAGE_MANAGERS, ['exec', 'dlx']),
  yarn: carrier(PACKAGE_MANAGERS, ['exec', 'dlx']),
  bundle: carrier(PACKAGE_MANAGERS, ['exec']),
  poetry: carrier(PACKAGE_MANAGERS, ['run']),
  uv: carrier(PACKAGE_MANAGERS, ['run']),
  pipenv: carrier(PACKAGE_MANAGERS, ['run']),
  pdm: carrier(PACKAGE_MANAGERS, ['run']),
  ...Object.fromEntries(
    'pip pip3 cargo gem go composer brew apt apt-get yum dnf pacman apk conda mamba rustup asdf mise nvm volta corepack'
      .split(' ')
      .map((name) => [name, cli(PACKAGE_MANAGERS)]),
  ),
  systemctl: cli({ depth: 1, reach: 'local' }),
  launchctl: cli({ depth: 1, reach: 'local' }),
  crontab: (call) => {
    const remove = call.args.some((a) => a.value === '-r');
    call.part({ action: `shell:crontab${remove ? ' -r' : ''}`, class: remove ? 'destructive' : call.args.some((a) => a.value === '-l') ? 'read' : 'write' });
  },
};
