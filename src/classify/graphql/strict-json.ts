/**
 * JSON as a door must read it: valid, and with no key given twice in one object.
 *
 * `{"query": "{ projects }", "query": "mutation { volumeDelete(…) }"}` is valid JSON, but
 * JSON.parse keeps the last value and some servers keep the first: Airlock would judge one
 * request while the upstream ran another. So duplicate keys are refused, at every depth.
 */
export type StrictJsonResult = { readonly ok: true; readonly value: unknown } | { readonly ok: false; readonly error: string };

export function parseStrictJson(text: string): StrictJsonResult {
  let value: unknown;
  try {
    value = JSON.parse(text);
  } catch (error) {
    return { ok: false, error: `the body is not valid JSON (${(error as Error).message})` };
  }
  const duplicate = findDuplicateKey(text);
  if (duplicate !== undefined) return { ok: false, error: `the JSON gives the key "${duplicate}" twice in one object` };
  return { ok: true, value };
}

const QUOTE = 0x22;
const BACKSLASH = 0x5c;

/**
 * Walks text already known to be valid JSON, so it only needs to follow nesting and strings.
 * In valid JSON a string is a key exactly when a colon follows it, so no parser state is kept
 * beyond the stack of open objects. Keys are compared after unescaping (`"qu\u0065ry"` is
 * `"query"`). String contents, most of a request's bytes, are skipped with indexOf rather than
 * read a character at a time.
 */
function findDuplicateKey(text: string): string | undefined {
  // One entry per open object or array: the keys seen so far, or null for an array.
  const stack: (Set<string> | null)[] = [];
  // The first backslash at or after the string being read, or -1 when there is none further on.
  let nextBackslash = text.indexOf('\\');
  for (let i = 0; i < text.length; i++) {
    const c = text.charCodeAt(i);
    if (c === QUOTE) {
      const start = i;
      let end = text.indexOf('"', start + 1);
      while (end > 0 && text.charCodeAt(end - 1) === BACKSLASH && escapedAt(text, end)) end = text.indexOf('"', end + 1);
      if (end < 0) return undefined; // unreachable for valid JSON
      if (nextBackslash >= 0 && nextBackslash < start) nextBackslash = text.indexOf('\\', start);
      const escaped = nextBackslash >= 0 && nextBackslash < end;
      i = end;
      const keys = stack.length > 0 ? stack[stack.length - 1] : null;
      if (keys && colonFollows(text, end + 1)) {
        const key = escaped ? (JSON.parse(text.slice(start, end + 1)) as string) : text.slice(start + 1, end);
        if (keys.has(key)) return key;
        keys.add(key);
      }
    } else if (c === 0x7b /* { */) stack.push(new Set());
    else if (c === 0x5b /* [ */) stack.push(null);
    else if (c === 0x7d /* } */ || c === 0x5d /* ] */) stack.pop();
  }
  return undefined;
}

/** Whether the quote at `at` is escaped: preceded by an odd number of backslashes. */
function escapedAt(text: string, at: number): boolean {
  let count = 0;
  for (let j = at - 1; j >= 0 && text.charCodeAt(j) === BACKSLASH; j--) count++;
  return count % 2 === 1;
}

function colonFollows(text: string, from: number): boolean {
  for (let j = from; j < text.length; j++) {
    const c = text.charCodeAt(j);
    if (c === 0x3a /* : */) return true;
    if (c !== 0x20 && c !== 0x0a && c !== 0x0d && c !== 0x09) return false;
  }
  return false;
}
