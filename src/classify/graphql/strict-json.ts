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

interface ObjectFrame {
  readonly keys: Set<string>;
  expectingKey: boolean;
}

/**
 * Walks text already known to be valid JSON, so it only needs to follow nesting and strings.
 * Keys are compared after unescaping (`"qu\u0065ry"` is `"query"`).
 */
function findDuplicateKey(text: string): string | undefined {
  const stack: (ObjectFrame | null)[] = []; // null marks an array
  for (let i = 0; i < text.length; i++) {
    const c = text.charCodeAt(i);
    if (c === 0x22 /* " */) {
      const start = i;
      i++;
      let escaped = false;
      while (i < text.length) {
        const d = text.charCodeAt(i);
        if (d === 0x5c /* \ */) {
          escaped = true;
          i += 2;
          continue;
        }
        if (d === 0x22) break;
        i++;
      }
      const top = stack.at(-1);
      if (top && top.expectingKey) {
        const raw = text.slice(start, i + 1);
        const key = escaped ? (JSON.parse(raw) as string) : raw.slice(1, -1);
        if (top.keys.has(key)) return key;
        top.keys.add(key);
        top.expectingKey = false;
      }
    } else if (c === 0x7b /* { */) stack.push({ keys: new Set(), expectingKey: true });
    else if (c === 0x5b /* [ */) stack.push(null);
    else if (c === 0x7d /* } */ || c === 0x5d /* ] */) stack.pop();
    else if (c === 0x2c /* , */) {
      const top = stack.at(-1);
      if (top) top.expectingKey = true;
    }
  }
  return undefined;
}
