import { posix } from 'node:path';
import type { Analysis, Env, Invocation, PartInput, Stdin } from '../analysis.js';
import { UNKNOWN } from '../analysis.js';
import type { ShellContext } from '../context.js';
import type { Word } from '../words.js';

/** One command being classified: its words and the means to record what it does. */
export interface Call {
  /** The program's base name (`/usr/bin/rm` → `rm`). */
  readonly tool: string;
  readonly args: readonly Word[];
  readonly invocation: Invocation;
  readonly out: Analysis;
  readonly context: ShellContext;
  part(input: PartInput): void;
  /** A command whose effect Airlock cannot know: destructive, so that a human looks at it. */
  unknown(action: string, why: string, resources?: readonly string[]): void;
  /** Classifies another command line made of these words (`sudo rm …` → `rm …`). */
  reenter(argv: readonly Word[], options?: { stdin?: Stdin; env?: Env }): Promise<void>;
  /** Classifies a script given as text (`bash -c '…'`); undefined text has an unknown effect. */
  script(text: string | undefined, origin: string, options?: { stdin?: Stdin; env?: Env }): Promise<void>;
}

export type Handler = (call: Call) => Promise<void> | void;

export function toolName(word: string): string {
  return posix.basename(word);
}

export function unknownWhy(detail: string): string {
  return `${UNKNOWN}: ${detail}`;
}

/** Static values of the words; undefined where a word is dynamic. */
export function valuesOf(words: readonly Word[]): (string | undefined)[] {
  return words.map((w) => w.value);
}

/**
 * Splits arguments into options and positionals the way most CLIs read them: `--name=value`,
 * `--name value` for the options listed as taking a value, `-abc` bundles, and `--` ending
 * options.
 */
export interface ParsedArgs {
  readonly flags: ReadonlySet<string>;
  readonly options: ReadonlyMap<string, (string | undefined)[]>;
  readonly positionals: readonly Word[];
}

export function parseArgs(args: readonly Word[], valueOptions: ReadonlySet<string> = new Set(), bundling = true, stopAtPositional = false): ParsedArgs {
  const flags = new Set<string>();
  const options = new Map<string, (string | undefined)[]>();
  const positionals: Word[] = [];
  const put = (name: string, value: string | undefined) => options.set(name, [...(options.get(name) ?? []), value]);
  for (let i = 0; i < args.length; i++) {
    const word = args[i]!;
    const text = word.value;
    if (text === undefined || text === '-' || !text.startsWith('-')) {
      if (stopAtPositional) {
        positionals.push(...args.slice(i));
        break;
      }
      positionals.push(word);
      continue;
    }
    if (text === '--') {
      positionals.push(...args.slice(i + 1));
      break;
    }
    if (text.startsWith('--')) {
      const eq = text.indexOf('=');
      if (eq > 0) put(text.slice(0, eq), text.slice(eq + 1));
      else if (valueOptions.has(text)) put(text, args[++i]?.value);
      else flags.add(text);
      continue;
    }
    if (valueOptions.has(text.slice(0, 2))) {
      put(text.slice(0, 2), text.length > 2 ? text.slice(2) : args[++i]?.value);
      continue;
    }
    if (!bundling || text.length === 2) {
      if (valueOptions.has(text)) put(text, args[++i]?.value);
      else flags.add(text);
      continue;
    }
    // -rf: each letter is a flag, until one that takes a value.
    for (let j = 1; j < text.length; j++) {
      const flag = `-${text[j]}`;
      if (valueOptions.has(flag)) {
        put(flag, j + 1 < text.length ? text.slice(j + 1) : args[++i]?.value);
        break;
      }
      flags.add(flag);
    }
  }
  return { flags, options, positionals };
}

export function has(parsed: ParsedArgs, ...names: string[]): boolean {
  return names.some((n) => parsed.flags.has(n) || parsed.options.has(n));
}

export function optionValues(parsed: ParsedArgs, ...names: string[]): (string | undefined)[] {
  return names.flatMap((n) => parsed.options.get(n) ?? []);
}
