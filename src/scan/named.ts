/**
 * Credentials found by the name they live under rather than by their format: many providers'
 * tokens are plain UUIDs or random strings (a Railway token is a UUID) that no format rule can
 * tell from any other id, but `RAILWAY_TOKEN=…`, `STRIPE_API_KEY: …` or a line of a `.env` or
 * `credentials` file says what they are. Placeholders (`alk_…`, `xxx`, `<token>`, `changeme`) and
 * references to elsewhere (`${RAILWAY_TOKEN}`, `{ env: RAILWAY_TOKEN }`) are not credentials.
 *
 * @example
 * findNamedCredentials('RAILWAY_TOKEN=1f0c…\n', '.env');
 * // [{ name: 'RAILWAY_TOKEN', start: 14, end: 50 }]
 */
import { TOKEN_PATTERN } from '../identity/token-format.js';

export interface NamedCredential {
  /** The name it was assigned to: `RAILWAY_TOKEN`. */
  readonly name: string;
  /** Offsets of the value in the text (UTF-16, end exclusive). */
  readonly start: number;
  readonly end: number;
}

/** Names that end like a credential's, anywhere: `RAILWAY_TOKEN`, `*_API_KEY`, `db_password`. */
const CREDENTIAL_NAME =
  /(?:^|[_.-])(?:token|access[_-]?token|auth[_-]?token|api[_-]?key|apikey|secret|secret[_-]?key|client[_-]?secret|access[_-]?key|private[_-]?key|password|passwd|pwd|credentials?)$/i;
/** In a `.env` or `credentials` file every value is someone's setting: a looser reading of names. */
const LOOSE_CREDENTIAL_NAME = /token|key|secret|pass|pwd|auth|cred|session|cookie|dsn|signature/i;

/** `.env`, `.env.production`, `prod.env`, `credentials`, `credentials.json`, `.netrc`, `.npmrc`, `.pypirc`. */
export function isCredentialFile(file: string): boolean {
  const base = file.split('/').at(-1) ?? file;
  return /^\.env(\..+)?$|\.env$|^credentials(\..+)?$|^\.?(netrc|npmrc|pypirc|dev\.vars)$/i.test(base);
}

/** Text that stands for a credential rather than being one. */
export function isPlaceholder(value: string): boolean {
  return (
    /…|\.{3}|x{3,}|<[^<>]*>|change[-_ ]?me|replace[-_ ]?me|your[-_ ]|placeholder|example|dummy|redacted|\*{3}|^\$|\{\{/i.test(value) ||
    /^(?:todo|tbd|none|null|secret|password|token|test|sample|true|false)$/i.test(value) ||
    /^(.)\1+$/.test(value)
  );
}

/** Whether an assigned value reads as a credential: long enough, no spaces, not a reference or a plain word. */
function looksLikeCredential(value: string): boolean {
  if (value.length < 8 || value.length > 4096 || /\s/.test(value)) return false;
  if (isPlaceholder(value)) return false;
  // A reference or structure, not a value: `{ env: X }`, `[…]`, a path, a URL (connection strings have their own rule).
  if (/^[{[(!%&*|>]|^~?\.{0,2}\/|:\/\/|\$\{/.test(value)) return false;
  // A variable's name (`env: RAILWAY_TOKEN`) or a word (`production`).
  if (/^[A-Z][A-Z0-9_]*$/.test(value) || /^[a-z]+(?:[-_][a-z]+)*$/i.test(value)) return false;
  // Code, not a value: `process.env.RAILWAY_TOKEN`, `config.api_key`.
  if (/^[A-Za-z_$][A-Za-z_$]*\d*(?:\.[A-Za-z_$][A-Za-z_$]*\d*)+$/.test(value)) return false;
  TOKEN_PATTERN.lastIndex = 0;
  if (TOKEN_PATTERN.test(value)) return false;
  return /[0-9]/.test(value) ? /[A-Za-z]/.test(value) || value.length >= 20 : value.length >= 20;
}

/** `NAME=value`, `export NAME=value`, `name: value`, `name = "value"`, `"name": "value"`, and `NAME=value cmd` inside a line. */
const ASSIGNMENT = /(?:^|[\s;{,(])(?:export\s+)?["']?([A-Za-z_][A-Za-z0-9_.-]*)["']?\s*(?:=|:(?!\/\/))\s*/g;

function valueAt(line: string, from: number): { start: number; end: number; quoted: boolean } | undefined {
  const quote = line[from];
  if (quote === '"' || quote === "'" || quote === '`') {
    const close = line.indexOf(quote, from + 1);
    return close > from + 1 ? { start: from + 1, end: close, quoted: true } : undefined;
  }
  const rest = /^[^\s"'`,;#]+/.exec(line.slice(from));
  return rest ? { start: from, end: from + rest[0].length, quoted: false } : undefined;
}

/** In source code an unquoted value is an expression (`token = readToken(env)`); only a literal can be a credential. */
const SOURCE_CODE = /\.(?:[cm]?[jt]sx?|py|rb|go|rs|java|kt|swift|cs|php|scala|c|cc|cpp|h|hpp)$/i;

export function findNamedCredentials(text: string, file: string): NamedCredential[] {
  const loose = isCredentialFile(file);
  const code = SOURCE_CODE.test(file);
  const found: NamedCredential[] = [];
  let lineStart = 0;
  for (const line of text.split('\n')) {
    ASSIGNMENT.lastIndex = 0;
    for (let match = ASSIGNMENT.exec(line); match; match = ASSIGNMENT.exec(line)) {
      const name = match[1]!;
      if (!(CREDENTIAL_NAME.test(name) || (loose && LOOSE_CREDENTIAL_NAME.test(name)))) continue;
      const value = valueAt(line, match.index + match[0].length);
      if (!value || (code && !value.quoted)) continue;
      const text = line.slice(value.start, value.end).replace(/\r$/, '');
      if (!looksLikeCredential(text)) continue;
      found.push({ name, start: lineStart + value.start, end: lineStart + value.start + text.length });
    }
    lineStart += line.length + 1;
  }
  return found;
}
