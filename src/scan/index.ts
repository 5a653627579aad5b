/**
 * `airlock scan`: the raw credentials lying in a workspace that would let an agent go around
 * Airlock — exact copies of the secrets Airlock holds, credentials of known formats, and values
 * under a credential's name (`RAILWAY_TOKEN=…`) — in files (`.env*` included), shell history and,
 * when asked, git history. Each credential is reported once, with every place it appears; it is
 * shown by its first four characters and its length at most, and a configured secret not even so.
 *
 * @example
 * const report = await scanWorkspace({ dir: '.', secrets: [{ label: 'upstream railway', value }] });
 * for (const f of report.findings) console.log(f.kind, f.places.map((p) => `${p.file}:${p.line}`));
 */
import { execFileSync } from 'node:child_process';
import { lstatSync, readdirSync, readFileSync, type Stats } from 'node:fs';
import { homedir } from 'node:os';
import { join, relative, sep } from 'node:path';
import type { KnownSecret } from '../classify/shell/context.js';
import { findCredentialFormats } from './formats.js';
import { findNamedCredentials, isPlaceholder } from './named.js';
import { withoutTrailing } from '../core/text.js';

export interface ScanOptions {
  readonly dir: string;
  readonly secrets: readonly KnownSecret[];
  /** Also read every added line of the repository's history (`git log -p --all`). */
  readonly gitHistory?: boolean;
  /** Skip what .gitignore ignores (through git itself). Off by default: ignored files are where credentials hide. */
  readonly respectGitignore?: boolean;
  /** Read the shell histories in this home directory (default: the user's); false to skip. */
  readonly home?: string | false;
  /** Files larger than this are skipped and counted (default 2 MiB). */
  readonly maxFileBytes?: number;
  /** Folders not to read, absolute: Airlock's own state (its TLS key, its sealed secrets). */
  readonly exclude?: readonly string[];
}

/** One place a credential appears. */
export interface ScanPlace {
  /** Relative to the scanned folder; `~/.bash_history` for a history; the path in the commit for git history. */
  readonly file: string;
  readonly line: number;
  readonly column: number;
  /** The line, trimmed, with every credential on it masked. */
  readonly preview: string;
  /** For git history: the commit that added the line. */
  readonly commit?: string;
}

/** One credential, found once however many times it appears. */
export interface ScanFinding {
  /** What was found: `the credential Airlock holds for upstream railway`, `GitHub token`, `credential named RAILWAY_TOKEN`. */
  readonly kind: string;
  /** `airlock/configured-secret`, `airlock/named-credential`, or the secretlint rule that matched. */
  readonly rule: string;
  /** Enough to recognise it, never enough to use it: `ghp_… (40 characters)`; nothing of a configured secret. */
  readonly shown: string;
  readonly places: readonly ScanPlace[];
}

export interface ScanReport {
  readonly dir: string;
  readonly findings: readonly ScanFinding[];
  readonly files: number;
  readonly skipped: readonly { readonly file: string; readonly why: string }[];
  readonly histories: readonly string[];
  readonly commits?: number;
}

/**
 * Folders never worth reading: dependencies and build output are not the workspace's own (a
 * build copies its sources' strings), and `.airlock` is Airlock's own state folder.
 */
const SKIP_DIRS = new Set(['.git', 'node_modules', '.hg', '.svn', 'dist', 'build', 'out', 'coverage', '.next', '.nuxt', '.turbo', '.cache', '.airlock']);
const SHELL_HISTORIES = [
  '.bash_history',
  '.zsh_history',
  '.history',
  '.sh_history',
  '.local/share/fish/fish_history',
  '.python_history',
  '.psql_history',
  '.mysql_history',
  '.node_repl_history',
  '.rediscli_history',
  '.sqlite_history',
  '.irb_history',
];
const MIN_SECRET_LENGTH = 8;

export async function scanWorkspace(options: ScanOptions): Promise<ScanReport> {
  const maxBytes = options.maxFileBytes ?? 2 * 1024 * 1024;
  const found = new Findings();
  const skipped: { file: string; why: string }[] = [];
  const excluded = (options.exclude ?? []).map((path) => withoutTrailing(path, '/\\'));
  const files = (options.respectGitignore ? (gitVisibleFiles(options.dir) ?? walk(options.dir, skipped)) : walk(options.dir, skipped)).filter(
    (file) => !excluded.some((folder) => file === folder || file.startsWith(folder + sep)),
  );
  let count = 0;
  for (const file of files) {
    const text = readText(file, maxBytes, skipped, relative(options.dir, file));
    if (text === undefined) continue;
    count++;
    found.add(await locate(text, relative(options.dir, file).split(sep).join('/'), options.secrets));
  }

  const histories: string[] = [];
  const home = options.home === false ? undefined : (options.home ?? homedir());
  if (home) {
    for (const name of SHELL_HISTORIES) {
      const path = join(home, name);
      const text = readText(path, maxBytes * 8, [], name);
      if (text === undefined) continue;
      histories.push(`~/${name}`);
      found.add(await locate(text, `~/${name}`, options.secrets));
    }
  }

  let commits: number | undefined;
  if (options.gitHistory) {
    const history = gitAddedLines(options.dir);
    commits = history.commits;
    for (const chunk of history.chunks) {
      const located = await locate(chunk.lines.map((l) => l.text).join('\n'), chunk.file, options.secrets);
      found.add(located.map((l) => ({ ...l, place: { ...l.place, line: chunk.lines[l.place.line - 1]?.number ?? l.place.line, commit: chunk.commit } })));
    }
  }
  return { dir: options.dir, findings: found.list(), files: count, skipped, histories, ...(commits !== undefined ? { commits } : {}) };
}

/** A credential at one place, with its text, which is used only to group places and never leaves this module. */
interface Located {
  readonly secret: string;
  readonly kind: string;
  readonly rule: string;
  readonly configured: boolean;
  readonly place: ScanPlace;
}

/** Places grouped by credential, in the order each was first seen. */
class Findings {
  private readonly bySecret = new Map<string, { kind: string; rule: string; shown: string; places: ScanPlace[] }>();

  add(located: readonly Located[]): void {
    for (const l of located) {
      const entry = this.bySecret.get(l.secret);
      if (entry) {
        if (!entry.places.some((p) => p.file === l.place.file && p.line === l.place.line && p.commit === l.place.commit)) entry.places.push(l.place);
        // A configured secret found elsewhere under a name is still the configured one.
        if (l.configured && entry.rule !== 'airlock/configured-secret') Object.assign(entry, { kind: l.kind, rule: l.rule, shown: shown(l.secret, true) });
        continue;
      }
      this.bySecret.set(l.secret, { kind: l.kind, rule: l.rule, shown: shown(l.secret, l.configured), places: [l.place] });
    }
  }

  list(): ScanFinding[] {
    return [...this.bySecret.values()].map(({ kind, rule, shown, places }) => ({ kind, rule, shown, places }));
  }
}

/** What a report may show of a credential: its length, and the first four characters of one that is not configured. */
export function shown(secret: string, configured: boolean): string {
  const length = `${secret.length} characters`;
  return configured ? `(${length})` : `${secret.slice(0, 4)}… (${length})`;
}

interface Span {
  readonly start: number;
  readonly end: number;
  readonly kind: string;
  readonly rule: string;
  readonly configured: boolean;
}

/** Findings in one text (one file): each credential once, with every line it is on. */
export async function scanText(text: string, file: string, secrets: readonly KnownSecret[]): Promise<ScanFinding[]> {
  const found = new Findings();
  found.add(await locate(text, file, secrets));
  return found.list();
}

/** Credentials in one text: configured secrets by exact match, then known formats, then values under a credential's name. */
async function locate(text: string, file: string, secrets: readonly KnownSecret[]): Promise<Located[]> {
  const spans: Span[] = [];
  const overlaps = (start: number, end: number) => spans.some((s) => s.start < end && start < s.end);
  for (const secret of secrets) {
    if (secret.value.length < MIN_SECRET_LENGTH) continue;
    for (let at = text.indexOf(secret.value); at >= 0; at = text.indexOf(secret.value, at + secret.value.length)) {
      spans.push({
        start: at,
        end: at + secret.value.length,
        kind: `the credential Airlock holds for ${secret.label}`,
        rule: 'airlock/configured-secret',
        configured: true,
      });
    }
  }
  for (const format of await findCredentialFormats(text, file)) {
    const { start, end } = credentialPart(text, format.start, format.end);
    // A configured secret that also has a known format is reported once, as the configured one.
    if (overlaps(start, end) || isPlaceholder(passwordOf(text.slice(start, end)))) continue;
    spans.push({ start, end, kind: format.kind, rule: format.rule, configured: false });
  }
  for (const named of findNamedCredentials(text, file)) {
    if (overlaps(named.start, named.end)) continue;
    spans.push({ start: named.start, end: named.end, kind: `credential named ${named.name}`, rule: 'airlock/named-credential', configured: false });
  }
  spans.sort((a, b) => a.start - b.start);
  const lineStarts = [0];
  for (let i = text.indexOf('\n'); i >= 0; i = text.indexOf('\n', i + 1)) lineStarts.push(i + 1);
  const lineOf = (offset: number) => {
    let lo = 0;
    let hi = lineStarts.length - 1;
    while (lo < hi) {
      const mid = (lo + hi + 1) >> 1;
      if (lineStarts[mid]! <= offset) lo = mid;
      else hi = mid - 1;
    }
    return lo;
  };
  return spans.map((span) => {
    const index = lineOf(span.start);
    const lineStart = lineStarts[index]!;
    const lineEnd = index + 1 < lineStarts.length ? lineStarts[index + 1]! - 1 : text.length;
    return {
      secret: text.slice(span.start, span.end),
      kind: span.kind,
      rule: span.rule,
      configured: span.configured,
      place: { file, line: index + 1, column: span.start - lineStart + 1, preview: maskedLine(text, lineStart, lineEnd, span, spans) },
    };
  });
}

/**
 * The credential itself within what a format rule matched: the whole token (a rule may stop
 * short of its end), without the name it was assigned to (`aws_secret_access_key = "…"`).
 */
function credentialPart(text: string, start: number, end: number): { start: number; end: number } {
  const matched = text.slice(start, end);
  if (matched.includes('\n') || matched.includes('://')) return { start, end };
  const tokenChar = /[A-Za-z0-9+/=_.~-]/;
  while (end < text.length && tokenChar.test(text[end]!)) end++;
  const assigned = /^[A-Za-z_][A-Za-z0-9_.-]*["']?\s*[=:]\s*["']?/.exec(text.slice(start, end));
  if (assigned && start + assigned[0].length < end) start += assigned[0].length;
  return { start, end };
}

/** The password of a URL (`postgres://app:PASSWORD@host`), or the text itself. */
function passwordOf(credential: string): string {
  return /:\/\/[^:@/\s]*:([^@\s]*)@/.exec(credential)?.[1] ?? credential;
}

/** The line around a finding, every credential on it replaced by a mask. */
function maskedLine(text: string, lineStart: number, lineEnd: number, focus: Span, spans: readonly Span[]): string {
  let out = '';
  let at = lineStart;
  let focusAt = 0;
  for (const span of spans) {
    if (span.end <= lineStart || span.start >= lineEnd) continue;
    const start = Math.max(span.start, lineStart);
    if (start < at) continue;
    out += text.slice(at, start);
    if (span === focus) focusAt = out.length;
    out += mask(text.slice(span.start, span.end), span.configured);
    at = Math.min(span.end, lineEnd);
  }
  out += text.slice(at, lineEnd);
  const trimmed = out.replace(/\r$/, '');
  if (trimmed.length <= 160) return trimmed.trim();
  const from = Math.max(0, focusAt - 60);
  return `${from > 0 ? '…' : ''}${trimmed.slice(from, from + 150).trim()}…`;
}

/** A configured secret shows nothing of itself; any other its first four characters at most. */
export function mask(credential: string, configured: boolean): string {
  if (configured) return '********';
  if (credential.startsWith('-----BEGIN ')) return '-----BEGIN ********';
  return `${credential.slice(0, 4)}********`;
}

function walk(dir: string, skipped: { file: string; why: string }[]): string[] {
  const out: string[] = [];
  const visit = (folder: string) => {
    let entries: string[];
    try {
      entries = readdirSync(folder).sort();
    } catch (error) {
      skipped.push({ file: relative(dir, folder) || '.', why: (error as NodeJS.ErrnoException).code ?? 'unreadable' });
      return;
    }
    for (const name of entries) {
      const path = join(folder, name);
      let stats: Stats;
      try {
        stats = lstatSync(path);
      } catch {
        continue;
      }
      if (stats.isSymbolicLink()) continue;
      if (stats.isDirectory()) {
        if (!SKIP_DIRS.has(name)) visit(path);
      } else if (stats.isFile()) out.push(path);
    }
  };
  visit(dir);
  return out;
}

/** Tracked and untracked files that .gitignore does not exclude; undefined outside a repository. */
function gitVisibleFiles(dir: string): string[] | undefined {
  try {
    const listed = execFileSync('git', ['-C', dir, 'ls-files', '--cached', '--others', '--exclude-standard', '-z'], {
      encoding: 'utf8',
      stdio: ['ignore', 'pipe', 'ignore'],
      maxBuffer: 256 * 1024 * 1024,
    });
    return listed
      .split('\0')
      .filter(Boolean)
      .map((file) => join(dir, file))
      .filter((file) => {
        try {
          return lstatSync(file).isFile();
        } catch {
          return false;
        }
      });
  } catch {
    return undefined;
  }
}

function readText(path: string, maxBytes: number, skipped: { file: string; why: string }[], shown: string): string | undefined {
  let buffer: Buffer;
  try {
    const size = lstatSync(path).size;
    if (size > maxBytes) {
      skipped.push({ file: shown, why: `larger than ${maxBytes} bytes` });
      return undefined;
    }
    buffer = readFileSync(path);
  } catch {
    return undefined;
  }
  if (buffer.subarray(0, 8192).includes(0)) return undefined; // binary
  return buffer.toString('utf8');
}

interface AddedChunk {
  readonly commit: string;
  readonly file: string;
  readonly lines: { readonly number: number; readonly text: string }[];
}

/** Every line added by any commit on any ref, with the file and line number it was added at. */
function gitAddedLines(dir: string): { commits: number; chunks: AddedChunk[] } {
  let log: string;
  try {
    log = execFileSync('git', ['-C', dir, 'log', '-p', '--all', '--no-color', '--no-ext-diff', '--unified=0', '--format=commit %H'], {
      encoding: 'utf8',
      stdio: ['ignore', 'pipe', 'ignore'],
      maxBuffer: 1024 * 1024 * 1024,
    });
  } catch {
    return { commits: 0, chunks: [] };
  }
  const chunks: AddedChunk[] = [];
  let commit = '';
  let file = '';
  let next = 0;
  let commits = 0;
  let current: AddedChunk | undefined;
  for (const line of log.split('\n')) {
    if (line.startsWith('commit ')) {
      commit = line.slice(7, 19);
      commits++;
      current = undefined;
    } else if (line.startsWith('+++ ')) {
      file = line === '+++ /dev/null' ? '' : line.replace(/^\+\+\+ b\//, '');
      current = undefined;
    } else if (line.startsWith('@@')) {
      next = Number(/\+(\d+)/.exec(line)?.[1] ?? 0);
      current = undefined;
    } else if (line.startsWith('+') && file) {
      if (!current) {
        current = { commit, file, lines: [] };
        chunks.push(current);
      }
      current.lines.push({ number: next++, text: line.slice(1) });
    }
  }
  return { commits, chunks };
}
