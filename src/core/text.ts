/**
 * Text helpers written as loops rather than regular expressions: a trailing-run pattern such as
 * `/\/+$/` is tried at every position of a run that does not end the text, which is quadratic in
 * the run's length — a long enough `////…x` from an agent would hold the event loop.
 */

/** `text` without the run of `characters` at its end (`withoutTrailing('a//', '/')` → `a`). */
export function withoutTrailing(text: string, characters: string): string {
  let end = text.length;
  while (end > 0 && characters.includes(text[end - 1]!)) end--;
  return text.slice(0, end);
}
