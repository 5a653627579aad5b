import { branchIsProtected } from '../context.js';
import { has, parseArgs, unknownWhy, type Call, type Handler } from './call.js';

/**
 * git: history on a protected branch is shared and hard to get back once overwritten. A force
 * push or a hard reset there is destructive; on other branches it is the agent's own work.
 * When the branch cannot be known (no refspec, and the harness did not say which branch is
 * checked out) it is treated as protected.
 */

const GLOBAL_VALUE_OPTIONS = new Set(['-C', '-c', '--git-dir', '--work-tree', '--namespace', '--exec-path', '--config-env']);
const READS = new Set([
  'status',
  'log',
  'diff',
  'show',
  'blame',
  'grep',
  'describe',
  'rev-parse',
  'rev-list',
  'ls-files',
  'ls-tree',
  'ls-remote',
  'cat-file',
  'shortlog',
  'reflog',
  'whatchanged',
  'name-rev',
  'for-each-ref',
  'show-ref',
  'check-ignore',
  'help',
  'version',
  'count-objects',
  'var',
  'merge-base',
]);

/**
 * Settings whose value git runs as a shell command (`git -c core.sshCommand='…' fetch`,
 * `GIT_SSH_COMMAND=… git pull`, `alias.x='!…'`): the command is judged as if it ran.
 */
const COMMAND_SETTINGS =
  /^(core\.(sshcommand|pager|editor|fsmonitor|hookspath|askpass|gitproxy)|sequence\.editor|diff\.external|diff\.[^.]+\.(textconv|command)|merge\.[^.]+\.driver|filter\.[^.]+\.(clean|smudge|process)|credential(\.[^.]+)?\.helper|gpg(\.[^.]+)?\.program|pager\.[^.]+|uploadpack\.packobjectshook|remote\.[^.]+\.(uploadpack|receivepack)|url\.[^.]+\.insteadof|protocol\.[^.]+\.allow|include\.path|includeif\..+\.path)$/i;
const COMMAND_VARIABLES = new Set([
  'GIT_SSH_COMMAND',
  'GIT_SSH',
  'GIT_EDITOR',
  'GIT_PAGER',
  'GIT_EXTERNAL_DIFF',
  'GIT_ASKPASS',
  'GIT_PROXY_COMMAND',
  'GIT_SEQUENCE_EDITOR',
  'GIT_CONFIG_PARAMETERS',
]);

async function carriedSetting(call: Call, key: string, value: string | undefined, how: string): Promise<void> {
  const lower = key.toLowerCase();
  if (lower.startsWith('alias.')) {
    if (value === undefined) call.unknown('shell:git alias', unknownWhy(`the git alias ${key} is only known when it runs`));
    else if (value.startsWith('!')) await call.script(value.slice(1), `the shell command of the git alias ${key} (${how})`);
    return;
  }
  if (!COMMAND_SETTINGS.test(lower)) return;
  if (/^(url\.|protocol\.|include)/.test(lower)) {
    call.part({ action: `shell:git ${key}`, class: 'privilege', why: `${key} changes where git fetches from or what it loads (${how})` });
    return;
  }
  await call.script(value, `the command git runs for ${key} (${how})`);
}

const git: Handler = async (call) => {
  const args = call.args;
  for (const { name, value } of call.invocation.assignments) {
    if (COMMAND_VARIABLES.has(name)) await call.script(value.value, `the command git runs for ${name}`);
  }
  let i = 0;
  while (i < args.length && args[i]!.value?.startsWith('-')) {
    const flag = args[i]!.value!;
    if (flag === '-c' || flag.startsWith('-c')) {
      const setting = flag === '-c' ? args[i + 1]?.value : flag.slice(2);
      if (setting === undefined) call.unknown('shell:git -c', unknownWhy('a git setting only known when it runs'));
      else {
        const eq = setting.indexOf('=');
        await carriedSetting(call, eq < 0 ? setting : setting.slice(0, eq), eq < 0 ? 'true' : setting.slice(eq + 1), 'git -c');
      }
    }
    i += GLOBAL_VALUE_OPTIONS.has(flag) ? 2 : 1;
  }
  const sub = args[i]?.value;
  const rest = args.slice(i + 1);
  if (sub === undefined) {
    call.part({
      action: 'shell:git',
      class: args.length > i ? 'write' : 'read',
      why: args.length > i ? 'the git command is only known when it runs' : undefined,
    });
    return;
  }
  const action = `shell:git ${sub}`;
  const parsed = parseArgs(rest, new Set(['-m', '-F', '-o', '--push-option', '--repo', '--receive-pack', '--exec', '-u', '--upstream']));
  const branch = call.context.branch;
  const protectedBranch = (name: string | undefined) =>
    name === undefined || branchIsProtected(name.replace(/^refs\/heads\//, ''), call.context.protectedBranches);

  switch (sub) {
    case 'push': {
      const force =
        has(parsed, '-f', '--force', '--force-with-lease', '--force-if-includes', '--mirror') || parsed.positionals.some((w) => w.value?.startsWith('+'));
      const deleting = has(parsed, '-d', '--delete') || parsed.positionals.some((w) => w.value?.startsWith(':'));
      const refspecs = parsed.positionals.slice(1).map((w) => w.value);
      const targets =
        refspecs.length === 0
          ? [has(parsed, '--mirror', '--all') ? undefined : branch]
          : refspecs.map((r) => (r === undefined ? undefined : destinationOf(r, branch)));
      const hitsProtected = targets.some((t) => protectedBranch(t));
      const shown = targets.map((t) => t ?? '(the branch checked out, unknown to Airlock)');
      if ((force || deleting) && hitsProtected) {
        call.part({
          action: `${action}${force ? ' --force' : ' --delete'}`,
          class: 'destructive',
          reach: 'remote',
          resources: shown,
          why: `${force ? 'force-pushes' : 'deletes'} a protected branch (${shown.join(', ')})`,
        });
      } else {
        call.part({ action: force ? `${action} --force` : action, class: 'write', reach: 'remote', resources: shown });
      }
      return;
    }
    case 'clean': {
      const forced = has(parsed, '-f', '--force') && !has(parsed, '-n', '--dry-run');
      call.part({
        action: forced ? `${action} -f` : action,
        class: forced ? 'destructive' : 'read',
        why: forced ? 'deletes untracked files, which git cannot bring back' : 'a dry run lists what would be deleted',
      });
      return;
    }
    case 'checkout':
    case 'restore': {
      const dashes = rest.some((w) => w.value === '--');
      const everything = parsed.positionals.some((w) => w.value === '.' || w.value === ':/' || w.glob);
      const stagedOnly = sub === 'restore' && has(parsed, '-S', '--staged') && !has(parsed, '-W', '--worktree');
      const discards = sub === 'restore' ? !stagedOnly && parsed.positionals.length > 0 : dashes || everything || has(parsed, '-f', '--force', '-p', '--patch');
      if (discards && !has(parsed, '-b', '-B', '--orphan')) {
        call.part({ action: `${action} --`, class: 'destructive', why: 'discards uncommitted changes, which git cannot bring back' });
        return;
      }
      call.part({ action, class: 'write' });
      return;
    }
    case 'reset': {
      if (has(parsed, '--hard')) {
        call.part({
          action: `${action} --hard`,
          class: 'destructive',
          resources: branch ? [branch] : [],
          why: 'discards uncommitted changes, which git cannot bring back',
        });
        return;
      }
      if (has(parsed, '--merge', '--keep') && protectedBranch(branch)) {
        call.part({
          action: `${action} --hard`,
          class: 'destructive',
          resources: [branch ?? '(unknown branch)'],
          why: `discards commits and changes on ${branch ? `the protected branch ${branch}` : 'a branch Airlock cannot see, treated as protected'}`,
        });
      } else call.part({ action: has(parsed, '--hard') ? `${action} --hard` : action, class: 'write', resources: branch ? [branch] : [] });
      return;
    }
    case 'branch': {
      const deleting = has(parsed, '-D', '-d', '--delete');
      const force = has(parsed, '-D', '-f', '--force');
      if (force && parsed.positionals.length > 0) {
        const names = parsed.positionals.map((w) => w.value ?? '?');
        call.part({
          action: `${action} ${deleting ? '-D' : '-f'}`,
          class: 'destructive',
          resources: names,
          why: deleting ? 'force-deletes branches with commits no other branch may have' : 'moves a branch by force, leaving its commits behind',
        });
        return;
      }
      if (
        deleting ||
        has(parsed, '-m', '-M', '-c', '-C', '--move', '--copy') ||
        (parsed.positionals.length > 0 && !has(parsed, '--list', '-l', '-a', '-r', '--contains', '--merged'))
      ) {
        const names = parsed.positionals.map((w) => w.value);
        const destructive = deleting && force && names.some((n) => protectedBranch(n));
        call.part({
          action: `${action}${deleting ? ' --delete' : ''}`,
          class: destructive ? 'destructive' : 'write',
          resources: names.map((n) => n ?? '?'),
          ...(destructive ? { why: 'force-deletes a protected branch' } : {}),
        });
      } else call.part({ action, class: 'read' });
      return;
    }
    case 'filter-branch':
    case 'filter-repo':
      call.part({ action, class: protectedBranch(branch) ? 'destructive' : 'write', why: 'rewrites history' });
      return;
    case 'stash': {
      const verb = parsed.positionals[0]?.value;
      if (verb === 'clear' || verb === 'drop') {
        call.part({ action: `${action} ${verb}`, class: 'destructive', why: 'throws away stashed changes' });
        return;
      }
      call.part({ action, class: verb === 'list' || verb === 'show' ? 'read' : 'write' });
      return;
    }
    case 'config': {
      const [key, value] = parsed.positionals.filter((w) => !['--add', '--replace-all'].includes(w.value ?? ''));
      if (key?.value !== undefined && parsed.positionals.length >= 2) await carriedSetting(call, key.value, value?.value, 'git config');
      const listing = parsed.positionals.length < 2 || has(parsed, '-l', '--list', '--get', '--get-all', '--get-regexp');
      call.part({ action, class: listing ? 'read' : 'write' });
      return;
    }
    case 'remote':
    case 'tag':
    case 'worktree':
    case 'submodule': {
      const first = parsed.positionals[0]?.value;
      const listing =
        parsed.positionals.length === 0 || ['list', 'show', '-v', 'get-url'].includes(first ?? '') || has(parsed, '-l', '--list', '--get', '--get-all', '-v');
      call.part({ action, class: listing ? 'read' : 'write' });
      return;
    }
    case 'credential':
    case 'credential-store':
    case 'credential-cache':
      call.part({ action, class: 'privilege', why: 'reads or stores credentials' });
      return;
    default:
      call.part({ action, class: READS.has(sub) ? 'read' : 'write', reach: ['fetch', 'pull', 'clone', 'ls-remote'].includes(sub) ? 'remote' : 'local' });
  }
};

/** The remote branch a refspec writes: `main`, `HEAD:main`, `+feature:refs/heads/main`. */
function destinationOf(refspec: string, current: string | undefined): string | undefined {
  const spec = refspec.replace(/^\+/, '');
  const colon = spec.lastIndexOf(':');
  const dest = colon >= 0 ? spec.slice(colon + 1) : spec;
  if (dest === 'HEAD' || dest === '') return colon >= 0 && dest === '' ? undefined : current;
  return dest.replace(/^refs\/heads\//, '');
}

export const GIT_HANDLERS: Record<string, Handler> = { git };
export type { Call };
