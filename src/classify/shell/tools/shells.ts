import type { Stdin } from '../analysis.js';
import type { Word } from '../words.js';
import { resolvePath } from '../context.js';
import { unknownWhy, type Call, type Handler } from './call.js';

/**
 * Programs that run code handed to them as text. Shell code is parsed and judged like the
 * command line itself; code Airlock cannot see (a pipe into `sh`, `eval "$(…)"`, a script file)
 * has an unknown effect and is held for a human.
 */

const SHELL_VALUE_OPTIONS = new Set(['-o', '+o', '-O', '+O', '--rcfile', '--init-file']);

/** `bash [options] [-c string [name [args…]] | file [args…]]`, or code on standard input. */
const shell: Handler = async (call) => {
  const args = call.args;
  let commandString: Word | undefined;
  let wantsString = false;
  let i = 0;
  for (; i < args.length; i++) {
    const v = args[i]!.value;
    if (v === undefined) break;
    if (v === '--' || v === '-') {
      i++;
      break;
    }
    if (!/^[-+]/.test(v)) break;
    if (SHELL_VALUE_OPTIONS.has(v)) {
      i++;
      continue;
    }
    if (/^-[a-zA-Z]*c[a-zA-Z]*$/.test(v)) wantsString = true;
  }
  if (wantsString) {
    commandString = args[i];
    await call.script(commandString?.value, `the script given to ${call.tool} -c`);
    return;
  }
  const file = args[i];
  if (file) {
    if (file.value === undefined) {
      call.unknown(`shell:${call.tool}`, unknownWhy(`${call.tool} runs a script whose name is only known when it runs`));
      return;
    }
    if (/^\/dev\/(stdin|fd\/0)$/.test(file.value) || file.value.startsWith('/proc/self/fd')) {
      await fromStdin(call, call.invocation.stdin);
      return;
    }
    if (await writtenEarlier(call, file.value, file.tilde)) return;
    call.part({
      action: `shell:${call.tool} script`,
      class: 'write',
      resources: [file.value],
      why: `runs the script ${file.value}; Airlock judges the commands it can see, not the script's contents`,
    });
    return;
  }
  await fromStdin(call, call.invocation.stdin);
};

/**
 * A script the same command line wrote (`echo 'rm -rf /' > /tmp/x.sh; bash /tmp/x.sh`) is read
 * like the line itself; one written with text only known at run time has an unknown effect.
 */
export async function writtenEarlier(call: Call, path: string, tilde: boolean): Promise<boolean> {
  const resolved = resolvePath(path, call.invocation.env.cwd, call.context.home, tilde);
  if (resolved === undefined || !call.out.files.has(resolved)) return false;
  await call.script(call.out.files.get(resolved), `the script ${path}, written earlier on the same line`);
  return true;
}

async function fromStdin(call: Call, stdin: Stdin): Promise<void> {
  if (stdin.kind === 'static') {
    await call.script(stdin.text, `the script ${call.tool} reads from ${stdin.source}`);
    return;
  }
  if (stdin.kind === 'dynamic') {
    call.unknown(`shell:${call.tool}`, unknownWhy(`${call.tool} runs code it reads from ${stdin.source}`));
    return;
  }
  call.part({ action: `shell:${call.tool}`, class: 'write', why: `an interactive ${call.tool}` });
}

/** `eval words…`: the words are joined and run again as a command line. */
const evalHandler: Handler = async (call) => {
  const values = call.args.map((w) => w.value);
  const dynamic = call.args.find((w) => w.value === undefined);
  await call.script(dynamic ? undefined : values.join(' '), dynamic ? `the text given to eval (${dynamic.dynamic ?? dynamic.raw})` : 'the text given to eval');
};

/** `source file` / `. file` */
const source: Handler = async (call) => {
  const file = call.args[0];
  if (!file || file.value === undefined || /^\/dev\/(stdin|fd\/)/.test(file.value)) {
    if (file?.value !== undefined) await fromStdin(call, call.invocation.stdin);
    else call.unknown(`shell:${call.tool}`, unknownWhy(`${call.tool} runs a file only known when it runs`));
    return;
  }
  if (await writtenEarlier(call, file.value, file.tilde)) return;
  call.part({ action: 'shell:source', class: 'write', resources: [file.value], why: `runs the commands in ${file.value}, which Airlock does not see` });
};

/**
 * Interpreters of other languages. Inline code is not shell: Airlock does not judge it, but
 * code that names a guarded upstream or runs in a pipe from elsewhere has an unknown effect.
 */
function interpreter(inlineFlags: string[], valueOptions: string[] = []): Handler {
  const inline = new Set(inlineFlags);
  const values = new Set(valueOptions);
  return async (call) => {
    const args = call.args;
    for (let i = 0; i < args.length; i++) {
      const v = args[i]!.value;
      if (v === undefined) break;
      if (inline.has(v)) {
        inlineCode(call, args[i + 1]);
        return;
      }
      const joined = [...inline].find((flag) => flag.length === 2 && v.startsWith(flag) && v.length > 2);
      if (joined) {
        inlineCode(call, { ...args[i]!, value: v.slice(2) });
        return;
      }
      if (v === '-m') {
        const module = args[i + 1]?.value;
        call.part({
          action: `shell:${call.tool} -m ${module ?? '?'}`,
          class: 'write',
          resources: module ? [module] : [],
          why: `runs the module ${module ?? '(unknown)'}; Airlock does not read its code`,
        });
        return;
      }
      if (values.has(v)) {
        i++;
        continue;
      }
      if (v === '-') return codeFromStdin(call);
      if (!v.startsWith('-')) {
        call.part({ action: `shell:${call.tool}`, class: 'write', resources: [v], why: `runs the program ${v}; Airlock does not read its code` });
        return;
      }
    }
    if (args.some((a) => a.value === undefined)) {
      call.unknown(`shell:${call.tool}`, unknownWhy(`${call.tool} runs a program only known when it runs`));
      return;
    }
    return codeFromStdin(call);
  };
}

function inlineCode(call: Call, code: Word | undefined): void {
  if (!code || code.value === undefined) {
    call.unknown(`shell:${call.tool}`, unknownWhy(`${call.tool} runs code only known when it runs`));
    return;
  }
  judgeForeignCode(call, code.value, 'inline code');
}

function codeFromStdin(call: Call): void {
  const stdin = call.invocation.stdin;
  if (stdin.kind === 'static') judgeForeignCode(call, stdin.text, `code from ${stdin.source}`);
  else if (stdin.kind === 'dynamic') call.unknown(`shell:${call.tool}`, unknownWhy(`${call.tool} runs code it reads from ${stdin.source}`));
  else call.part({ action: `shell:${call.tool}`, class: 'write', why: `an interactive ${call.tool}` });
}

function judgeForeignCode(call: Call, code: string, what: string): void {
  const upstream = call.context.upstreams.find((u) => {
    if (u.kind !== 'graphql' && u.kind !== 'rest') return false;
    const hosts = [...u.hosts];
    try {
      hosts.push(new URL(u.url).hostname);
    } catch {
      /* a config URL is validated when loaded */
    }
    return hosts.some((h) => code.includes(h));
  });
  if (upstream) {
    call.part({
      action: `shell:${call.tool}`,
      class: 'destructive',
      reach: 'remote',
      upstream: upstream.name,
      why: unknownWhy(`${call.tool} ${what} talks to upstream ${upstream.name}, and Airlock does not read ${call.tool}`),
    });
    return;
  }
  if (/\b(subprocess|os\.system|child_process|exec(Sync)?\(|system\(|spawn|popen|Runtime\.getRuntime|`)/.test(code)) {
    call.unknown(`shell:${call.tool}`, unknownWhy(`${call.tool} ${what} starts other programs`));
    return;
  }
  call.part({
    action: `shell:${call.tool}`,
    class: 'write',
    why: `${call.tool} ${what}; Airlock does not read ${call.tool}, and it names no guarded upstream`,
  });
}

/** `ssh [options] host [command…]`: the command runs on another machine. */
const ssh: Handler = async (call) => {
  const values = new Set(['-b', '-c', '-D', '-E', '-e', '-F', '-I', '-i', '-J', '-L', '-l', '-m', '-O', '-o', '-p', '-Q', '-R', '-S', '-W', '-w', '-B']);
  const args = call.args;
  let i = 0;
  for (; i < args.length; i++) {
    const v = args[i]!.value;
    if (v === undefined || !v.startsWith('-')) break;
    if (values.has(v)) i++;
  }
  const host = args[i];
  const command = args.slice(i + 1);
  if (!host) {
    call.part({ action: 'shell:ssh', class: 'read' });
    return;
  }
  const target = host.value ?? host.raw;
  if (command.length === 0) {
    call.unknown('shell:ssh', unknownWhy(`an interactive shell on ${target}`), [target]);
    return;
  }
  const words = command.map((w) => w.value);
  call.part({ action: 'shell:ssh', class: 'write', reach: 'remote', resources: [target], why: `runs a command on ${target}` });
  await call.script(words.some((w) => w === undefined) ? undefined : words.join(' '), `the command run on ${target}`, {
    env: { cwd: undefined, remote: true },
  });
};

/** awk and friends: a program text that can start other programs. */
const awk: Handler = (call) => {
  const program = call.args.find((a) => a.value === undefined || !a.value.startsWith('-'));
  if (program?.value !== undefined && /\bsystem\s*\(|\|\s*"|"\s*\|\s*getline/.test(program.value)) {
    call.unknown(`shell:${call.tool}`, unknownWhy(`the ${call.tool} program starts other programs`));
    return;
  }
  const writes = program?.value !== undefined && /\bprint[^;}]*>/.test(program.value);
  call.part({ action: `shell:${call.tool}`, class: writes ? 'write' : 'read' });
};

/**
 * `trap 'handler' SIGNAL…`: the handler is a command line run later (on exit, on a signal), so
 * it is judged now. `trap - EXIT`, `trap '' INT` and `trap -p` run nothing.
 */
const trap: Handler = async (call) => {
  const args = call.args.filter((a) => a.value !== '--');
  const first = args[0];
  if (!first || first.value === '-p' || first.value === '-l' || first.value === '-' || first.value === '') {
    call.part({ action: 'shell:trap', class: 'read' });
    return;
  }
  // `trap INT` (one word, a signal) resets it, like `trap - INT`.
  if (args.length === 1 && first.value !== undefined && /^(SIG)?[A-Z0-9]+$/.test(first.value)) {
    call.part({ action: 'shell:trap', class: 'read' });
    return;
  }
  await call.script(first.value, 'the handler given to trap');
};

const SHELLS = ['sh', 'bash', 'zsh', 'dash', 'ksh', 'mksh', 'ash', 'fish', 'busybox-sh', 'rbash'];

export const SHELL_HANDLERS: Record<string, Handler> = {
  ...Object.fromEntries(SHELLS.map((name) => [name, shell])),
  eval: evalHandler,
  trap,
  source,
  '.': source,
  python: interpreter(['-c'], ['-m', '-W', '-X']),
  python3: interpreter(['-c'], ['-m', '-W', '-X']),
  python2: interpreter(['-c'], ['-m', '-W', '-X']),
  node: interpreter(['-e', '--eval', '-p', '--print'], ['-r', '--require', '--import', '--loader']),
  deno: interpreter(['eval']),
  bun: interpreter(['-e', '--eval']),
  ruby: interpreter(['-e'], ['-r', '-I']),
  perl: interpreter(['-e', '-E'], ['-M', '-I']),
  php: interpreter(['-r']),
  lua: interpreter(['-e']),
  osascript: interpreter(['-e']),
  ssh,
  awk,
  gawk: awk,
  mawk: awk,
  nawk: awk,
};
