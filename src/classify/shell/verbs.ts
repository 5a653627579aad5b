import type { OperationClass } from '../../core/operation.js';
import {
  accessNounIn,
  COMMAND_DESTRUCTIVE,
  credentialNounIn,
  DESTRUCTIVE_VERBS,
  destructiveWordIn,
  LISTING_VERBS,
  privilegeVerbIn,
  readVerbIn,
  splitWords,
} from '../vocabulary/index.js';
import type { Word } from './words.js';

/**
 * The general reading of a command line `tool [group…] verb [args]`, with the vocabulary every
 * classifier shares: a CLI Airlock has no rule for is judged by what its words say
 * (`vault kv metadata delete`, `stripe api_keys roll`, `mc rb`, `nats stream rm`).
 */

export interface CommandWords {
  /** The subcommand words, in order (`['kv', 'metadata', 'delete']`). */
  readonly path: readonly string[];
  /** The words left once the path ends: arguments, resource names. */
  readonly rest: readonly Word[];
  /** Names found in resource-like options and arguments, for the audit record. */
  readonly resources: readonly string[];
  /** The option names given (`--delete`, `--reset-offsets`). */
  readonly flags: readonly string[];
  /** A word of the path is only known at run time. */
  readonly undecided: boolean;
}

export interface WordsSpec {
  /** Options before the verb that take a value (`kubectl -n prod delete …`). */
  readonly valueOptions?: readonly string[];
  /** How many words the verb path may have (`gcloud sql instances delete`: 3). */
  readonly depth?: number;
  /** Another name for a word (`helm un` is `helm uninstall`). */
  readonly aliases?: Readonly<Record<string, string>>;
}

const IDENTIFIER = /^[a-z][a-z0-9]*([-:_.][a-z0-9]+)*$/;
const RESOURCE_OPTION =
  /^--?(.*-)?(id|ids|identifier|name|names|volume|service|environment|env|project|app|bucket|cluster|namespace|database|db|instance|instances|resource-group|group|zone|region|stack|site|branch|org|repo|key)s?$/;

/**
 * Reading words that are also the names of things (`aws logs delete-log-group`, `gcloud
 * container images delete`): the path goes on after them. After a reading verb proper
 * (`get`, `list`) the next words are what is read.
 */
const READ_NOUNS: ReadonlySet<string> = new Set([
  'logs',
  'log',
  'images',
  'events',
  'history',
  'output',
  'audit',
  'docs',
  'tree',
  'top',
  'status',
  'info',
  'version',
  'check',
  'query',
]);

export function commandWords(args: readonly Word[], spec: WordsSpec = {}): CommandWords {
  const values = new Set(spec.valueOptions ?? []);
  const depth = spec.depth ?? 4;
  const path: string[] = [];
  const rest: Word[] = [];
  const resources: string[] = [];
  const flags: string[] = [];
  let collecting = true;
  let undecided = false;
  for (let i = 0; i < args.length; i++) {
    const word = args[i]!;
    const v = word.value;
    if (v === undefined && collecting && path.length < depth) undecided = true;
    if (v?.startsWith('-') && v !== '-' && v !== '--') {
      const eq = v.indexOf('=');
      const name = eq > 0 ? v.slice(0, eq) : v;
      flags.push(eq > 0 ? v : name);
      let value: string | undefined;
      if (eq > 0) value = v.slice(eq + 1);
      else if (values.has(name) || (RESOURCE_OPTION.test(name) && args[i + 1]?.value !== undefined && !args[i + 1]!.value!.startsWith('-')))
        value = args[++i]?.value;
      if (value !== undefined && RESOURCE_OPTION.test(name)) resources.push(value);
      continue;
    }
    if (collecting && v !== undefined && IDENTIFIER.test(v.toLowerCase()) && path.length < depth) {
      const named = spec.aliases?.[v] ?? v;
      path.push(named);
      const words = splitWords(named);
      if (decidesAlone(words)) collecting = false;
      else if (readIn(words) && !READ_NOUNS.has(named.toLowerCase())) {
        collecting = false;
        // `get secret …` reads a credential: the noun after a reading verb still counts.
        const next = args[i + 1]?.value;
        if (next && credentialNounIn(splitWords(next))) path.push(args[++i]!.value!);
      }
      continue;
    }
    collecting = false;
    rest.push(word);
    resources.push(v ?? word.raw);
  }
  return { path, rest, resources, flags, undecided };
}

function decidesAlone(words: readonly string[]): boolean {
  return destructiveIn(words) !== undefined;
}

/** Reading verbs that, said to a CLI, run the project's code (`npm test`, `cargo watch`). */
const RUNS_CODE: ReadonlySet<string> = new Set(['test', 'lint', 'watch', 'verify', 'fetch', 'export', 'check']);

function readIn(words: readonly string[]): string | undefined {
  return words.find((w) => READ_NOUNS.has(w) || (readVerbIn([w]) !== undefined && !RUNS_CODE.has(w)));
}

/**
 * Verbs that run another command rather than act themselves (`npm exec`, `bundle exec`):
 * the command they carry is judged instead, so they are not destructive words here.
 */
export const CARRYING_VERBS: ReadonlySet<string> = new Set(['exec', 'execute', 'run', 'x', 'dlx']);

function destructiveIn(words: readonly string[]): string | undefined {
  const found = words.find((w) => COMMAND_DESTRUCTIVE.has(w));
  if (found) return found;
  const word = destructiveWordIn(
    words.filter((w) => !CARRYING_VERBS.has(w)),
    words.length === 1,
  );
  return word !== undefined && !CARRYING_VERBS.has(word) ? word : undefined;
}

/** Option names that say the command deletes (`--delete`, `--remove-all`, `--reset-offsets`). */
const FLAG_VERBS: ReadonlySet<string> = new Set(
  DESTRUCTIVE_VERBS.filter((v) => !['exec', 'execute', 'restore', 'detach', 'disconnect', 'clear', 'discard', 'overwrite', 'revoke', 'unlink'].includes(v)),
);

export function destructiveFlag(flags: readonly string[]): string | undefined {
  return flags.find((flag) => {
    const eq = flag.indexOf('=');
    const value = eq > 0 ? flag.slice(eq + 1).toLowerCase() : undefined;
    if (value === 'false' || value === 'no' || value === '0') return false;
    const first = splitWords(eq > 0 ? flag.slice(0, eq) : flag)[0];
    return first !== undefined && FLAG_VERBS.has(first) && flag.startsWith('--');
  });
}

export interface Judgement {
  readonly class: OperationClass;
  readonly why: string;
}

/** What a subcommand path says it does. */
export function judgeWords(path: readonly string[], flags: readonly string[] = [], nounsAlone = true): Judgement {
  const words = path.flatMap((p) => splitWords(p));
  // `--list`, `--describe`: an option can be the verb.
  const flagWords = flags.flatMap((f) => splitWords(f.split('=')[0]!)).filter((w) => LISTING_VERBS.has(w) || w === 'get');
  const destructive = path.map((p) => destructiveIn(splitWords(p))).find((w) => w !== undefined);
  if (destructive) return { class: 'destructive', why: `"${destructive}" destroys what it names` };
  const flag = destructiveFlag(flags);
  if (flag) return { class: 'destructive', why: `${flag} deletes what it names` };
  const credential = credentialNounIn(words);
  if (credential) {
    // Listing credentials shows their names; getting one hands out its value.
    if ([...words, ...flagWords].some((w) => LISTING_VERBS.has(w))) return { class: 'read', why: `lists ${credential}s without their values` };
    if (nounsAlone || path.length > 1) return { class: 'privilege', why: `handles ${credential}s, which are credentials` };
  }
  const read = readIn(words) ?? flagWords[0];
  if (read) return { class: 'read', why: `"${read}" only reads` };
  const access = (nounsAlone || path.length > 1 ? accessNounIn(words) : undefined) ?? privilegeVerbIn(words);
  if (access) return { class: 'privilege', why: `"${access}" changes who may do what` };
  return { class: 'write', why: path.length > 0 ? `"${path.join(' ')}" changes something` : 'no subcommand Airlock knows' };
}

/**
 * A JSON argument that asks for a deletion (`--change-batch '{"Changes":[{"Action":"DELETE"…`,
 * a JSON patch `{"op":"remove"}`).
 */
export function deletionInJson(text: string): string | undefined {
  const match = /"(action|op|operation|method|type|verb)"\s*:\s*"(delete|remove|destroy|drop|purge)"/i.exec(text);
  return match ? `${match[1]}: ${match[2]}` : undefined;
}
