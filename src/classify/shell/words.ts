import type { Node } from 'web-tree-sitter';

/**
 * A shell word as Bash would see it after quote removal, when that can be known before the
 * command runs. A word with an expansion (`$X`, `$(…)`, a glob, a brace expansion) has no
 * static value: the classifier treats it as "could be anything".
 */
export interface Word {
  readonly raw: string;
  /**
   * The word after quote removal; undefined when part of it is only known at run time. A
   * file-name pattern keeps its characters here (a URL with `?` is usually left as it is);
   * `glob` says the shell may replace it, which matters for paths and command names.
   */
  readonly value: string | undefined;
  /** The static text before the first dynamic part (all of it when `value` is defined). */
  readonly prefix: string;
  /** Unquoted `*`, `?` or `[…]`: the shell replaces the word with matching file names. */
  readonly glob: boolean;
  /** Unquoted `~` at the start: the shell replaces it with a home directory. */
  readonly tilde: boolean;
  /** Why the word has no static value, for the audit record. */
  readonly dynamic?: string;
}

export function staticWord(value: string): Word {
  return { raw: value, value, prefix: value, glob: false, tilde: false };
}

interface Piece {
  readonly text: string;
  readonly quoted: boolean;
  readonly dynamic?: string;
}

const WORD_TYPES = new Set([
  'word',
  'string',
  'raw_string',
  'ansi_c_string',
  'translated_string',
  'concatenation',
  'number',
  'simple_expansion',
  'expansion',
  'command_substitution',
  'process_substitution',
  'arithmetic_expansion',
  'brace_expression',
]);

export function isWordNode(node: Node): boolean {
  return WORD_TYPES.has(node.type);
}

/** Evaluates adjacent nodes (no blank between them) as one word, as the shell does. */
export function evaluateWord(nodes: readonly Node[]): Word {
  const pieces = nodes.flatMap((node) => piecesOf(node));
  const raw = nodes.map((n) => n.text).join('');
  let value = '';
  let prefix = '';
  let dynamic: string | undefined;
  // The shape keeps unquoted characters and masks quoted ones, to spot globs and braces.
  let shape = '';
  for (const piece of pieces) {
    if (piece.dynamic !== undefined) {
      dynamic ??= piece.dynamic;
      shape += '\0';
      continue;
    }
    value += piece.text;
    if (dynamic === undefined) prefix += piece.text;
    shape += piece.quoted ? 'q'.repeat(piece.text.length) : piece.text;
  }
  const glob = /[*?]|\[[^\][]*\]/.test(shape);
  const brace = /\{[^{}\s,.]*(?:\.(?!\.)[^{}\s,.]*)*(,|\.\.)[^{}\s]*\}/.test(shape);
  const tilde = shape.startsWith('~');
  if (dynamic === undefined && brace) dynamic = 'a brace expansion';
  return {
    raw,
    value: dynamic === undefined ? value : undefined,
    prefix: dynamic === undefined ? value : prefix,
    glob,
    tilde,
    ...(dynamic !== undefined ? { dynamic } : {}),
  };
}

function piecesOf(node: Node): Piece[] {
  switch (node.type) {
    case 'word':
    case 'number':
      return [{ text: unescapeUnquoted(node.text), quoted: false }];
    case 'raw_string':
      return [{ text: node.text.slice(1, -1), quoted: true }];
    case 'ansi_c_string':
      return [{ text: decodeAnsiC(node.text.slice(2, -1)), quoted: true }];
    case 'string':
      return stringPieces(node);
    case 'translated_string':
    case 'concatenation':
      return node.children.filter((c): c is Node => c !== null).flatMap((child) => (child.isNamed ? piecesOf(child) : anonymousPiece(child)));
    case 'simple_expansion':
    case 'expansion':
      return [{ text: '', quoted: false, dynamic: `the expansion ${node.text}` }];
    case 'command_substitution':
      return [{ text: '', quoted: false, dynamic: 'a command substitution' }];
    case 'process_substitution':
      return [{ text: '', quoted: false, dynamic: 'a process substitution' }];
    case 'arithmetic_expansion':
      return [{ text: '', quoted: false, dynamic: 'an arithmetic expansion' }];
    case 'brace_expression':
      return [{ text: '', quoted: false, dynamic: 'a brace expansion' }];
    default:
      return [{ text: '', quoted: false, dynamic: `a ${node.type.replace(/_/g, ' ')}` }];
  }
}

/** Anonymous tokens inside a concatenation (`$` before a translated string) carry no text. */
function anonymousPiece(node: Node): Piece[] {
  return node.type === '$' ? [] : [{ text: node.text, quoted: false }];
}

function stringPieces(node: Node): Piece[] {
  const pieces: Piece[] = [];
  for (const child of node.children) {
    if (!child) continue;
    if (child.type === 'string_content') pieces.push({ text: unescapeDoubleQuoted(child.text), quoted: true });
    else if (child.isNamed) {
      const inner = piecesOf(child);
      pieces.push(...inner.map((p) => ({ ...p, quoted: true })));
    }
  }
  // An empty pair of quotes is still a word ("").
  if (pieces.length === 0) pieces.push({ text: '', quoted: true });
  return pieces;
}

export function unescapeUnquoted(text: string): string {
  return text.replace(/\\(\r?\n|[\s\S])/g, (_, c: string) => (c === '\n' || c === '\r\n' ? '' : c));
}

export function unescapeDoubleQuoted(text: string): string {
  return text.replace(/\\(\r?\n|[$`"\\])/g, (_, c: string) => (c === '\n' || c === '\r\n' ? '' : c));
}

/** `$'…'` as Bash decodes it. */
export function decodeAnsiC(body: string): string {
  let out = '';
  for (let i = 0; i < body.length; i++) {
    const c = body[i]!;
    if (c !== '\\' || i === body.length - 1) {
      out += c;
      continue;
    }
    const next = body[++i]!;
    const simple: Record<string, string> = {
      a: '\x07',
      b: '\b',
      e: '\x1b',
      E: '\x1b',
      f: '\f',
      n: '\n',
      r: '\r',
      t: '\t',
      v: '\v',
      '\\': '\\',
      "'": "'",
      '"': '"',
      '?': '?',
    };
    if (simple[next] !== undefined) {
      out += simple[next];
    } else if (/[0-7]/.test(next)) {
      const digits = /^[0-7]{1,3}/.exec(body.slice(i))![0];
      out += String.fromCharCode(parseInt(digits, 8) & 0xff);
      i += digits.length - 1;
    } else if (next === 'x' || next === 'u' || next === 'U') {
      const max = next === 'x' ? 2 : next === 'u' ? 4 : 8;
      const digits = new RegExp(`^[0-9a-fA-F]{1,${max}}`).exec(body.slice(i + 1))?.[0];
      if (!digits) {
        out += `\\${next}`;
        continue;
      }
      out += String.fromCodePoint(parseInt(digits, 16));
      i += digits.length;
    } else if (next === 'c' && i + 1 < body.length) {
      out += String.fromCharCode(body.charCodeAt(++i) & 0x1f);
    } else {
      out += `\\${next}`;
    }
  }
  return out;
}

/** The text a here-document feeds to its command, or undefined when it has expansions. */
export function heredocText(redirect: Node): { text: string | undefined; dynamic?: string } {
  const start = redirect.children.find((c) => c?.type === 'heredoc_start');
  const body = redirect.children.find((c) => c?.type === 'heredoc_body');
  const op = redirect.children.find((c) => c && !c.isNamed)?.type ?? '<<';
  if (!body) return { text: '' };
  const quotedDelimiter = /['"\\]/.test(start?.text ?? '');
  let text = body.text;
  if (!quotedDelimiter) {
    const expansion = body.children.find((c) => c?.isNamed && c.type !== 'heredoc_content');
    if (expansion) return { text: undefined, dynamic: `the expansion ${expansion.text} in a here-document` };
    text = text.replace(/\\(\r?\n|[$`\\])/g, (_, c: string) => (c === '\n' || c === '\r\n' ? '' : c));
  }
  if (op === '<<-') text = text.replace(/^\t+/gm, '');
  return { text };
}
