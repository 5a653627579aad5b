import { describe, expect, it } from 'vitest';
import { parseStrictJson } from './strict-json.js';

describe('parseStrictJson', () => {
  it.each([
    ['a key twice at the top', '{"query":"a","query":"b"}', 'query'],
    ['a key twice, once escaped', '{"query":"a","qu\\u0065ry":"b"}', 'query'],
    ['a key twice inside variables', '{"variables":{"i":{"id":"a","id":"b"}}}', 'id'],
    ['a key twice in an object inside an array', '[{"a":1},{"b":2,"b":3}]', 'b'],
    ['a key with an escaped quote, twice', '{"a\\"b":1,"a\\u0022b":2}', 'a"b'],
    ['a key ending in an escaped backslash, twice', '{"a\\\\":1,"a\\\\":2}', 'a\\'],
    ['a key twice with whitespace before the colons', '{ "k" \n:\t1 , "k"\r\n: 2 }', 'k'],
    ['a key twice after a long value with escapes', `{"k":"${'x\\"'.repeat(100)}","k":1}`, 'k'],
  ])('refuses %s', (_name, text, key) => {
    expect(parseStrictJson(text)).toEqual({ ok: false, error: `the JSON gives the key "${key}" twice in one object` });
  });

  it.each([
    ['the same key in sibling objects', '[{"a":1},{"a":2}]'],
    ['the same key at two depths', '{"a":{"a":{"a":1}}}'],
    ['a value that looks like a key', '{"a":"b\\":","b":"a"}'],
    ['a string value equal to a key in an array', '{"a":["a","a"]}'],
    ['keys that differ only in case (refused later, by the GraphQL reader)', '{"query":1,"QUERY":2}'],
    ['a value ending in an escaped backslash', '{"a":"\\\\","b":"\\\\\\""}'],
    ['no object at all', '"{\\"a\\":1,\\"a\\":2}"'],
  ])('accepts %s', (_name, text) => {
    expect(parseStrictJson(text)).toEqual({ ok: true, value: JSON.parse(text) });
  });

  it('refuses text that is not JSON', () => {
    expect(parseStrictJson('{"a":')).toMatchObject({ ok: false, error: expect.stringMatching(/^the body is not valid JSON/) });
  });

  it('finds exactly the duplicate keys in generated documents', () => {
    const random = seeded(7);
    for (let round = 0; round < 2_000; round++) {
      const { text, duplicate } = generate(random, 0);
      const result = parseStrictJson(text);
      expect(result.ok, text).toBe(!duplicate);
    }
  });
});

/** A small deterministic generator, so a failure is reproducible. */
function seeded(seed: number): () => number {
  let state = seed;
  return () => {
    state = (state * 1_103_515_245 + 12_345) % 2 ** 31;
    return state / 2 ** 31;
  };
}

const KEYS = ['a', 'b', 'query', 'a"b', 'c\\', 'é', ':'];
const SPACE = ['', ' ', '\n', '\t ', '\r\n'];

/** A key or string written with some characters escaped at random, as a client may send it. */
function writeString(random: () => number, value: string): string {
  let out = '"';
  for (const char of value) {
    const code = char.codePointAt(0)!;
    if (char === '"' || char === '\\') out += random() < 0.5 ? `\\${char}` : `\\u${code.toString(16).padStart(4, '0')}`;
    else out += random() < 0.2 ? `\\u${code.toString(16).padStart(4, '0')}` : char;
  }
  return `${out}"`;
}

function generate(random: () => number, depth: number): { text: string; duplicate: boolean } {
  const space = () => SPACE[Math.floor(random() * SPACE.length)]!;
  const pick = random();
  if (depth > 3 || pick < 0.3) {
    const strings = ['"x"', '"\\\\"', '"a\\":"', '1', 'true', 'null', writeString(random, KEYS[Math.floor(random() * KEYS.length)]!)];
    return { text: strings[Math.floor(random() * strings.length)]!, duplicate: false };
  }
  const count = Math.floor(random() * 4);
  const items: string[] = [];
  let duplicate = false;
  if (pick < 0.5) {
    for (let i = 0; i < count; i++) {
      const item = generate(random, depth + 1);
      duplicate ||= item.duplicate;
      items.push(`${space()}${item.text}${space()}`);
    }
    return { text: `[${items.join(',')}]`, duplicate };
  }
  const seen = new Set<string>();
  for (let i = 0; i < count; i++) {
    const key = KEYS[Math.floor(random() * KEYS.length)]!;
    if (seen.has(key)) duplicate = true;
    seen.add(key);
    const value = generate(random, depth + 1);
    duplicate ||= value.duplicate;
    items.push(`${space()}${writeString(random, key)}${space()}:${space()}${value.text}${space()}`);
  }
  return { text: `{${items.join(',')}}`, duplicate };
}
