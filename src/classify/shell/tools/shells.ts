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
    if (/^-[a-bd-zA-Z]*c[a-zA-Z]*$/.test(v)) wantsString = true;
  }
  if (wantsString) {
    commandString = args[i];
    if (!commandString) {
      call.part({ action: `shell:${call.tool} -c`, class: 'read', why: `${call.tool} -c without a command runs nothing` });
      return;
    }
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
  const writes = program?.value !== undefined && printsToFile(program.value);
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
  ssh,
  awk,
  gawk: awk,
  mawk: awk,
  nawk: awk,
};

/** An awk `print … > file` (or `printf`): a `>` after a print, before the statement ends at `;` or `}`. */
function printsToFile(program: string): boolean {
  let printing = false;
  for (const [token] of program.matchAll(/\bprint|[;}>]/g)) {
    if (token !== '>') printing = token === 'print';
    else if (printing) return true;
  }
  return false;
}
