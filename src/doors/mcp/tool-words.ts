import {
  credentialNounIn,
  describesDestruction,
  destructiveWordIn,
  privilegeNounIn,
  privilegeVerbIn,
  READ_VERBS,
  splitWords,
  undoesDestruction,
} from '../../classify/vocabulary/index.js';
import type { OperationClass } from '../../core/operation.js';

/**
 * What a tool's own words say it does: its name (`list_projects`, `deleteBranch`,
 * `github.create-issue`) and its description, read with Airlock's one vocabulary
 * (src/classify/vocabulary/: destructive verbs, privilege verbs and nouns, read verbs), the
 * same words GraphQL fields and CLI subcommands are read with. This is the one place the MCP
 * door reads words; the two short lists below hold only what tool names say and CLIs do not.
 *
 * @example
 * toolWords('list-projects').class;                     // 'read'
 * toolWords('delete_branch').class;                      // 'destructive'
 * toolWords('list_tables', 'Drops every table.').class;  // 'destructive'
 * toolWords('sequentialthinking').class;                 // undefined: the name says nothing
 */
export interface WordRuling {
  /** undefined when the words say nothing Airlock recognises. */
  readonly class: OperationClass | undefined;
  readonly why: string;
}

/** Verbs of reading that tool names use beyond the vocabulary's (which is shaped by CLIs). */
const TOOL_READ_VERBS: ReadonlySet<string> = new Set([
  'view',
  'compare',
  'analyze',
  'analyse',
  'summarize',
  'summarise',
  'retrieve',
  'browse',
  'stat',
  'stats',
  'echo',
  'open',
  'scrape',
  'download',
  'blame',
  'overview',
  'details',
  'report',
  'convert',
  'calculate',
  'render',
  'extract',
  'ask',
  'research',
]);

/**
 * Verbs of tools that change something without destroying it. CLIs have no such list (a
 * subcommand that is neither read nor destructive is a write); a tool name needs one, so that
 * the first verb decides: `create_list` is a write, not a read of a list.
 */
const WRITE_VERBS: ReadonlySet<string> = new Set([
  'create',
  'add',
  'update',
  'edit',
  'set',
  'put',
  'post',
  'send',
  'write',
  'insert',
  'upsert',
  'patch',
  'move',
  'rename',
  'copy',
  'upload',
  'import',
  'deploy',
  'run',
  'start',
  'stop',
  'restart',
  'trigger',
  'invoke',
  'apply',
  'merge',
  'push',
  'publish',
  'commit',
  'enable',
  'disable',
  'toggle',
  'schedule',
  'assign',
  'comment',
  'reply',
  'label',
  'tag',
  'fork',
  'clone',
  'close',
  'lock',
  'unlock',
  'approve',
  'reject',
  'cancel',
  'pause',
  'resume',
  'scale',
  'provision',
  'configure',
  'install',
  'build',
  'generate',
  'save',
  'store',
  'mark',
  'link',
  'connect',
  'attach',
  'submit',
  'request',
  'resolve',
  'unresolve',
  'star',
  'unstar',
  'dismiss',
  'manage',
  'initialize',
  'init',
  'finalize',
  'rebase',
  'checkout',
  'switch',
  'kill',
  'compress',
  'gzip',
  'reprioritize',
  'refund',
  'transfer',
  'rotate',
  'roll',
  'regenerate',
  'promote',
  'demote',
]);

/** What a tool hands out when it reads, beyond the vocabulary's credential nouns. */
const TOOL_CREDENTIAL_NOUNS: readonly (readonly string[])[] = [['connection', 'string']];

const isRead = (word: string) => READ_VERBS.has(word) || TOOL_READ_VERBS.has(word);
const isDestructive = (word: string) => destructiveWordIn([word], true) !== undefined;
const isVerb = (word: string) => isRead(word) || WRITE_VERBS.has(word) || privilegeVerbIn([word]) !== undefined || isDestructive(word);

/** Negated mentions ("non-destructive", "does not delete") say nothing about danger. */
const NEGATED = /\b(?:non|not|never|no|without|doesn't|does not|won't|will not)[\s-]+(?:be[\s-]+)?\w+/gi;

/**
 * A description that says its tool destroys something: a destructive verb opening a sentence
 * ("Drops every table.", "Deletes a branch"), or words that are only said of destruction
 * (irreversible, permanently, cannot be undone). A verb further into a sentence ("lists
 * deleted branches") is not enough: descriptions of reads mention deletion all the time.
 */
export function descriptionSaysDestructive(description: string): string | undefined {
  const text = description.replace(NEGATED, ' ');
  for (const sentence of text.split(/(?<=[.!?:;\n])\s+|\n+|<[^<>]+>/)) {
    const words = splitWords(sentence);
    const opening = words[0] === 'this' && words[1] === 'tool' ? words.slice(2, 4) : words.slice(0, 2);
    for (const word of opening) {
      const said = describesDestruction(word);
      if (said && !/^(?:deletion|removal|deleted|removed)$/.test(said)) return said;
    }
  }
  const strong = /\b(irreversibl[ey]|permanently|cannot be undone|can ?not be recovered|unrecoverable|destructive)\b/i.exec(text);
  return strong?.[1]?.toLowerCase();
}

/**
 * The class a tool's name and description say. The first verb of the name decides (so that
 * `create_list` is a write and `list_deleted_items` a read); a name that reads may still be
 * raised by a description that says the tool destroys, and by nouns that say it hands out a
 * credential. A name with no verb Airlock knows says nothing (undefined).
 */
export function toolWords(name: string, description?: string): WordRuling {
  const words = splitWords(name);
  const said = description ? descriptionSaysDestructive(description) : undefined;
  const raisedByDescription = (): WordRuling | undefined =>
    said ? { class: 'destructive', why: `the description of ${name} says it is destructive ("${said}")` } : undefined;

  const first = words.find(isVerb);
  if (first !== undefined && isRead(first) && !isDestructive(first)) {
    const described = raisedByDescription();
    if (described) return described;
    const credential = credentialNounIn(words) ?? credentialPhraseIn(words);
    if (credential) return { class: 'privilege', why: `${name} hands out a credential ("${credential}")` };
    return { class: 'read', why: `${name} is named for reading ("${first}")` };
  }
  const destroys = destructiveWordIn(words, true);
  if (destroys && undoesDestruction(words)) return { class: 'write', why: `${name} stops a destructive action ("${destroys}" then "${words.at(-1)}")` };
  // Privilege before destruction: revoking a token destroys no data, it changes who may do what.
  // A privilege noun counts only beside a verb (`add_member`, not `team_members`).
  const privilege = privilegeVerbIn(words) ?? (first !== undefined ? privilegeNounIn(words) : undefined);
  if (privilege) return { class: 'privilege', why: `${name} changes who may do what ("${privilege}")` };
  if (destroys) return { class: 'destructive', why: `${name} is named for a destructive action ("${destroys}")` };
  const described = raisedByDescription();
  if (described) return described;
  if (first !== undefined) return { class: 'write', why: `${name} is named for changing something ("${first}")` };
  return { class: undefined, why: `the name ${name} says nothing Airlock recognises` };
}

function credentialPhraseIn(words: readonly string[]): string | undefined {
  const joined = ` ${words.join(' ')} `;
  return TOOL_CREDENTIAL_NOUNS.map((phrase) => phrase.join(' ')).find((phrase) => joined.includes(` ${phrase} `));
}
