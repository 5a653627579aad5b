import type { Analysis, Env, Invocation, PartInput, Stdin } from '../analysis.js';
import { upstreamForUrl, safeUrl, isLocalHost, resolvePath } from '../context.js';
import { HARMLESS_TARGETS, isBlockDevice, overwriteClass } from '../redirections.js';
import { placeOf } from './files.js';
import { analyseScript, clip } from '../walk.js';
import { staticWord, type Word } from '../words.js';
import { toolName, unknownWhy, type Call, type Handler } from './call.js';
import { CLI_HANDLERS } from './cli.js';
import { DATABASE_HANDLERS } from './databases.js';
import { EDITOR_HANDLERS } from './editors.js';
import { INTERPRETER_HANDLERS } from './interpreters.js';
import { FILE_HANDLERS } from './files.js';
import { GIT_HANDLERS } from './git.js';
import { HTTP_HANDLERS } from './http.js';
import { SHELL_HANDLERS, writtenEarlier } from './shells.js';
import { WRAPPER_HANDLERS } from './wrappers.js';
import { commandWords, deletionInJson, judgeWords } from '../verbs.js';
import { splitWords } from '../../vocabulary/index.js';

const HANDLERS = new Map<string, Handler>([
  ...Object.entries(WRAPPER_HANDLERS),
  ...Object.entries(SHELL_HANDLERS),
  ...Object.entries(INTERPRETER_HANDLERS),
  ...Object.entries(FILE_HANDLERS),
  ...Object.entries(GIT_HANDLERS),
  ...Object.entries(HTTP_HANDLERS),
  ...Object.entries(DATABASE_HANDLERS),
  ...Object.entries(CLI_HANDLERS),
  ...Object.entries(EDITOR_HANDLERS),
]);

/** Programs that only read and print (their output redirections are judged on their own). */
const READ_ONLY = new Set(
  (
    'ls ll la dir cat head tail less more grep egrep fgrep rg ag ack fd wc sort uniq cut tr nl fold column paste join comm ' +
    'echo printf pwd which whereis type whoami id groups date cal uname hostname uptime df du free ps pgrep top htop lsof ' +
    'tree stat file diff cmp sdiff jq yq basename dirname realpath readlink true false test [ sleep seq yes base64 base32 ' +
    'xxd od hexdump strings md5sum sha1sum sha256sum sha512sum shasum cksum env printenv locale tty nproc lscpu getconf ' +
    'man help info history alias jobs wait read :  exit return shift set shopt umask ulimit hash popd dirs cd pushd ' +
    'node-version npm-version git-version column bat glow delta fzf tldr'
  ).split(/\s+/),
);

export async function classifyInvocation(invocation: Invocation, out: Analysis): Promise<void> {
  const name = invocation.argv[0]!;
  const call = makeCall(invocation, out);
  if (name.value === undefined || name.glob) {
    call.unknown('shell:dynamic', unknownWhy(`the program to run comes from ${name.dynamic ?? 'a file-name pattern'} (${name.raw})`));
    return;
  }
  if (name.value.includes('/') && (await writtenEarlier(call, name.value, name.tilde))) {
    outputRedirects(call);
    return;
  }
  const handler = HANDLERS.get(call.tool);
  if (handler) await handler(call);
  else defaultHandler(call);
  outputRedirects(call);
}

function makeCall(invocation: Invocation, out: Analysis): Call {
  const tool = toolName(invocation.argv[0]!.value ?? '');
  const call: Call = {
    tool,
    args: invocation.argv.slice(1),
    invocation,
    out,
    context: out.context,
    part(input: PartInput) {
      out.add({
        action: input.action,
        class: input.class,
        resources: [...(input.resources ?? [])],
        reach: input.reach ?? 'local',
        text: input.text ?? invocation.text,
        ...(input.why ? { why: input.why } : {}),
        ...(input.upstream ? { upstream: input.upstream } : {}),
      });
    },
    unknown(action: string, why: string, resources: readonly string[] = []) {
      call.part({ action, class: 'destructive', why, resources, reach: 'remote' });
    },
    async reenter(argv: readonly Word[], options = {}) {
      if (argv.length === 0) return;
      if (invocation.depth + 1 > 8) {
        call.unknown(`shell:${tool}`, unknownWhy('commands nested too deeply'));
        return;
      }
      await classifyInvocation(
        { ...invocation, argv, stdin: options.stdin ?? invocation.stdin, env: options.env ?? invocation.env, depth: invocation.depth + 1, redirects: [] },
        out,
      );
    },
    async script(text: string | undefined, origin: string, options: { stdin?: Stdin; env?: Env } = {}) {
      if (text === undefined) {
        call.unknown(`shell:${tool}`, unknownWhy(`${origin} is only known when it runs`));
        return;
      }
      await analyseScript(text, options.env ?? { ...invocation.env }, options.stdin ?? { kind: 'none' }, invocation.depth + 1, out, origin);
    },
  };
  return call;
}

/**
 * A program Airlock has no rule for: a read if it only reads, otherwise a local write. If its
 * arguments name a guarded upstream, it talks to that upstream in a way Airlock cannot read.
 */
function defaultHandler(call: Call): void {
  const { tool, args } = call;
  for (const arg of args) {
    const upstream = mentionedUpstream(arg, call);
    if (upstream) {
      call.part({
        action: `shell:${tool}`,
        class: 'destructive',
        reach: 'remote',
        upstream,
        why: unknownWhy(`${tool} talks to upstream ${upstream} in a way Airlock cannot read`),
      });
      return;
    }
  }
  if (READ_ONLY.has(tool)) {
    call.part({ action: `shell:${tool}`, class: 'read' });
    return;
  }
  // A CLI Airlock has no rule for is judged by its words; they may raise the class, never lower it.
  const words = commandWords(args);
  const judged = judgeWords([...(splitWords(tool).length > 1 ? [tool] : []), ...words.path], words.flags, false);
  const json = args.map((a) => (a.value !== undefined ? deletionInJson(a.value) : undefined)).find((d) => d !== undefined);
  if (judged.class === 'destructive' || judged.class === 'privilege' || json) {
    call.part({
      action: `shell:${[tool, ...words.path].join(' ')}`,
      class: json ? 'destructive' : judged.class,
      reach: 'remote',
      resources: words.resources.slice(0, 20),
      why: json ? `a JSON argument asks for a deletion (${json})` : `${judged.why} (read from the words of ${tool}, which has no rule of its own)`,
    });
    return;
  }
  const remote = args.some((a) => {
    const url = a.value !== undefined && /^[a-z][a-z0-9+.-]*:\/\//i.test(a.value) ? safeUrl(a.value) : undefined;
    return url !== undefined && !isLocalHost(url.hostname);
  });
  call.part({
    action: `shell:${tool}`,
    class: 'write',
    reach: remote ? 'remote' : 'local',
    why: `${tool} is a program Airlock has no rule for; it may change local files`,
  });
}

function mentionedUpstream(word: Word, call: Call): string | undefined {
  const text = word.value ?? word.prefix;
  for (const match of text.matchAll(/\bhttps?:\/\/[^\s'"]+/gi)) {
    const url = safeUrl(match[0]);
    const upstream = url && upstreamForUrl(url, call.context.upstreams);
    if (upstream) return upstream.name;
  }
  for (const upstream of call.context.upstreams) {
    if (upstream.kind !== 'graphql' && upstream.kind !== 'rest') continue;
    const hosts = [...upstream.hosts, safeUrl(upstream.url)?.hostname].filter((h): h is string => !!h);
    if (hosts.some((h) => text.includes(h))) return upstream.name;
  }
  return undefined;
}

/** `> file` writes a file whatever the program; over a file outside the workspace or a disk it destroys. */
function outputRedirects(call: Call): void {
  for (const redirect of call.invocation.redirects) {
    if (!/^(>|>>|&>|&>>|>\||<>)$/.test(redirect.op)) continue;
    const target = redirect.target;
    if (!target) continue;
    if (target.value !== undefined && (HARMLESS_TARGETS.has(target.value) || /^\d+$/.test(target.value))) continue;
    const appending = redirect.op === '>>' || redirect.op === '&>>';
    remember(call, target, appending);
    const place = placeOf(target, call);
    const judged = overwriteClass(target.value ?? place.path, place.kind, appending);
    call.part({
      action: judged.class === 'destructive' && isBlockDevice(target.value ?? target.prefix) ? 'shell:write-device' : 'shell:write-file',
      class: judged.class === 'read' ? 'write' : judged.class,
      resources: [target.value ?? `${target.prefix}…`],
      why: `${redirect.op} ${judged.why}`,
      text: clip(call.invocation.text),
    });
  }
}

/** Keeps what a redirection writes, for a script run later in the same line. */
function remember(call: Call, target: Word, appending: boolean): void {
  if (target.value === undefined) return;
  const path = resolvePath(target.value, call.invocation.env.cwd, call.context.home, target.tilde);
  if (path === undefined) return;
  const output = call.invocation.output;
  const text = output?.kind === 'static' ? output.text : undefined;
  const before = call.out.files.has(path) ? call.out.files.get(path) : '';
  call.out.files.set(path, text === undefined || before === undefined ? undefined : appending ? before + text : text);
}

export { staticWord };
