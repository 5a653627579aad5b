import type { Node } from 'web-tree-sitter';
import { type Analysis, UNKNOWN, type Env, type Invocation, type Redirect, type Stdin } from './analysis.js';
import { resolvePath } from './context.js';
import { parseShell } from './parse.js';
import { classifyInvocation } from './tools/index.js';
import { evaluateWord, heredocText, isWordNode, staticWord, type Word } from './words.js';

/** How deep `bash -c "bash -c '…'"` may nest before Airlock stops reading and holds it. */
export const MAX_DEPTH = 8;

/**
 * How much one command line may ask Airlock to read in all. Nesting multiplies work: 80 kB of
 * `python3 -c 'os.system("ls"); …'` is three thousand scripts to parse, half a minute of CPU on
 * the thread every door shares. A line past either bound is refused whole, as one Airlock cannot read.
 */
export const MAX_SCRIPTS = 256;
export const MAX_COMMANDS = 2_000;

const SUBSTITUTIONS = new Set(['command_substitution', 'process_substitution']);
const REDIRECTS = new Set(['file_redirect', 'heredoc_redirect', 'herestring_redirect']);
const HEREDOC_OWN = new Set(['heredoc_start', 'heredoc_body', 'heredoc_end']);

/**
 * Reads a command line (or a script met inside one: `bash -c`, `eval`, a here-document fed to
 * `sh`) and records every command in it. A line that does not parse is a failure of the whole
 * request at the top level; a nested script that does not parse has an unknown effect.
 */
export async function analyseScript(text: string, env: Env, stdin: Stdin, depth: number, out: Analysis, origin?: string): Promise<void> {
  if (depth > MAX_DEPTH) {
    out.add({
      action: 'shell:nested',
      class: 'destructive',
      resources: [],
      reach: 'remote',
      why: `${UNKNOWN}: commands nested more than ${MAX_DEPTH} levels deep`,
      text: clip(text),
    });
    return;
  }
  if (++out.scripts > MAX_SCRIPTS) {
    refuseOnce(out, `it runs more than ${MAX_SCRIPTS} nested scripts (bash -c, eval, interpreter code), more than Airlock reads in one command line`);
    return;
  }
  const parsed = await parseShell(text);
  if (!parsed.ok) {
    if (depth === 0) out.failures.push(`Airlock cannot read this command: ${parsed.error}`);
    else
      out.add({
        action: 'shell:unparsed',
        class: 'destructive',
        resources: [],
        reach: 'remote',
        why: `${UNKNOWN}: ${origin ?? 'a nested script'} is not valid shell (${parsed.error})`,
        text: clip(text),
      });
    return;
  }
  try {
    const commands = countCommands(parsed.root);
    out.commands += commands;
    if (out.commands > MAX_COMMANDS) {
      refuseOnce(out, `it runs more than ${MAX_COMMANDS} commands, more than Airlock reads in one command line`);
      return;
    }
    const walker = new Walker(out, depth);
    await walker.statement(parsed.root, env, stdin, []);
    const missed = commands - walker.visited.size;
    if (missed > 0) {
      // A shape of syntax the walker does not know; what it could not place is not guessed at.
      out.add({
        action: 'shell:unrecognised',
        class: 'destructive',
        resources: [],
        reach: 'remote',
        why: `${UNKNOWN}: ${missed} command(s) in a construct Airlock does not read`,
        text: clip(text),
      });
    }
  } finally {
    parsed.release();
  }
}

function refuseOnce(out: Analysis, why: string): void {
  const failure = `Airlock cannot read this command: ${why}`;
  if (!out.failures.includes(failure)) out.failures.push(failure);
}

function countCommands(node: Node): number {
  let n = node.type === 'command' ? 1 : 0;
  for (const child of node.namedChildren) if (child) n += countCommands(child);
  return n;
}

class Walker {
  readonly visited = new Set<number>();

  constructor(
    private readonly out: Analysis,
    private readonly depth: number,
  ) {}

  async statement(node: Node, env: Env, stdin: Stdin, inherited: readonly Node[]): Promise<void> {
    switch (node.type) {
      case 'command':
        return this.command(node, env, stdin, inherited);
      case 'redirected_statement':
        return this.redirected(node, env, stdin, inherited);
      case 'pipeline':
        return this.pipeline(pipelineElements(node), env, stdin, inherited);
      case 'list': {
        const items = node.namedChildren.filter((c): c is Node => c !== null && c.type !== 'comment');
        for (let i = 0; i < items.length; i++) await this.statement(items[i]!, env, stdin, i === items.length - 1 ? inherited : []);
        return;
      }
      case 'subshell':
        // A subshell's `cd` does not move its parent.
        return this.children(node, { ...env }, stdin, inherited);
      case 'command_substitution':
      case 'process_substitution':
        return this.children(node, { ...env }, { kind: 'none' }, []);
      case 'variable_assignment':
      case 'declaration_command':
      case 'unset_command':
        return this.declaration(node, env);
      case 'function_definition': {
        // A function's body runs whenever it is called: judge it where it is defined.
        const body = node.childForFieldName('body');
        if (body) await this.statement(body, { ...env }, { kind: 'none' }, []);
        return;
      }
      case 'comment':
        return;
      default:
        return this.children(node, env, stdin, inherited);
    }
  }

  private async children(node: Node, env: Env, stdin: Stdin, inherited: readonly Node[]): Promise<void> {
    for (const child of node.namedChildren) if (child) await this.statement(child, env, stdin, inherited);
  }

  private async pipeline(elements: readonly Node[], env: Env, stdin: Stdin, inherited: readonly Node[]): Promise<void> {
    let input = stdin;
    for (let i = 0; i < elements.length; i++) {
      const element = elements[i]!;
      // Each part of a pipeline runs in its own subshell.
      await this.statement(element, { ...env }, input, i === elements.length - 1 ? inherited : []);
      input = outputOf(element);
    }
  }

  private async redirected(node: Node, env: Env, stdin: Stdin, inherited: readonly Node[]): Promise<void> {
    const named = node.namedChildren.filter((c): c is Node => c !== null);
    const body = node.childForFieldName('body') ?? named.find((c) => !REDIRECTS.has(c.type));
    const redirects: Node[] = named.filter((c) => REDIRECTS.has(c.type));
    // tree-sitter-bash hangs what follows a here-document's first line (`| sh`, `&& rm x`,
    // `> file`) under the here-document node; put it back where Bash has it.
    const continuations: { op: string; node: Node }[] = [];
    for (const redirect of [...redirects]) {
      if (redirect.type !== 'heredoc_redirect') continue;
      let op = '';
      for (const child of redirect.children) {
        if (!child) continue;
        if (!child.isNamed) op = child.type;
        else if (HEREDOC_OWN.has(child.type)) continue;
        else if (REDIRECTS.has(child.type)) redirects.push(child);
        // `| sh` arrives as a pipeline whose first token is the `|` itself.
        else continuations.push({ op: child.type === 'pipeline' && child.child(0)?.type === '|' ? '|' : op, node: child });
      }
    }
    if (!body) {
      // `> file` alone runs no program but still opens (and empties) the file.
      const { redirects: opened, stdin: input } = readRedirects(redirects, stdin, this.out);
      if (opened.length > 0)
        await classifyInvocation(
          { argv: [staticWord(':')], assignments: [], redirects: opened, stdin: input, text: clip(node.text, 500), env, depth: this.depth },
          this.out,
        );
      for (const c of continuations) await this.statement(c.node, env, stdin, []);
      return;
    }
    await this.statement(body, env, stdin, [...redirects, ...inherited]);
    let input = outputOf(body, redirects);
    for (const { op, node: next } of continuations) {
      if (op === '|' || op === '|&') {
        const elements = pipelineElements(next);
        await this.pipeline(elements, env, input, []);
        input = { kind: 'dynamic', source: 'the output of a command' };
      } else {
        await this.statement(next, env, stdin, []);
      }
    }
  }

  private async declaration(node: Node, env: Env): Promise<void> {
    const assignments = node.type === 'variable_assignment' ? [node] : node.namedChildren.filter((c): c is Node => c?.type === 'variable_assignment');
    for (const assignment of assignments) {
      const { name, value } = readAssignment(assignment);
      if (value.value !== undefined) {
        this.out.values.push(value.value);
        this.out.assignments.push({ name, value: value.value });
      }
    }
    await this.substitutionsIn(node, env);
  }

  private async command(node: Node, env: Env, stdin: Stdin, inherited: readonly Node[]): Promise<void> {
    this.visited.add(node.id);
    const assignments: { name: string; value: Word }[] = [];
    const argNodes: Node[] = [];
    const redirectNodes: Node[] = [];
    let name: Node | undefined;
    for (const child of node.namedChildren) {
      if (!child) continue;
      if (child.type === 'variable_assignment') assignments.push(readAssignment(child));
      else if (child.type === 'command_name') name = child;
      else if (REDIRECTS.has(child.type)) redirectNodes.push(child);
      else if (isWordNode(child) || child.type !== 'comment') argNodes.push(child);
    }
    const allRedirects = [...redirectNodes, ...inherited];
    await this.substitutionsIn(node, env);
    for (const r of inherited) await this.substitutionsIn(r, env);

    const { redirects, stdin: input, extra } = readRedirects(allRedirects, stdin, this.out);
    const argv = name ? [evaluateWord(name.namedChildren.filter((c): c is Node => c !== null)), ...groupWords(argNodes), ...extra] : [...extra];
    for (const word of argv) if (word.value !== undefined) this.out.values.push(word.value);
    for (const { name: variable, value } of assignments) {
      if (value.value !== undefined) {
        this.out.values.push(value.value);
        this.out.assignments.push({ name: variable, value: value.value });
      }
    }
    // `> file` alone is the null command with a redirection: it empties the file.
    if (argv.length === 0 && redirects.length === 0) return;
    if (argv.length === 0) argv.push(staticWord(':'));

    const invocation: Invocation = {
      argv,
      assignments,
      redirects,
      stdin: input,
      output: outputOf(node, allRedirects),
      text: clip(node.text, 500),
      env,
      depth: this.depth,
    };
    await classifyInvocation(invocation, this.out);
    // `builtin cd ..` and `command cd ..` move too.
    const mover = argv[0]!.value === 'builtin' || argv[0]!.value === 'command' ? 1 : 0;
    if (argv[mover]?.value === 'cd' || argv[mover]?.value === 'pushd') changeDirectory(argv.slice(mover + 1), env, this.out);
  }

  /** Runs the commands inside `$(…)`, `<(…)` and `>(…)` found in a node's words. */
  private async substitutionsIn(node: Node, env: Env): Promise<void> {
    const found: Node[] = [];
    const visit = (n: Node) => {
      for (const child of n.namedChildren) {
        if (!child) continue;
        if (SUBSTITUTIONS.has(child.type)) found.push(child);
        else if (child.type !== 'command' && child.type !== 'redirected_statement') visit(child);
        else if (n === node) visit(child);
      }
    };
    if (SUBSTITUTIONS.has(node.type)) found.push(node);
    else visit(node);
    for (const substitution of found) await this.statement(substitution, env, { kind: 'none' }, []);
  }
}

function readAssignment(node: Node): { name: string; value: Word } {
  const nameNode = node.childForFieldName('name') ?? node.namedChildren[0];
  const valueNodes = node.namedChildren.filter((c): c is Node => c !== null && c.id !== nameNode?.id);
  return { name: nameNode?.text ?? '', value: valueNodes.length > 0 ? evaluateWord(valueNodes) : evaluateWord([]) };
}

function pipelineElements(node: Node): Node[] {
  const out: Node[] = [];
  for (const child of node.namedChildren) {
    if (!child) continue;
    if (child.type === 'pipeline') out.push(...pipelineElements(child));
    else out.push(child);
  }
  return out;
}

/** Adjacent nodes with no blank between them form one word (`"a"b'c'`). */
function groupWords(nodes: readonly Node[]): Word[] {
  const groups: Node[][] = [];
  for (const node of nodes) {
    const last = groups[groups.length - 1];
    const previous = last?.[last.length - 1];
    if (last && previous && previous.endIndex === node.startIndex) last.push(node);
    else groups.push([node]);
  }
  return groups.map((group) => evaluateWord(group));
}

/**
 * The redirections of a command. tree-sitter-bash hangs words that follow a redirection's
 * target (`rm -rf > /dev/null /`) under the redirection; Bash passes them to the command as
 * arguments, so they come back as `extra`.
 */
function readRedirects(nodes: readonly Node[], stdin: Stdin, out: Analysis): { redirects: Redirect[]; stdin: Stdin; extra: Word[] } {
  const redirects: Redirect[] = [];
  const extra: Word[] = [];
  let input = stdin;
  for (const node of nodes) {
    if (node.type === 'heredoc_redirect') {
      const { text, dynamic } = heredocText(node);
      if (text !== undefined) out.values.push(text);
      input = text !== undefined ? { kind: 'static', text, source: 'a here-document' } : { kind: 'dynamic', source: dynamic ?? 'a here-document' };
      continue;
    }
    const op = node.children.find((c) => c && !c.isNamed)?.type ?? '';
    const fd = node.children.find((c) => c?.type === 'file_descriptor')?.text;
    const targetNodes = node.namedChildren.filter((c): c is Node => c !== null && c.type !== 'file_descriptor');
    const [first, ...more] = groupWords(targetNodes);
    const target = first;
    extra.push(...more);
    if (node.type === 'herestring_redirect') {
      if (target?.value !== undefined) out.values.push(target.value);
      input =
        target?.value !== undefined
          ? { kind: 'static', text: `${target.value}\n`, source: 'a here-string' }
          : { kind: 'dynamic', source: 'a here-string with expansions' };
      continue;
    }
    if (op === '<' && (fd === undefined || fd === '0')) input = { kind: 'dynamic', source: `the file ${target?.raw ?? ''}` };
    redirects.push({ op, fd, target });
  }
  return { redirects, stdin: input, extra };
}

/** What a command writes to its standard output, when it is known before it runs. */
function outputOf(node: Node, extra: readonly Node[] = []): Stdin {
  const dynamic: Stdin = { kind: 'dynamic', source: `the output of ${clip(node.text, 80)}` };
  let command = node;
  let redirects = [...extra];
  if (node.type === 'redirected_statement') {
    const body = node.childForFieldName('body');
    if (!body) return dynamic;
    command = body;
    redirects = [...redirects, ...node.namedChildren.filter((c): c is Node => c !== null && REDIRECTS.has(c.type))];
  }
  if (command.type !== 'command') return dynamic;
  const words = groupWords(
    command.namedChildren.filter((c): c is Node => c !== null && c.type !== 'command_name' && c.type !== 'variable_assignment' && !REDIRECTS.has(c.type)),
  );
  redirects.push(...command.namedChildren.filter((c): c is Node => c !== null && REDIRECTS.has(c.type)));
  for (const redirect of redirects) {
    if (redirect.type !== 'file_redirect') continue;
    words.push(...groupWords(redirect.namedChildren.filter((c): c is Node => c !== null && c.type !== 'file_descriptor')).slice(1));
  }
  const nameNode = command.childForFieldName('name');
  const name = nameNode ? evaluateWord(nameNode.namedChildren.filter((c): c is Node => c !== null)).value : undefined;
  if (words.some((w) => w.value === undefined)) return dynamic;
  const values = words.map((w) => w.value!);
  if (name === 'echo') {
    const flags = values.length > 0 && /^-[neE]+$/.test(values[0]!) ? values.shift()! : '';
    if (flags.includes('e')) return dynamic;
    return { kind: 'static', text: values.join(' ') + (flags.includes('n') ? '' : '\n'), source: 'echo' };
  }
  if (name === 'printf' && values.length === 1 && !/[%\\]/.test(values[0]!)) return { kind: 'static', text: values[0]!, source: 'printf' };
  if (name === 'cat' && values.length === 0) {
    const heredoc = redirects.find((r) => r.type === 'heredoc_redirect' || r.type === 'herestring_redirect');
    if (heredoc?.type === 'heredoc_redirect') {
      const { text } = heredocText(heredoc);
      if (text !== undefined) return { kind: 'static', text, source: 'a here-document' };
    }
  }
  return dynamic;
}

function changeDirectory(args: readonly Word[], env: Env, out: Analysis): void {
  const target = args.find((a) => a.value === undefined || !a.value.startsWith('-') || a.value === '-');
  if (!target || target.value === undefined || target.value === '-' || target.glob) {
    env.cwd = target ? undefined : resolvePath('~', env.cwd, out.context.home, true);
    return;
  }
  env.cwd = resolvePath(target.value, env.cwd, out.context.home, target.tilde);
}

export function clip(text: string, max = 300): string {
  return text.length > max ? `${text.slice(0, max)}…` : text;
}
