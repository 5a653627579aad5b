import type { Word } from '../words.js';
import { staticWord } from '../words.js';
import { unknownWhy, type Call, type Handler } from './call.js';

/**
 * Programs that run another program: the command they run is what is judged. Each knows
 * which of its own options take a value, so that `sudo -u root rm -rf /` is read as `rm -rf /`.
 */

function skipOptions(args: readonly Word[], valueOptions: ReadonlySet<string>): { rest: readonly Word[]; dynamic: boolean } {
  let i = 0;
  while (i < args.length) {
    const v = args[i]!.value;
    if (v === undefined) return { rest: args.slice(i), dynamic: true };
    if (v === '--') return { rest: args.slice(i + 1), dynamic: false };
    if (!v.startsWith('-') || v === '-') break;
    i += !v.includes('=') && valueOptions.has(v) ? 2 : 1;
  }
  return { rest: args.slice(i), dynamic: false };
}

function wrapper(valueOptions: string[], describe?: (call: Call, rest: readonly Word[]) => void): Handler {
  const set = new Set(valueOptions);
  return async (call) => {
    const { rest, dynamic } = skipOptions(call.args, set);
    if (dynamic) {
      call.unknown(`shell:${call.tool}`, unknownWhy(`${call.tool} is given options only known when it runs`));
      return;
    }
    describe?.(call, rest);
    if (rest.length === 0) {
      call.part({ action: `shell:${call.tool}`, class: call.tool === 'sudo' || call.tool === 'doas' ? 'privilege' : 'read' });
      return;
    }
    await call.reenter(rest);
  };
}

const sudo: Handler = async (call) => {
  const { rest, dynamic } = skipOptions(
    call.args,
    new Set([
      '-u',
      '-g',
      '-h',
      '-p',
      '-C',
      '-D',
      '-r',
      '-t',
      '-T',
      '-U',
      '--user',
      '--group',
      '--host',
      '--prompt',
      '--role',
      '--type',
      '--chdir',
      '--other-user',
      '--close-from',
      '--command-timeout',
    ]),
  );
  if (dynamic) {
    call.unknown(`shell:${call.tool}`, unknownWhy(`${call.tool} runs a program only known when it runs`));
    return;
  }
  if (rest.length === 0) {
    const flags = call.args.map((w) => w.value ?? '');
    const shell = flags.some((f) => /^-[a-zA-Z]*[is]/.test(f) && !f.startsWith('--')) || flags.includes('--login') || flags.includes('--shell');
    if (shell) call.unknown(`shell:${call.tool}`, unknownWhy(`${call.tool} opens a root shell`));
    else call.part({ action: `shell:${call.tool}`, class: 'privilege', why: `${call.tool} without a command` });
    return;
  }
  await call.reenter(rest);
};

/** `env [-i] [-u NAME] [NAME=value …] command …`, and `env -S "string"`. */
const env: Handler = async (call) => {
  const args = call.args;
  let i = 0;
  while (i < args.length) {
    const v = args[i]!.value;
    if (v === undefined) {
      call.unknown('shell:env', unknownWhy('env is given words only known when it runs'));
      return;
    }
    if (v === '-S' || v === '--split-string' || v.startsWith('--split-string=') || (v.startsWith('-S') && v.length > 2)) {
      const text = v === '-S' || v === '--split-string' ? args[i + 1]?.value : v.startsWith('-S') ? v.slice(2) : v.slice(v.indexOf('=') + 1);
      const after = args.slice(v === '-S' || v === '--split-string' ? i + 2 : i + 1).map((w) => w.value);
      await call.script(
        text === undefined || after.some((a) => a === undefined) ? undefined : [text, ...after.map(quote)].join(' '),
        'the string given to env -S',
      );
      return;
    }
    if (v === '-u' || v === '--unset' || v === '-C' || v === '--chdir') i += 2;
    else if (v.startsWith('-')) i += 1;
    else if (/^[A-Za-z_][A-Za-z0-9_]*=/.test(v)) {
      const eq = v.indexOf('=');
      call.out.assignments.push({ name: v.slice(0, eq), value: v.slice(eq + 1) });
      i += 1;
    } else break;
  }
  const rest = args.slice(i);
  if (rest.length === 0) {
    call.part({ action: 'shell:env', class: 'read' });
    return;
  }
  await call.reenter(rest);
};

/** `timeout [options] DURATION command …` */
const timeout: Handler = async (call) => {
  const { rest } = skipOptions(call.args, new Set(['-s', '--signal', '-k', '--kill-after']));
  await call.reenter(rest.slice(1));
};

/** `xargs [options] [command [initial-arguments]]`: the command gets more arguments from its input. */
const xargs: Handler = async (call) => {
  const { rest, dynamic } = skipOptions(
    call.args,
    new Set([
      '-a',
      '-d',
      '-E',
      '-e',
      '-I',
      '-i',
      '-L',
      '-l',
      '-n',
      '-P',
      '-s',
      '--arg-file',
      '--delimiter',
      '--max-args',
      '--max-procs',
      '--max-lines',
      '--max-chars',
      '--replace',
      '--eof',
      '--process-slot-var',
    ]),
  );
  if (dynamic) {
    call.unknown('shell:xargs', unknownWhy('xargs is given options only known when it runs'));
    return;
  }
  const command = rest.length > 0 ? rest : [staticWord('echo')];
  // Arguments read from input are unknown: stand for them with one dynamic word.
  const fromInput: Word = { raw: '{input}', value: undefined, prefix: '', glob: false, tilde: false, dynamic: 'the input of xargs' };
  await call.reenter([...command, fromInput], { stdin: { kind: 'none' } });
};

/** `watch [options] command`: the words are joined and run by `sh -c`. */
const watch: Handler = async (call) => {
  const { rest } = skipOptions(call.args, new Set(['-n', '--interval', '-d', '--differences', '-q', '--equexit']));
  const words = rest.map((w) => w.value);
  await call.script(words.some((w) => w === undefined) ? undefined : words.join(' '), 'the command run by watch');
};

/** `flock [options] FILE command …`, or `flock FILE -c "string"`. */
const flock: Handler = async (call) => {
  const { rest } = skipOptions(call.args, new Set(['-w', '--timeout', '-E', '--conflict-exit-code']));
  const after = rest.slice(1);
  const c = after.findIndex((w) => w.value === '-c' || w.value === '--command');
  if (c >= 0) {
    await call.script(after[c + 1]?.value, 'the string given to flock -c');
    return;
  }
  await call.reenter(after);
};

/** `npx [-y] [-p pkg] command …`, `npx -c 'cmd'`, `bunx`, `pnpx`: the package's command is what runs. */
const npx: Handler = async (call) => {
  const args = call.args;
  let i = 0;
  while (i < args.length) {
    const v = args[i]!.value;
    if (v === undefined) break;
    if (v === '-c' || v === '--call') {
      await call.script(args[i + 1]?.value, `the command given to ${call.tool} -c`);
      return;
    }
    if (v === '--') {
      i++;
      break;
    }
    if (!v.startsWith('-')) break;
    i += ['-p', '--package', '--registry', '--cache', '--userconfig', '-w', '--workspace'].includes(v) ? 2 : 1;
  }
  const rest = args.slice(i);
  if (rest.length === 0) {
    call.part({ action: `shell:${call.tool}`, class: 'write' });
    return;
  }
  const name = rest[0]!.value;
  // `npx rimraf@5 /` runs rimraf; a scoped package runs its own bin, named after it.
  const bin = name?.replace(/^@[^/]+\//, '').replace(/@[^@]*$/, '');
  await call.reenter(bin !== undefined && bin !== name ? [staticWord(bin), ...rest.slice(1)] : rest);
};

/** `busybox applet args…`, `toybox applet args…`: the applet is the command. */
const multicall: Handler = async (call) => {
  if (call.args.length === 0 || call.args[0]!.value?.startsWith('-')) {
    call.part({ action: `shell:${call.tool}`, class: 'read' });
    return;
  }
  await call.reenter(call.args);
};

function quote(text: string | undefined): string {
  return `'${(text ?? '').replace(/'/g, `'\\''`)}'`;
}

export const WRAPPER_HANDLERS: Record<string, Handler> = {
  sudo,
  doas: sudo,
  env,
  timeout,
  gtimeout: timeout,
  xargs,
  watch,
  flock,
  nohup: wrapper([]),
  nice: wrapper(['-n', '--adjustment']),
  ionice: wrapper(['-c', '-n', '-p', '-P', '-u', '--class', '--classdata']),
  time: wrapper(['-f', '-o', '--format', '--output']),
  exec: wrapper(['-a']),
  command: async (call) => {
    if (call.args.some((a) => a.value === '-v' || a.value === '-V')) {
      call.part({ action: 'shell:command -v', class: 'read' });
      return;
    }
    await wrapper([])(call);
  },
  builtin: wrapper([]),
  stdbuf: wrapper(['-i', '-o', '-e', '--input', '--output', '--error']),
  setsid: wrapper([]),
  chronic: wrapper([]),
  unbuffer: wrapper([]),
  caffeinate: wrapper(['-t', '-w']),
  coproc: wrapper([]),
  npx,
  bunx: npx,
  pnpx: npx,
  uvx: npx,
  pipx: async (call) => (call.args[0]?.value === 'run' ? npx({ ...call, args: call.args.slice(1) }) : call.part({ action: 'shell:pipx', class: 'write' })),
  busybox: multicall,
  toybox: multicall,
  'run-parts': async (call) => call.unknown('shell:run-parts', unknownWhy('runs every script in a folder')),
};
