/**
 * The statement as the parser understood it, without positions: comments, spacing, keyword
 * case, unquoted identifiers' case and redundant parentheses leave no trace; every constant,
 * name and operator does. Two texts with the same canonical form run the same statement.
 */
export function canonicalOf(tree: unknown): string {
  // Stringify natively, then drop positions: a replacer function costs several times more, and
  // a position's name inside a string constant is escaped (\"location\") so it cannot match.
  return JSON.stringify(tree).replace(POSITIONS, '');
}

/** Every field of a raw parse tree that holds a position in the text (libpg-query 17/18). */
const POSITIONS = /,?"(?:location|rexpr_list_start|rexpr_list_end|list_start|list_end|name_location)":-?\d+/g;
