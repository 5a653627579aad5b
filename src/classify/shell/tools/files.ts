import type { OperationClass } from '../../../core/operation.js';
import { isInside, resolvePath } from '../context.js';
import type { Word } from '../words.js';
import { overwriteClass } from '../redirections.js';
import { has, parseArgs, unknownWhy, type Call, type Handler } from './call.js';

/**
 * File commands. Inside the workspace they are the agent's ordinary work (a write); outside it
 * (`/`, `~`, another project, a path only known at run time) they can destroy what the agent
 * was never asked to touch.
 */

export type Place =
  | { readonly kind: 'inside'; readonly path: string }
  | { readonly kind: 'workspace-root'; readonly path: string }
  | { readonly kind: 'outside'; readonly path: string };

/** Where a path argument lands; a path Airlock cannot resolve counts as outside. */
export function placeOf(given: Word, call: Call): Place {
  const word = withKnownVariable(given, call);
  const { env } = call.invocation;
  const { home, workspace: rawWorkspace } = call.context;
  const workspace = normalise(rawWorkspace);
  const shown = word.value ?? `${word.prefix}…`;
  if (env.remote) return { kind: 'outside', path: shown };
  if (word.value !== undefined && !word.glob) {
    const resolved = resolvePath(word.value, env.cwd, home, word.tilde);
    if (resolved === undefined) return { kind: 'outside', path: shown };
    if (resolved === workspace) return { kind: 'workspace-root', path: resolved };
    return isInside(resolved, workspace) || isScratch(resolved) ? { kind: 'inside', path: resolved } : { kind: 'outside', path: resolved };
  }
  if (inTmpdir(word, call)) return { kind: 'inside', path: shown };
  // A pattern or an expansion: only the fixed text before it is known. The names it can
  // become all live in the directory that fixed text ends in.
  const text = word.value ?? word.prefix;
  const pattern = word.glob ? text.search(/[*?[]/) : -1;
  const fixed = pattern >= 0 ? text.slice(0, pattern) : text;
  if (word.value === undefined && fixed === '') return { kind: 'outside', path: shown };
  const found =
    fixed === '' ? env.cwd : fixed.endsWith('/') ? resolvePath(fixed, env.cwd, home, word.tilde) : resolvePath(`${fixed}/..`, env.cwd, home, word.tilde);
  if (found === undefined) return { kind: 'outside', path: shown };
  const container = normalise(found);
  // `.*` also matches `..`.
  if (/(^|\/)\.$/.test(fixed) || /(^|\/)\.\.?$/.test(fixed)) return { kind: 'outside', path: shown };
  // `*` at the workspace's root is every file of the project.
  if (word.glob && container === workspace && /^(\.\/)?\*$/.test(text)) return { kind: 'workspace-root', path: shown };
  return isInside(container, workspace) || isScratch(container) || SCRATCH.includes(container)
    ? { kind: 'inside', path: shown }
    : { kind: 'outside', path: shown };
}

/**
 * `"$tmp"`: a variable the line set to a known path is that path; one it never set, named for a
 * temporary file (`$tmp`, `$tmpfile`, `$TEMP_FILE`), is taken as one when a single file (not a
 * tree) is removed — the `trap 'rm -f "$tmp"' EXIT` idiom.
 */
function placeOfVariable(word: Word, call: Call, recursive: boolean): Place | undefined {
  const name = /^"?\$\{?([A-Za-z_][A-Za-z0-9_]*)\}?"?$/.exec(word.raw)?.[1];
  if (name === undefined) return undefined;
  const assigned = call.out.assignments.filter((a) => a.name === name).at(-1);
  if (assigned) return placeOf({ raw: assigned.value, value: assigned.value, prefix: assigned.value, glob: false, tilde: false }, call);
  if (!recursive && /^(te?mp)|(te?mp)(_?(file|name|path))?$/i.test(name)) return { kind: 'inside', path: `$${name}` };
  return undefined;
}

/** Folders for scratch files: what lies under them is nobody's data (the folders themselves are). */
const SCRATCH = ['/tmp', '/var/tmp', '/private/tmp', '/dev/shm'];

export function isScratch(path: string): boolean {
  return SCRATCH.some((root) => path.startsWith(`${root}/`) && path.length > root.length + 1);
}

/**
 * `"$dir/x"` where the line set `dir` to a known text (`dir=/var/lib; rm -rf "$dir/x"`,
 * `TMPDIR=/Users rm -rf $TMPDIR/x`): the word with that text in place.
 */
function withKnownVariable(word: Word, call: Call): Word {
  if (word.value !== undefined) return word;
  const match = /^"?\$(?:\{([A-Za-z_][A-Za-z0-9_]*)\}|([A-Za-z_][A-Za-z0-9_]*)(?![A-Za-z0-9_]))([^$`"'\\*?[]*)"?$/.exec(word.raw);
  if (!match) return word;
  const name = match[1] ?? match[2]!;
  const assigned = assignedValue(name, call);
  if (assigned === undefined) return word;
  const value = assigned + match[3]!;
  return { raw: value, value, prefix: value, glob: false, tilde: false };
}

function assignedValue(name: string, call: Call): string | undefined {
  const own = call.invocation.assignments.filter((a) => a.name === name).at(-1);
  if (own) return own.value.value;
  return call.out.assignments.filter((a) => a.name === name).at(-1)?.value;
}

/** `$TMPDIR/x`, `"${TMPDIR:-/tmp}/x"`: under the temporary folder, unless the line set TMPDIR. */
function inTmpdir(word: Word, call: Call): boolean {
  if (call.invocation.assignments.some((a) => a.name === 'TMPDIR') || call.out.assignments.some((a) => a.name === 'TMPDIR')) return false;
  return word.prefix === '' && /^the expansion \$\{?TMPDIR\b/.test(word.dynamic ?? '') && namesBelow(word.raw, 'TMPDIR') && !word.raw.includes('..');
}

/** After `name`, the first `/` is followed by a name (`$TMPDIR/x`, not `$TMPDIR/` or `$TMPDIR/.`). */
function namesBelow(raw: string, name: string): boolean {
  const at = raw.indexOf(name);
  const slash = at < 0 ? -1 : raw.indexOf('/', at + name.length);
  return slash >= 0 && slash + 1 < raw.length && raw[slash + 1] !== '.';
}

function normalise(path: string): string {
  return path.length > 1 && path.endsWith('/') ? path.slice(0, -1) : path;
}

/** `rm [options] path…` */
const rm: Handler = (call) => {
  const parsed = parseArgs(call.args);
  const recursive = has(parsed, '-r', '-R', '--recursive');
  const force = has(parsed, '-f', '--force');
  const action = `shell:rm${recursive && force ? ' -rf' : recursive ? ' -r' : force ? ' -f' : ''}`;
  const places = parsed.positionals.map((w) => placeOfVariable(w, call, recursive) ?? placeOf(w, call));
  if (places.length === 0) {
    call.part({ action, class: 'read', why: 'no path given' });
    return;
  }
  const outside = places.filter((p) => p.kind !== 'inside');
  if (outside.length > 0) {
    call.part({
      action,
      class: 'destructive',
      resources: places.map((p) => p.path),
      why: outside.some((p) => p.kind === 'workspace-root')
        ? 'deletes the whole workspace'
        : `deletes outside the workspace (${outside.map((p) => p.path).join(', ')})`,
    });
    return;
  }
  call.part({ action, class: 'write', resources: places.map((p) => p.path), why: 'deletes inside the workspace or a temporary folder' });
};

/** Commands that destroy the paths they are given when those lie outside the workspace. */
function destroysPaths(verb: string, valueOptions: string[] = []): Handler {
  return (call) => {
    const parsed = parseArgs(call.args, new Set(valueOptions));
    const places = parsed.positionals.map((w) => placeOf(w, call));
    const outside = places.filter((p) => p.kind !== 'inside');
    call.part({
      action: `shell:${call.tool}`,
      class: outside.length > 0 ? 'destructive' : 'write',
      resources: places.map((p) => p.path),
      why:
        outside.length > 0 ? `${verb} outside the workspace (${outside.map((p) => p.path).join(', ')})` : `${verb} inside the workspace or a temporary folder`,
    });
  };
}

/** Always destroys data: filesystems, partition tables, raw devices. */
const wipesDisk: Handler = (call) => {
  const targets = call.args.filter((a) => a.value === undefined || !a.value.startsWith('-')).map((a) => a.value ?? a.raw);
  call.part({ action: `shell:${call.tool}`, class: 'destructive', resources: targets, why: `${call.tool} destroys what is on a disk or filesystem` });
};

/** `dd if=… of=…` */
const dd: Handler = (call) => {
  const of = call.args.find((a) => a.value?.startsWith('of=') || a.value === undefined);
  if (!of) {
    call.part({ action: 'shell:dd', class: 'read' });
    return;
  }
  if (of.value === undefined) {
    call.unknown('shell:dd', unknownWhy('dd writes to a place only known when it runs'));
    return;
  }
  const target = of.value.slice(3);
  const place = placeOf({ ...of, value: target, raw: target, prefix: target }, call);
  const device = target.startsWith('/dev/') && !/^\/dev\/(null|zero|stdout|stderr)$/.test(target);
  call.part({
    action: 'shell:dd',
    class: device || place.kind !== 'inside' ? 'destructive' : 'write',
    resources: [target],
    why: device
      ? `overwrites the device ${target}`
      : place.kind !== 'inside'
        ? `overwrites ${target}, outside the workspace`
        : 'writes a file in the workspace',
  });
};

/** `mv src… dest`: moving something out of its place outside the workspace removes it there. */
const mv: Handler = (call) => {
  const parsed = parseArgs(call.args, new Set(['-t', '--target-directory', '-S', '--suffix']));
  const paths = parsed.positionals;
  const target = parsed.options.get('-t')?.[0] ?? parsed.options.get('--target-directory')?.[0];
  const sources = target !== undefined ? paths : paths.slice(0, -1);
  const dest = target !== undefined ? undefined : paths[paths.length - 1];
  const outside = sources.map((w) => placeOf(w, call)).filter((p) => p.kind !== 'inside');
  const intoVoid = dest?.value === '/dev/null';
  if (!intoVoid && outside.length === 0 && dest && placeOf(dest, call).kind === 'outside') {
    overwrite(call, dest, 'shell:mv');
    return;
  }
  call.part({
    action: 'shell:mv',
    class: outside.length > 0 || intoVoid ? 'destructive' : 'write',
    resources: paths.map((w) => w.value ?? w.raw),
    why: intoVoid
      ? 'moves files to /dev/null'
      : outside.length > 0
        ? `moves away ${outside.map((p) => p.path).join(', ')}, outside the workspace`
        : 'moves files',
  });
};

/** chmod/chown/chgrp: inside the workspace a write; elsewhere it changes who may do what. */
function permissions(valueOptions: string[] = ['--reference']): Handler {
  return (call) => {
    const parsed = parseArgs(call.args, new Set(valueOptions), false);
    const [, ...paths] = parsed.positionals;
    const places = paths.map((w) => placeOf(w, call));
    const outside = places.filter((p) => p.kind !== 'inside');
    const cls: OperationClass = outside.length > 0 ? 'privilege' : 'write';
    call.part({
      action: `shell:${call.tool}`,
      class: cls,
      resources: places.map((p) => p.path),
      why:
        outside.length > 0
          ? `changes permissions outside the workspace (${outside.map((p) => p.path).join(', ')})`
          : 'changes permissions inside the workspace',
    });
  };
}

/** `find paths… [expression]`: `-delete` and `-exec` make it act. */
const find: Handler = async (call) => {
  const args = call.args;
  let i = 0;
  const paths: Word[] = [];
  while (i < args.length && args[i]!.value !== undefined && !/^[-(!]/.test(args[i]!.value!)) paths.push(args[i++]!);
  const roots = paths.length > 0 ? paths : [{ raw: '.', value: '.', prefix: '.', glob: false, tilde: false }];
  const places = roots.map((w) => placeOf(w, call));
  const outside = places.filter((p) => p.kind !== 'inside' && p.kind !== 'workspace-root');
  const expression = args.slice(i);
  if (expression.some((w) => w.value === '-delete')) {
    call.part({
      action: 'shell:find -delete',
      class: outside.length > 0 ? 'destructive' : 'write',
      resources: places.map((p) => p.path),
      why:
        outside.length > 0
          ? `deletes files outside the workspace (${outside.map((p) => p.path).join(', ')})`
          : 'deletes files inside the workspace or a temporary folder',
    });
  }
  for (let j = 0; j < expression.length; j++) {
    const v = expression[j]!.value;
    if (v !== '-exec' && v !== '-execdir' && v !== '-ok' && v !== '-okdir') continue;
    const end = expression.findIndex((w, k) => k > j && (w.value === ';' || w.value === '+'));
    // `{}` stands for each file found: somewhere under the (first outside, else first) root.
    const root = roots[places.findIndex((p) => p.kind !== 'inside')] ?? roots[0]!;
    const base = root.value ?? root.prefix;
    const each: Word = {
      raw: '{}',
      value: undefined,
      prefix: base.endsWith('/') ? base : `${base}/`,
      glob: false,
      tilde: root.tilde,
      dynamic: 'a file found by find',
    };
    const found = expression.slice(j + 1, end < 0 ? undefined : end).map((w) => (w.value === '{}' ? each : w));
    await call.reenter(found);
    j = end < 0 ? expression.length : end;
  }
  if (!expression.some((w) => ['-delete', '-exec', '-execdir', '-ok', '-okdir'].includes(w.value ?? ''))) {
    call.part({ action: 'shell:find', class: 'read' });
  }
};

/** Records writing over `word`: a write in the workspace, destructive over a file elsewhere or a disk. */
export function overwrite(call: Call, word: Word, action: string, appending = false): void {
  const place = placeOf(word, call);
  const judged = overwriteClass(word.value ?? place.path, place.kind, appending);
  call.part({ action, class: judged.class === 'read' ? 'write' : judged.class, resources: [place.path], why: judged.why });
}

/** `tee [-a] file…` writes files. */
const tee: Handler = (call) => {
  const parsed = parseArgs(call.args);
  if (parsed.positionals.length === 0) call.part({ action: 'shell:tee', class: 'read' });
  const stdin = call.invocation.stdin;
  for (const word of parsed.positionals) {
    overwrite(call, word, 'shell:tee', has(parsed, '-a', '--append'));
    // Kept for a script run later on the line (`echo 'rm -rf /' | tee x.sh; sh x.sh`).
    const path = word.value !== undefined ? resolvePath(word.value, call.invocation.env.cwd, call.context.home, word.tilde) : undefined;
    if (path !== undefined) call.out.files.set(path, stdin.kind === 'static' && !has(parsed, '-a', '--append') ? stdin.text : undefined);
  }
};

/**
 * `cp src… dest`, `ln [-f] target link`, `install src… dest`: the destination is written over
 * (`ln` without `-f` refuses to replace a file, so it only adds one).
 */
function copies(valueOptions: string[], replaces: (flags: ReturnType<typeof parseArgs>) => boolean): Handler {
  return (call) => {
    const parsed = parseArgs(call.args, new Set(valueOptions));
    const target = parsed.options.get('-t')?.[0] ?? parsed.options.get('--target-directory')?.[0];
    const paths = parsed.positionals;
    const dest = target !== undefined ? { ...paths[0]!, raw: target, value: target, prefix: target } : paths[paths.length - 1];
    if (!dest || (target === undefined && paths.length < 2 && call.tool !== 'ln') || (call.tool === 'install' && has(parsed, '-d', '--directory'))) {
      call.part({ action: `shell:${call.tool}`, class: 'write', resources: paths.map((w) => w.value ?? w.raw) });
      return;
    }
    if (!replaces(parsed) && placeOf(dest, call).kind !== 'inside') {
      call.part({ action: `shell:${call.tool}`, class: 'write', resources: [dest.value ?? dest.raw], why: 'adds a file, never replacing one' });
      return;
    }
    overwrite(call, dest, `shell:${call.tool}`);
  };
}

/** `tar -cf FILE`, `tar -xf archive -C DIR`: writing an archive over a disk, or unpacking over a system. */
const tar: Handler = (call) => {
  const parsed = parseArgs(call.args, new Set(['-f', '--file', '-C', '--directory', '-T', '--files-from', '-X', '--exclude-from', '-b', '-H', '--format']));
  const creating = has(parsed, '-c', '--create', '-r', '--append', '-u', '--update') || /^[a-z]*c/.test(call.args[0]?.value ?? '');
  const extracting = has(parsed, '-x', '--extract', '--get') || /^[a-z]*x/.test(call.args[0]?.value ?? '');
  // Old style: `tar cf FILE …` — the letters come first, without a dash, and f takes the next word.
  const oldStyle = /^[a-eg-z]*f[a-z]*$/.test(call.args[0]?.value ?? '') && !call.args[0]!.value!.startsWith('-');
  const file = parsed.options.get('-f')?.[0] ?? parsed.options.get('--file')?.[0] ?? (oldStyle ? call.args[1]?.value : undefined);
  if (creating && file !== undefined && file !== '-') {
    overwrite(call, { raw: file, value: file, prefix: file, glob: false, tilde: file.startsWith('~') }, 'shell:tar');
    return;
  }
  const dir = parsed.options.get('-C')?.[0] ?? parsed.options.get('--directory')?.[0];
  if (extracting && dir !== undefined) {
    const place = placeOf({ raw: dir, value: dir, prefix: dir, glob: false, tilde: dir.startsWith('~') }, call);
    if (place.kind !== 'inside') {
      call.part({ action: 'shell:tar -x', class: 'destructive', resources: [place.path], why: `unpacks over ${place.path}, outside the workspace` });
      return;
    }
  }
  call.part({ action: 'shell:tar', class: 'write', resources: file ? [file] : [] });
};

/** `sed -i` edits files in place; otherwise sed only prints. */
const sed: Handler = (call) => {
  const inPlace = call.args.some((a) => a.value !== undefined && (/^-[a-zA-Z]*i/.test(a.value) || a.value.startsWith('--in-place')));
  const script = call.args.find((a) => a.value !== undefined && !a.value.startsWith('-'));
  if (script?.value !== undefined && runsCommands(script.value)) {
    call.unknown('shell:sed', unknownWhy('the sed script runs commands (e)'));
    return;
  }
  if (!inPlace) {
    call.part({ action: 'shell:sed', class: 'read' });
    return;
  }
  const parsed = parseArgs(call.args, new Set(['-e', '--expression', '-f', '--file', '-l', '--line-length']));
  const scripted = has(parsed, '-e', '--expression', '-f', '--file');
  const files = scripted ? parsed.positionals : parsed.positionals.slice(1);
  if (files.length === 0) call.part({ action: 'shell:sed -i', class: 'write' });
  for (const file of files) overwrite(call, file, 'shell:sed -i');
};

/**
 * A sed script that runs commands: the `e` command, or the `e` flag of `s` (`s/x/date/e`).
 * Each `s` command is read with its own delimiter.
 */
export function runsCommands(script: string): boolean {
  if (/(^|[;\s}])e(\s|$)/.test(script)) return true;
  for (const match of script.matchAll(/s([^\w\s\\])/g)) {
    const delimiter = match[1]!;
    let at = match.index + 2;
    let seen = 0;
    while (at < script.length && seen < 2) {
      if (script[at] === '\\') at += 2;
      else if (script[at++] === delimiter) seen++;
    }
    if (seen === 2 && /^[gpiImM0-9w]*e/.test(script.slice(at))) return true;
  }
  return false;
}

/** `rimraf path…`, `del path…`, `trash path…`: rm -rf by another name. */
const rmrf: Handler = (call) => {
  const parsed = parseArgs(call.args);
  const places = parsed.positionals.map((w) => placeOf(w, call));
  const outside = places.filter((p) => p.kind !== 'inside');
  call.part({
    action: `shell:${call.tool}`,
    class: places.length === 0 ? 'read' : outside.length > 0 ? 'destructive' : 'write',
    resources: places.map((p) => p.path),
    why: outside.length > 0 ? `deletes outside the workspace (${outside.map((p) => p.path).join(', ')})` : 'deletes inside the workspace',
  });
};

const localWrite: Handler = (call) => {
  call.part({ action: `shell:${call.tool}`, class: 'write', resources: call.args.filter((a) => !a.value?.startsWith('-')).map((a) => a.value ?? a.raw) });
};

export const FILE_HANDLERS: Record<string, Handler> = {
  rm,
  rmdir: destroysPaths('removes directories'),
  unlink: destroysPaths('removes files'),
  shred: destroysPaths('shreds files', ['-n', '-s', '--iterations', '--size']),
  truncate: destroysPaths('truncates files', ['-s', '--size', '-r', '--reference']),
  srm: destroysPaths('removes files'),
  dd,
  mkfs: wipesDisk,
  'mkfs.ext4': wipesDisk,
  'mkfs.ext3': wipesDisk,
  'mkfs.xfs': wipesDisk,
  'mkfs.btrfs': wipesDisk,
  'mkfs.vfat': wipesDisk,
  mke2fs: wipesDisk,
  wipefs: wipesDisk,
  fdisk: wipesDisk,
  sfdisk: wipesDisk,
  parted: wipesDisk,
  blkdiscard: wipesDisk,
  mv,
  chmod: permissions(),
  chown: permissions(),
  chgrp: permissions(),
  setfacl: permissions(['-m', '-x', '-M', '-X']),
  find,
  tee,
  sed,
  gsed: sed,
  cp: copies(['-t', '--target-directory', '-S', '--suffix'], (p) => !has(p, '-n', '--no-clobber')),
  ln: copies(['-t', '--target-directory', '-S', '--suffix'], (p) => has(p, '-f', '--force')),
  touch: localWrite,
  mkdir: localWrite,
  install: copies(['-t', '--target-directory', '-m', '--mode', '-o', '--owner', '-g', '--group', '-S', '--suffix'], () => true),
  tar,
  rimraf: rmrf,
  trash: rmrf,
  'trash-put': rmrf,
  'del-cli': rmrf,
  unzip: localWrite,
  zip: localWrite,
  gzip: localWrite,
  gunzip: localWrite,
  patch: localWrite,
};
