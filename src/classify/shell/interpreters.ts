import { splitWords } from '../vocabulary/index.js';

/**
 * Inline code of other languages (`python3 -c`, `node -e`, `ruby -e`, `perl -e`, `php -r`,
 * `deno eval`, `bun -e`, `lua -e`), read for what its standard library calls do: delete files,
 * write over them, or run other programs. This is not a parser of those languages; it finds the
 * calls that act and the literal arguments they get. What it cannot pin down (a path in a
 * variable, a command built at run time, `eval` of computed text) is reported as such, so that
 * the shell classifier holds it.
 */

export type Language = 'python' | 'javascript' | 'ruby' | 'perl' | 'php' | 'lua';

/** An argument of a call: its text when it is a literal, undefined when computed. */
export type Literal = string | undefined;

export interface ForeignCode {
  /** Paths a call deletes (`shutil.rmtree('/x')`); undefined when the path is computed. */
  readonly deletes: readonly { readonly call: string; readonly path: Literal }[];
  /** Paths a call writes over (`open('/x', 'w')`, `fs.writeFileSync`). */
  readonly writes: readonly { readonly call: string; readonly path: Literal }[];
  /** Shell command lines a call runs (`os.system('rm -rf /')`); undefined when computed. */
  readonly commands: readonly { readonly call: string; readonly line: Literal }[];
  /** Calls named for destroying something (`client.deleteIndex('prod')`, `Project.destroy_all`). */
  readonly destroyingCalls: readonly string[];
  /** Code evaluated from text (`eval(x)`, `exec(open(f).read())`). */
  readonly evaluates: readonly string[];
  /** Literal paths outside any call Airlock reads, to judge code it cannot otherwise judge. */
  readonly paths: readonly string[];
}

interface Patterns {
  readonly deletes: RegExp;
  readonly writes: RegExp;
  /** Calls whose first argument is a shell command line (a string) or an argv (a list). */
  readonly commands: RegExp;
  readonly evaluates: RegExp;
  /** Commands written inline: Ruby and Perl backticks, `%x(…)`, `qx(…)`. */
  readonly inlineCommands?: RegExp;
}

const PATTERNS: Record<Language, Patterns> = {
  python: {
    deletes: /(?<![A-Za-z0-9_$])(shutil\.rmtree|rmtree|os\.remove|os\.unlink|os\.rmdir|os\.removedirs|os\.truncate|send2trash|\.unlink|\.rmdir|\.rmtree)\s*\(/g,
    writes:
      /(?<![A-Za-z0-9_$])(open|io\.open|codecs\.open|\.write_text|\.write_bytes|shutil\.copy(?:file|2|tree)?|shutil\.move|os\.rename|os\.replace|\.rename|\.replace)\s*\(/g,
    commands:
      /(?<![A-Za-z0-9_$])(os\.system|os\.popen|subprocess\.(?:run|call|check_call|check_output|Popen|getoutput|getstatusoutput)|os\.exec[lv]p?e?|os\.spawn[lv]p?e?|pty\.spawn|commands\.getoutput)\s*\(/g,
    evaluates: /(?<![A-Za-z0-9_$])(exec|eval|compile|__import__|runpy\.run_path|importlib\.import_module)\s*\(/g,
  },
  javascript: {
    deletes:
      /(?<![A-Za-z0-9_$])(rmSync|rmdirSync|unlinkSync|rimraf(?:\.sync)?|rimrafSync|fs\.rm|fs\.rmdir|fs\.unlink|fsp\.rm|fsp\.unlink|promises\.rm|promises\.unlink|promises\.rmdir|Deno\.remove(?:Sync)?|emptyDirSync|removeSync|fse?\.remove|fse?\.emptyDir|truncateSync|fs\.truncate)\s*\(/g,
    writes:
      /(?<![A-Za-z0-9_$])(writeFileSync|writeFile|createWriteStream|copyFileSync|copyFile|cpSync|renameSync|rename|Deno\.writeTextFile(?:Sync)?|Deno\.writeFile(?:Sync)?|Deno\.rename(?:Sync)?|Bun\.write|outputFileSync)\s*\(/g,
    commands: /(?<![A-Za-z0-9_$])(execSync|exec|execFile|execFileSync|spawn|spawnSync|fork|Deno\.run|new\s+Deno\.Command|Bun\.spawn(?:Sync)?)\s*\(/g,
    evaluates: /(?<![A-Za-z0-9_$])(eval|Function|vm\.runIn\w+|require|import)\s*\(/g,
    inlineCommands: /(?:\$|Bun\.\$)`([^`]*)`/g,
  },
  ruby: {
    deletes:
      /(?<![A-Za-z0-9_$])(FileUtils\.(?:rm_rf|rm_r|rm_f|rm|remove_dir|remove_entry(?:_secure)?|remove_file|rmdir|rmtree|remove)|File\.(?:delete|unlink)|Dir\.(?:rmdir|delete|unlink)|\.rmtree|Pathname\.new\([^)]*\)\.(?:delete|unlink|rmtree)|File\.truncate)\s*\(?/g,
    writes: /(?<![A-Za-z0-9_$])(File\.write|IO\.write|File\.open|FileUtils\.(?:cp|cp_r|mv|ln_s|ln_sf|install|copy)|File\.rename)\s*\(?/g,
    commands:
      /(?<![A-Za-z0-9_$])(system|exec|spawn|IO\.popen|Open3\.(?:capture2e?|capture3|popen2e?|popen3|pipeline\w*)|Process\.spawn|Kernel\.system|Kernel\.exec)\s*\(?/g,
    evaluates: /(?<![A-Za-z0-9_$])(eval|instance_eval|class_eval|module_eval|send|public_send|load|require)\s*\(?/g,
    inlineCommands: /`([^`]*)`|%x\(([^)]*)\)|%x\{([^}]*)\}|%x\[([^\]]*)\]/g,
  },
  perl: {
    deletes: /(?<![A-Za-z0-9_$])(unlink|rmdir|rmtree|remove_tree|File::Path::rmtree|File::Path::remove_tree|truncate)\b\s*\(?/g,
    writes: /(?<![A-Za-z0-9_$])(open|sysopen|rename|copy|move|File::Copy::copy|File::Copy::move)\b\s*\(?/g,
    commands: /(?<![A-Za-z0-9_$])(system|exec)\b\s*\(?/g,
    evaluates: /(?<![A-Za-z0-9_$])(eval|do|require)\b\s*\(?/g,
    inlineCommands: /`([^`]*)`|\bqx\s*\(([^)]*)\)|\bqx\s*\{([^}]*)\}|\bqx\s*\/([^/]*)\/|\bqx\s*\[([^\]]*)\]/g,
  },
  php: {
    deletes: /(?<![A-Za-z0-9_$])(unlink|rmdir|ftruncate)\s*\(/g,
    writes: /(?<![A-Za-z0-9_$])(file_put_contents|fopen|copy|rename|move_uploaded_file)\s*\(/g,
    commands: /(?<![A-Za-z0-9_$])(system|exec|shell_exec|passthru|popen|proc_open|pcntl_exec)\s*\(/g,
    evaluates: /(?<![A-Za-z0-9_$])(eval|assert|create_function|include|require|include_once|require_once)\s*\(/g,
    inlineCommands: /`([^`]*)`/g,
  },
  lua: {
    deletes: /(?<![A-Za-z0-9_$])(os\.remove)\s*\(/g,
    writes: /(?<![A-Za-z0-9_$])(io\.open|os\.rename)\s*\(/g,
    commands: /(?<![A-Za-z0-9_$])(os\.execute|io\.popen)\s*\(/g,
    evaluates: /(?<![A-Za-z0-9_$])(load|loadstring|dofile|loadfile|require)\s*\(/g,
  },
};

/** Reads the string literal (or list of literals) that starts at `at`, skipping spaces and a `(`. */
export function literalAt(code: string, at: number): { value: Literal; list?: readonly string[] } {
  let i = at;
  while (i < code.length && /[\s(]/.test(code[i]!)) i++;
  // Python's pathlib wrappers and `r'…'`/`b'…'`/`f'…'` prefixes.
  const wrapper = /^(?:pathlib\.)?(?:Path|PurePath|File\.expand_path)\(\s*/.exec(code.slice(i));
  if (wrapper) i += wrapper[0].length;
  if (code[i] === '[' || (code[i] === '%' && code[i + 1] === 'w')) {
    const end = code.indexOf(code[i] === '[' ? ']' : code[i + 2] === '(' ? ')' : ']', i);
    if (end < 0) return { value: undefined };
    const inner = code.slice(code[i] === '[' ? i + 1 : i + 3, end);
    if (code[i] === '%') return { value: undefined, list: inner.trim().split(/\s+/) };
    const items: string[] = [];
    let j = 0;
    while (j < inner.length) {
      while (j < inner.length && /[\s,]/.test(inner[j]!)) j++;
      if (j >= inner.length) break;
      const item = stringAt(inner, j);
      if (!item) return { value: undefined };
      items.push(item.text);
      j = item.end;
    }
    return { value: undefined, list: items };
  }
  const string = stringAt(code, i);
  if (!string) return { value: undefined };
  // `'/a' + x`: the path only starts with the literal.
  if (/^\s*(\+|\.|%|\bformat\b|\[)/.test(code.slice(string.end))) return { value: undefined };
  return { value: string.text };
}

function stringAt(code: string, at: number): { text: string; end: number } | undefined {
  let i = at;
  if (/[rbuRBU]/.test(code[i] ?? '') && /['"]/.test(code[i + 1] ?? '')) i++;
  if (code[i] === 'f' && /['"]/.test(code[i + 1] ?? '')) return undefined;
  const quote = code[i];
  if (quote !== "'" && quote !== '"' && quote !== '`') return undefined;
  let text = '';
  for (let j = i + 1; j < code.length; j++) {
    const c = code[j]!;
    if (c === '\\' && j + 1 < code.length) {
      const next = code[++j]!;
      text += next === 'n' ? '\n' : next === 't' ? '\t' : next;
      continue;
    }
    if (c === quote) {
      // Interpolation makes a literal computed: `${x}`, `#{x}`, "$x" in Perl and PHP.
      if (quote === '`' && text.includes('${')) return undefined;
      if (quote === '"' && /#\{|\$[A-Za-z_{]/.test(text)) return undefined;
      return { text, end: j + 1 };
    }
    text += c;
  }
  return undefined;
}

/** The mode argument of `open(path, mode)`: a write when it truncates or creates. */
function opensForWrite(code: string, from: number, language: Language): boolean {
  // Bounded input: the mode follows the path closely, and these patterns are quadratic in the worst case.
  const rest = code.slice(from, from + 200);
  if (language === 'perl') return /^\s*(?:\(\s*)?[\w$]+\s*,\s*['"]\s*\+?>/.test(rest);
  return /^[^)]*?,\s*(mode\s*=\s*)?['"][^'"]*[wax+][^'"]*['"]/.test(rest) || /^[^)]*?,\s*\{[^}]*flags?\s*:\s*['"][wa]/.test(rest);
}

/** Method names that say they destroy (`deleteIndex`, `dropDatabase`, `destroy_all`): two words or more, the first a destructive verb. */
const DESTROYING_FIRST = new Set(['delete', 'drop', 'destroy', 'remove', 'purge', 'truncate', 'wipe', 'clear', 'erase', 'nuke', 'flush']);

function destroyingCalls(code: string): string[] {
  const found: string[] = [];
  for (const match of code.matchAll(/\.?\b([A-Za-z_][A-Za-z0-9_]*)\s*\(/g)) {
    const words = splitWords(match[1]!);
    if (
      words.length >= 2 &&
      DESTROYING_FIRST.has(words[0]!) &&
      !/^(remove|clear|delete)(Listener|EventListener|Timeout|Interval|Item|Attribute|Child|Class|Prefix|Suffix)s?$/.test(match[1]!)
    )
      found.push(match[1]!);
  }
  for (const match of code.matchAll(/\b(destroy_all|delete_all|destroy!|drop_table|truncate_all|flushall|flushdb)\b/g)) found.push(match[1]!);
  return found;
}

/**
 * The quoted literals an argument list starts with, `('rm', "-rf", '/')` → rm, -rf, / (as
 * written, escapes kept), up to the first argument that is not one. A scanner rather than a
 * pattern: every way of matching nested quoted runs with a regular expression backtracks
 * exponentially on a long run of backslashes.
 */
function literalArguments(text: string): string[] {
  const items: string[] = [];
  let i = skipBlanks(text, 0);
  if (text[i] === '(') i = skipBlanks(text, i + 1);
  while (text[i] === "'" || text[i] === '"') {
    const quote = text[i]!;
    let j = i + 1;
    while (j < text.length && text[j] !== quote) j += text[j] === '\\' ? 2 : 1;
    if (j >= text.length) break;
    items.push(text.slice(i + 1, j));
    i = skipBlanks(text, j + 1);
    if (text[i] !== ',') break;
    i = skipBlanks(text, i + 1);
  }
  return items;
}

function skipBlanks(text: string, from: number): number {
  let i = from;
  while (i < text.length && /\s/.test(text[i]!)) i++;
  return i;
}

/** Where the path a Perl/PHP/Ruby call without parentheses (`unlink '/x'`) starts. */
export function readForeignCode(language: Language, code: string): ForeignCode {
  const patterns = PATTERNS[language];
  const deletes: { call: string; path: Literal }[] = [];
  const writes: { call: string; path: Literal }[] = [];
  const commands: { call: string; line: Literal }[] = [];
  const evaluates: string[] = [];
  for (const match of code.matchAll(patterns.deletes)) {
    const end = match.index + match[0].length;
    const pathBefore = /(?:Path|Pathname\.new)\(\s*(['"])([^'"]*)\1\s*\)\s*\.\s*\w+\s*\(?$/.exec(code.slice(Math.max(0, match.index - 200), end));
    deletes.push({ call: match[1]!, path: pathBefore ? pathBefore[2] : literalAt(code, end).value });
  }
  for (const match of code.matchAll(patterns.writes)) {
    const name = match[1]!;
    const end = match.index + match[0].length;
    if (/^(open|io\.open|codecs\.open|File\.open|fopen|io\.open|sysopen)$/.test(name) && !opensForWrite(code, end, language)) continue;
    if (language === 'perl' && name === 'open') {
      const target = /^\s*(?:\(\s*)?[\w$]+\s*,\s*['"]\s*\+?>>?(?:\s*['"]\s*,\s*['"])?([^'"]*)['"]/.exec(code.slice(end));
      writes.push({ call: name, path: target?.[1]?.trim() || undefined });
      continue;
    }
    // `.replace(` is also a string method; only a path-looking literal before it makes it a file.
    if (name === '.replace' || name === '.rename') {
      const before = /(?:Path)\(\s*(['"])([^'"]*)\1\s*\)\s*\.\s*\w+\s*\($/.exec(code.slice(Math.max(0, match.index - 200), end));
      if (!before) continue;
      writes.push({ call: name, path: literalAt(code, end).value });
      deletes.push({ call: name, path: before[2] });
      continue;
    }
    // copy(src, dst), rename(src, dst): the destination is written over; the source of a move goes away.
    if (/copy|cp|rename|move|mv|replace|ln|install/i.test(name)) {
      const first = literalAt(code, end);
      const comma = code.indexOf(',', end);
      const second = comma >= 0 ? literalAt(code, comma + 1) : { value: undefined };
      writes.push({ call: name, path: second.value });
      if (/rename|move|mv|replace/i.test(name)) deletes.push({ call: name, path: first.value });
      continue;
    }
    const before = /(?:Path)\(\s*(['"])([^'"]*)\1\s*\)\s*\.\s*\w+\s*\($/.exec(code.slice(Math.max(0, match.index - 200), end));
    writes.push({ call: name, path: before ? before[2] : literalAt(code, end).value });
  }
  for (const match of code.matchAll(patterns.commands)) {
    const name = match[1]!.replace(/^new\s+/, '');
    // Ruby's and Perl's `exec`/`system` need an argument; JavaScript's `exec` is also RegExp's.
    if (
      language === 'javascript' &&
      name === 'exec' &&
      /\/[gimsuy]*\.\s*exec\s*\($|\b(re|regex|regexp|pattern)\w*\.exec\s*\($/i.test(code.slice(0, match.index + match[0].length))
    )
      continue;
    const argument = literalAt(code, match.index + match[0].length);
    const line = argument.list ? argument.list.map(shellQuote).join(' ') : argument.value;
    // `spawn('rm', ['-rf', '/'])`, `Deno.Command('rm', { args: […] })`: a program and its arguments.
    const after = code.slice(match.index + match[0].length);
    const args = /^\s*(['"])([^'"]*)\1\s*,\s*(?:\{\s*args\s*:\s*)?\[([^\]]*)\]/.exec(after);
    if (args && !argument.list) {
      const items = [...args[3]!.matchAll(/(['"])((?:\\.|(?!\1)[^\\])*)\1/g)].map((m) => m[2]!);
      commands.push({ call: name, line: [args[2]!, ...items].map(shellQuote).join(' ') });
      continue;
    }
    // Perl and Ruby `system('rm', '-rf', '/')`: the words as separate literals.
    if (language === 'perl' || language === 'ruby' || language === 'python') {
      const items = literalArguments(after);
      if (items.length > 1) {
        commands.push({ call: name, line: items.map(shellQuote).join(' ') });
        continue;
      }
    }
    commands.push({ call: name, line });
  }
  if (patterns.inlineCommands) {
    for (const match of code.matchAll(patterns.inlineCommands)) {
      const text = match.slice(1).find((g) => g !== undefined);
      const dynamic = text === undefined || /\$\{|#\{|\$[A-Za-z_]/.test(text);
      commands.push({ call: match[0].startsWith('`') ? 'backticks' : match[0].slice(0, 2), line: dynamic ? undefined : text });
    }
  }
  for (const match of code.matchAll(patterns.evaluates)) {
    const name = match[1]!;
    const argument = literalAt(code, match.index + match[0].length);
    // `require('fs')`, `import('os')`, `require 'fileutils'`: loading a named module is not evaluating text.
    if (/^(require|import|load|__import__|importlib\.import_module|include|require_once|include_once|do)$/.test(name) && argument.value !== undefined) continue;
    if (language === 'perl' && name === 'do' && /^\s*\{/.test(code.slice(match.index + match[0].length))) continue;
    if (language === 'perl' && name === 'eval' && /^\s*\{/.test(code.slice(match.index + match[0].length))) continue;
    if (language === 'ruby' && /^(send|public_send)$/.test(name) && argument.value !== undefined) continue;
    evaluates.push(name);
  }
  const paths = [...code.matchAll(/(['"`])((?:~|\/)[^'"`\s]*)\1/g)].map((m) => m[2]!);
  return { deletes, writes, commands, destroyingCalls: destroyingCalls(code), evaluates, paths };
}

function shellQuote(word: string): string {
  return /^[A-Za-z0-9_./=:@%+,-]+$/.test(word) ? word : `'${word.replace(/'/g, `'\\''`)}'`;
}
