import { type Language, readForeignCode } from '../interpreters.js';
import { commandWords, judgeWords } from '../verbs.js';
import { staticWord, type Word } from '../words.js';
import { unknownWhy, type Call, type Handler } from './call.js';
import { lexicon } from './cli.js';
import { isScratch, overwrite, placeOf } from './files.js';

/**
 * Interpreters of other languages. Inline code (`-c`, `-e`, `eval`, code on standard input) is
 * read for what its standard library calls do (see ../interpreters.ts): deleting or writing over
 * files outside the workspace is destructive, a command it runs is judged as shell, and code
 * Airlock cannot pin down that names paths outside the workspace is held. A script file is not
 * read; its arguments are (`python manage.py flush`).
 */

interface InterpreterSpec {
  readonly language: Language | undefined;
  /** Options whose next word is the code (`-c`, `-e`, `--eval`). */
  readonly inline: readonly string[];
  /** Options that take a value, skipped on the way to the script. */
  readonly values?: readonly string[];
  /** Subcommands whose next word is the code (`deno eval`) or a program run (`bun x`). */
  readonly evalVerbs?: readonly string[];
  readonly runVerbs?: readonly string[];
  /** Subcommands that run a package's program (`bun x rimraf`). */
  readonly carryVerbs?: readonly string[];
}

function interpreter(spec: InterpreterSpec): Handler {
  const inline = new Set(spec.inline);
  const values = new Set(spec.values ?? []);
  return async (call) => {
    const args = call.args;
    const first = args[0]?.value;
    if (first !== undefined && spec.evalVerbs?.includes(first)) {
      const code = args.slice(1).find((w) => w.value === undefined || !w.value.startsWith('-'));
      return judgeCode(call, spec.language, code, 'inline code');
    }
    if (first !== undefined && spec.carryVerbs?.includes(first) && args.length > 1) {
      await call.reenter(args.slice(1).filter((w, i) => i > 0 || !w.value?.startsWith('-')));
      return;
    }
    if (first !== undefined && spec.runVerbs?.includes(first) && args.length > 1) {
      // `deno run x.ts` / `bun run script` run a file or a package script: judged like one.
      return runScript(
        call,
        args.slice(1).filter((w) => !w.value?.startsWith('-')),
      );
    }
    for (let i = 0; i < args.length; i++) {
      const v = args[i]!.value;
      if (v === undefined) break;
      if (inline.has(v)) return judgeCode(call, spec.language, args[i + 1], 'inline code');
      const joined = [...inline].find((flag) => flag.length === 2 && v.startsWith(flag) && v.length > 2 && !v.startsWith('--'));
      if (joined) return judgeCode(call, spec.language, { ...args[i]!, value: v.slice(2) }, 'inline code');
      const equals = [...inline].find((flag) => flag.startsWith('--') && v.startsWith(`${flag}=`));
      if (equals) return judgeCode(call, spec.language, staticWord(v.slice(equals.length + 1)), 'inline code');
      if (v === '-m' && spec.language === 'python') {
        // `python -m pip uninstall x`: the module is a program of its own.
        const rest = args.slice(i + 1);
        if (rest.length > 0) await call.reenter(rest);
        else call.part({ action: `shell:${call.tool} -m`, class: 'write' });
        return;
      }
      if (values.has(v)) {
        i++;
        continue;
      }
      if (v === '-') return codeFromStdin(call, spec.language);
      if (!v.startsWith('-')) return runScript(call, args.slice(i));
    }
    if (args.some((a) => a.value === undefined)) {
      call.unknown(`shell:${call.tool}`, unknownWhy(`${call.tool} runs a program only known when it runs`));
      return;
    }
    return codeFromStdin(call, spec.language);
  };
}

/** A script file and its arguments: the file is not read, its arguments are (`manage.py flush`). */
async function runScript(call: Call, words: readonly Word[]): Promise<void> {
  const [file, ...rest] = words;
  const path = file?.value;
  const read = commandWords(rest, { depth: 2 });
  const judged = judgeWords(read.path, read.flags, false);
  if (judged.class === 'destructive' || judged.class === 'privilege') {
    call.part({
      action: `shell:${call.tool} ${path ?? '?'} ${read.path.join(' ')}`.trimEnd(),
      class: judged.class,
      resources: path ? [path] : [],
      why: `${judged.why} (the arguments given to ${path ?? 'the script'})`,
    });
    return;
  }
  call.part({
    action: `shell:${call.tool}`,
    class: 'write',
    resources: path ? [path] : [],
    why: `runs the program ${path ?? '(unknown)'}; Airlock does not read its code`,
  });
}

async function judgeCode(call: Call, language: Language | undefined, code: Word | undefined, what: string): Promise<void> {
  if (!code || code.value === undefined) {
    call.unknown(`shell:${call.tool}`, unknownWhy(`${call.tool} runs code only known when it runs`));
    return;
  }
  await judgeForeignCode(call, language, code.value, what);
}

async function codeFromStdin(call: Call, language: Language | undefined): Promise<void> {
  const stdin = call.invocation.stdin;
  if (stdin.kind === 'static') await judgeForeignCode(call, language, stdin.text, `code from ${stdin.source}`);
  else if (stdin.kind === 'dynamic') call.unknown(`shell:${call.tool}`, unknownWhy(`${call.tool} runs code it reads from ${stdin.source}`));
  else call.part({ action: `shell:${call.tool}`, class: 'write', why: `an interactive ${call.tool}` });
}

/** Functions that only read the path they are given: naming a path outside the workspace to them is harmless. */
const READS_PATH =
  /(open|readFileSync|readFile|read_text|read_bytes|File\.read|IO\.read|readlines|file_get_contents|file|exists|existsSync|isfile|isdir|listdir|scandir|readdirSync|readdir|stat|statSync|lstat|glob|load|Path|expanduser|chdir|getsize|walk|realpath|access|accessSync|require|import|from|source|sys\.path\.(?:append|insert))\s*\(\s*(?:\d+\s*,\s*)?$/;
const HARMLESS_PATHS =
  /^\/(dev\/(null|stdin|stdout|stderr|tty|urandom|random)|proc\/(self|cpuinfo|meminfo|version|loadavg|uptime)|etc\/(os-release|hostname|passwd|group|hosts|resolv\.conf|timezone|lsb-release)|usr\/(bin|local\/bin|share|lib|include)\b|bin\/|sys\/class)/;

export async function judgeForeignCode(call: Call, language: Language | undefined, code: string, what: string): Promise<void> {
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
  if (language === undefined) {
    if (/do shell script|\bsystem\(|\bexec\(|`/.test(code)) call.unknown(`shell:${call.tool}`, unknownWhy(`${call.tool} ${what} starts other programs`));
    else call.part({ action: `shell:${call.tool}`, class: 'write', why: `${call.tool} ${what}; Airlock does not read ${call.tool}` });
    return;
  }
  const found = readForeignCode(language, code);
  let judged = false;
  for (const { call: name, line } of found.commands) {
    judged = true;
    if (line === undefined) call.unknown(`shell:${call.tool} ${name}`, unknownWhy(`${call.tool} ${what} runs a command built when it runs (${name})`));
    else await call.script(line, `the command ${call.tool} ${what} runs with ${name}`);
  }
  for (const { call: name, path } of found.deletes) {
    judged = true;
    if (path === undefined) {
      call.unknown(`shell:${call.tool} ${name}`, unknownWhy(`${call.tool} ${what} deletes a path computed when it runs (${name})`));
      continue;
    }
    const place = placeOf(literalWord(path), call);
    call.part({
      action: `shell:${call.tool} ${name}`,
      class: place.kind === 'inside' ? 'write' : 'destructive',
      resources: [place.path],
      why: place.kind === 'inside' ? `${name} deletes ${place.path}, inside the workspace` : `${name} deletes ${place.path}, outside the workspace`,
    });
  }
  for (const { call: name, path } of found.writes) {
    judged = true;
    if (path === undefined) {
      call.unknown(`shell:${call.tool} ${name}`, unknownWhy(`${call.tool} ${what} writes a path computed when it runs (${name})`));
      continue;
    }
    overwrite(call, literalWord(path), `shell:${call.tool} ${name}`);
  }
  for (const name of found.destroyingCalls) {
    judged = true;
    call.part({
      action: `shell:${call.tool} ${name}`,
      class: 'destructive',
      reach: 'remote',
      why: `${call.tool} ${what} calls ${name}, named for destroying what it acts on`,
    });
  }
  for (const name of found.evaluates) {
    judged = true;
    call.unknown(`shell:${call.tool} ${name}`, unknownWhy(`${call.tool} ${what} evaluates code built when it runs (${name})`));
  }
  if (judged) {
    call.part({ action: `shell:${call.tool}`, class: 'write', why: `${call.tool} runs ${what}` });
    return;
  }
  const outside = found.paths.filter((path) => {
    if (HARMLESS_PATHS.test(path) || isScratch(path)) return false;
    if (placeOf(literalWord(path), call).kind === 'inside') return false;
    const at = code.indexOf(path);
    return !READS_PATH.test(code.slice(Math.max(0, at - 60), Math.max(0, at - 1)));
  });
  if (outside.length > 0) {
    call.unknown(
      `shell:${call.tool}`,
      unknownWhy(`${call.tool} ${what} names ${outside.join(', ')}, outside the workspace, in a way Airlock cannot judge`),
      outside,
    );
    return;
  }
  call.part({ action: `shell:${call.tool}`, class: 'write', why: `${call.tool} ${what}: no call Airlock reads deletes, overwrites or runs anything` });
}

function literalWord(path: string): Word {
  return { raw: path, value: path, prefix: path, glob: false, tilde: path.startsWith('~') };
}

const PYTHON: InterpreterSpec = { language: 'python', inline: ['-c'], values: ['-W', '-X', '-Q'] };
const NODE: InterpreterSpec = {
  language: 'javascript',
  inline: ['-e', '--eval', '-p', '--print'],
  values: ['-r', '--require', '--import', '--loader', '--input-type', '--experimental-loader', '-C', '--conditions'],
};

/** `rails runner 'Project.destroy_all'`: Ruby code run in the application. */
const rails: Handler = async (call) => {
  const sub = call.args[0]?.value;
  if (sub === 'runner' || sub === 'r') return judgeCode(call, 'ruby', call.args[1], 'runner code');
  if (sub === 'console' || sub === 'c' || sub === 'dbconsole') return codeFromStdin(call, 'ruby');
  lexicon(call, { depth: 1, reach: 'local' });
};

export const INTERPRETER_HANDLERS: Record<string, Handler> = {
  python: interpreter(PYTHON),
  python3: interpreter(PYTHON),
  python2: interpreter(PYTHON),
  pypy: interpreter(PYTHON),
  pypy3: interpreter(PYTHON),
  node: interpreter(NODE),
  nodejs: interpreter(NODE),
  deno: interpreter({ language: 'javascript', inline: [], evalVerbs: ['eval'], runVerbs: ['run', 'task'] }),
  bun: interpreter({ language: 'javascript', inline: ['-e', '--eval', '-p', '--print'], runVerbs: ['run'], carryVerbs: ['x'] }),
  ruby: interpreter({ language: 'ruby', inline: ['-e'], values: ['-r', '-I', '-E'] }),
  perl: interpreter({ language: 'perl', inline: ['-e', '-E'], values: ['-M', '-I', '-m'] }),
  php: interpreter({ language: 'php', inline: ['-r'], values: ['-d', '-c'] }),
  lua: interpreter({ language: 'lua', inline: ['-e'], values: ['-l'] }),
  luajit: interpreter({ language: 'lua', inline: ['-e'], values: ['-l'] }),
  osascript: interpreter({ language: undefined, inline: ['-e'] }),
  rails,
  'gitlab-rails': rails,
};
