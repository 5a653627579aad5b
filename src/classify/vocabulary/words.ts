/**
 * How a name becomes words: `volumeInstancePITRRestore`, `delete_repository`,
 * `set-iam-policy`, `config:unset`, `kv/metadata` all split the same way, so one vocabulary
 * reads GraphQL fields, CLI subcommands, REST paths and MCP tool names alike.
 */

/**
 * Splits a name into lower-case words: camelCase, PascalCase, snake_case, kebab-case, acronyms
 * and digits (`volumeInstancePITRRestore` → volume, instance, pitr, restore).
 */
export function splitWords(name: string): string[] {
  return name
    .replace(/([a-z0-9])([A-Z])/g, '$1 $2')
    .replace(/([A-Z])(?=[A-Z][a-z])/g, '$1 ')
    .split(/[^A-Za-z0-9]+/)
    .filter((word) => word.length > 0)
    .map((word) => word.toLowerCase());
}

/** `policies` → `policy`, `members` → `member`; `access` stays (a double s is not a plural). */
export function singular(word: string): string {
  if (word.endsWith('ies') && word.length > 4) return `${word.slice(0, -3)}y`;
  if (word.endsWith('s') && !word.endsWith('ss') && word.length > 3) return word.slice(0, -1);
  return word;
}

/** The forms a verb takes in names: `delete`, `deletes`, `deleted`, `deleting`; `drop` → `dropped`. */
export function inflections(verb: string): string[] {
  const stem = verb.endsWith('e') ? verb.slice(0, -1) : verb;
  const doubled = /[^aeiou][aeiou][bdgpt]$/.test(verb) ? verb + verb.at(-1) : verb;
  return [verb, `${verb}s`, `${verb}es`, `${stem}ed`, `${stem}ing`, `${doubled}ed`, `${doubled}ing`];
}

/** Whether `phrase` (already split and singular) occurs as consecutive words of `words`. */
export function containsPhrase(words: readonly string[], phrase: readonly string[]): boolean {
  for (let i = 0; i + phrase.length <= words.length; i++) {
    if (phrase.every((part, j) => words[i + j] === part)) return true;
  }
  return false;
}
