import { createRequire } from 'node:module';
import { Language, Parser, type Node } from 'web-tree-sitter';
import { strictSyntaxError } from './strict-parse.js';

/**
 * Shell parsing. Two real parsers, because each is strong where the other is weak:
 *
 * - tree-sitter-bash (through web-tree-sitter) gives the full syntax tree the classifier walks:
 *   commands, words, quoting, redirections, substitutions.
 * - mvdan/sh (through sh-syntax) is the strict Bash parser behind shfmt. Its JavaScript build
 *   exposes only statement positions, not the tree, so it cannot be walked; it is used to
 *   reject what Bash itself would reject, which tree-sitter (built to tolerate errors while a
 *   user types) would otherwise try to recover from.
 *
 * On top of that, every non-blank character of the input must belong to some node of the
 * tree: a grammar that silently skips a word (tree-sitter-bash drops `-` before a here-doc)
 * would otherwise hide an argument from the classifier. Whatever fails any of the three checks
 * is not classified at all, and the door refuses it.
 */

export type ParsedShell = { readonly ok: true; readonly root: Node; release(): void } | { readonly ok: false; readonly error: string };

let parserPromise: Promise<Parser> | undefined;

function loadParser(): Promise<Parser> {
  parserPromise ??= (async () => {
    await Parser.init();
    const wasm = createRequire(import.meta.url).resolve('tree-sitter-bash/tree-sitter-bash.wasm');
    const language = await Language.load(wasm);
    const parser = new Parser();
    parser.setLanguage(language);
    return parser;
  })();
  return parserPromise;
}

/** Largest command Airlock will read; a longer one is refused rather than half-read. */
export const MAX_COMMAND_LENGTH = 100_000;

export async function parseShell(text: string): Promise<ParsedShell> {
  if (text.length > MAX_COMMAND_LENGTH) return { ok: false, error: `the command is longer than ${MAX_COMMAND_LENGTH} characters` };
  if (text.includes('\0')) return { ok: false, error: 'the command contains a NUL character' };
  const strictError = await strictSyntaxError(text);
  if (strictError !== undefined) return { ok: false, error: `it is not valid shell syntax (${firstLine(strictError)})` };
  const parser = await loadParser();
  const tree = parser.parse(text);
  if (!tree) return { ok: false, error: 'the shell parser returned nothing' };
  const root = tree.rootNode;
  const release = () => tree.delete();
  if (root.hasError) {
    const bad = findError(root);
    release();
    return { ok: false, error: `the shell parser could not read it${bad ? ` near "${clip(bad.text)}"` : ''}` };
  }
  const skipped = uncoveredText(root, text);
  if (skipped !== undefined) {
    release();
    return { ok: false, error: `the shell parser skipped part of it ("${clip(skipped)}")` };
  }
  return { ok: true, root, release };
}

function findError(node: Node): Node | undefined {
  if (node.isError || node.isMissing) return node;
  for (const child of node.children) {
    if (child?.hasError) return findError(child) ?? child;
  }
  return undefined;
}

/** Text between leaves that is not blank, a line continuation or a comment. */
function uncoveredText(root: Node, text: string): string | undefined {
  const covered: [number, number][] = [];
  const visit = (node: Node) => {
    if (node.childCount === 0 || node.type === 'heredoc_body' || node.type === 'comment') {
      covered.push([node.startIndex, node.endIndex]);
      // A here-doc body's children are its expansions; the body itself covers them.
      if (node.type !== 'heredoc_body') return;
    }
    for (const child of node.children) if (child) visit(child);
  };
  visit(root);
  covered.sort((a, b) => a[0] - b[0]);
  // web-tree-sitter reads a JavaScript string as UTF-16, so its indices are string indices.
  let at = 0;
  for (const [start, end] of covered) {
    if (start > at) {
      const gap = text.slice(at, start);
      if (!isIgnorable(gap)) return gap.trim();
    }
    at = Math.max(at, end);
  }
  const tail = text.slice(at);
  return isIgnorable(tail) ? undefined : tail.trim();
}

function isIgnorable(gap: string): boolean {
  return gap.replace(/\\\r?\n/g, '').trim() === '';
}

function firstLine(message: string): string {
  return message.split('\n')[0]!.trim();
}

function clip(text: string, max = 60): string {
  const line = text.replace(/\s+/g, ' ').trim();
  return line.length > max ? `${line.slice(0, max)}…` : line;
}
