import { type Call, type Handler, unknownWhy } from './call.js';

/**
 * Editors that take commands on their command line: `vim -c ':!rm -rf /'` runs a shell command
 * before the file is even shown. `:!cmd`, `:r !cmd`, `:w !cmd` and `:call system('cmd')` are
 * read as the shell commands they carry; other editor commands only edit.
 */

/** The shell command an Ex command runs, `null` when it runs none, undefined when it cannot be told. */
export function shellOfExCommand(command: string): string | null | undefined {
  const text = command.trim().replace(/^:+\s*/, '');
  const bang = /^[%.,$\d'<>\s]*(?:(?:r(?:ead)?|w(?:rite)?)\s*)?!(.*)$/s.exec(text);
  if (bang) return bang[1]!.replace(/^!/, '');
  if (
    /\b(system|systemlist|jobstart|termopen|execute|exe|luado|lua|py3?|python3?|perl|ruby|terminal|term|shell|sh|make|grep|cexpr)\b|libcall|\bsource\b|\bso\b/.test(
      text,
    )
  )
    return undefined;
  return null;
}

const vim: Handler = async (call) => {
  const commands: (string | undefined)[] = [];
  const args = call.args;
  for (let i = 0; i < args.length; i++) {
    const v = args[i]!.value;
    if (v === undefined) {
      if (args[i - 1]?.value === '-c' || args[i - 1]?.value === '--cmd') continue;
      continue;
    }
    if (v === '-c' || v === '--cmd') commands.push(args[++i]?.value);
    else if (v.startsWith('+') && v.length > 1) commands.push(v.slice(1));
    else if (v === '-S' || v === '-u' || v === '-s') {
      call.unknown(`shell:${call.tool} ${v}`, unknownWhy(`${call.tool} ${v} runs the commands of a file Airlock does not see`));
      return;
    }
  }
  for (const command of commands) {
    if (command === undefined) {
      call.unknown(`shell:${call.tool} -c`, unknownWhy(`a ${call.tool} command only known when it runs`));
      continue;
    }
    for (const piece of command.split('|')) {
      const shell = shellOfExCommand(piece);
      if (shell === undefined) call.unknown(`shell:${call.tool} -c`, unknownWhy(`the ${call.tool} command "${piece.trim()}" can run programs`));
      else if (shell !== null) await call.script(shell, `the shell command of ${call.tool} -c`);
      if (shell !== null) break;
    }
  }
  call.part({ action: `shell:${call.tool}`, class: 'write', why: 'edits files' });
};

/** `emacs --eval '(…)'` and `-f`: Lisp that can run anything. */
const emacs: Handler = (call: Call) => {
  const evaluates = call.args.some((a) => a.value === undefined || /^(--eval|-f|--funcall|-l|--load|--batch|--script|-x)/.test(a.value));
  if (evaluates) call.unknown(`shell:${call.tool}`, unknownWhy(`${call.tool} evaluates Lisp given on its command line`));
  else call.part({ action: `shell:${call.tool}`, class: 'write', why: 'edits files' });
};

export const EDITOR_HANDLERS: Record<string, Handler> = {
  vim,
  vi: vim,
  nvim: vim,
  gvim: vim,
  view: vim,
  ex: vim,
  vimdiff: vim,
  emacs,
  emacsclient: emacs,
};
