/**
 * Canonical JSON for hashing: object keys sorted, no insignificant whitespace, `undefined`
 * dropped. The same record always encodes to the same bytes, on any machine, so a verifier
 * written elsewhere can recompute the chain (RFC 8785 restricted to the values Airlock writes:
 * strings, integers, booleans, null, arrays and objects).
 */
export function canonicalJson(value: unknown): string {
  if (value === null || typeof value !== 'object') {
    if (typeof value === 'number' && !Number.isFinite(value)) throw new TypeError('cannot encode a non-finite number');
    return JSON.stringify(value) ?? 'null';
  }
  // Plain loops and string concatenation: this runs for every audit record, on the writer thread.
  if (Array.isArray(value)) {
    let out = '[';
    for (let i = 0; i < value.length; i++) out += (i === 0 ? '' : ',') + canonicalJson(value[i] ?? null);
    return `${out}]`;
  }
  const record = value as Record<string, unknown>;
  const keys = Object.keys(record).sort();
  let out = '{';
  let first = true;
  for (const key of keys) {
    const item = record[key];
    if (item === undefined) continue;
    out += `${first ? '' : ','}${JSON.stringify(key)}:${canonicalJson(item)}`;
    first = false;
  }
  return `${out}}`;
}

/** Canonical JSON of deeply frozen values, which can never change: the gate hands the same ones over for every request of a shape. */
const frozenJson = new WeakMap<object, string>();

function deeplyFrozen(value: unknown): boolean {
  if (value === null || typeof value !== 'object') return true;
  if (!Object.isFrozen(value)) return false;
  return Object.values(value).every(deeplyFrozen);
}

/** canonicalJson, remembered for a value that is deeply frozen (frozen stays frozen, so the text stays right). */
function memberJson(value: unknown): string {
  if (value === null || typeof value !== 'object') return canonicalJson(value);
  const known = frozenJson.get(value);
  if (known !== undefined) return known;
  const json = canonicalJson(value);
  if (deeplyFrozen(value)) frozenJson.set(value, json);
  return json;
}

/**
 * An object's canonical JSON with some top-level members left out, to be filled in elsewhere:
 * the members, in canonical order, comma-joined between the holes (`holes` sorted, so that
 * segment i ends where hole i goes). `canonicalJoin(canonicalSplit(v, h), fills)` is
 * `canonicalJson` of v with the filled members — so the request thread can encode a record
 * and the audit writer add only what it alone knows (seq, prev) before hashing it.
 */
export function canonicalSplit(value: Readonly<Record<string, unknown>>, holes: readonly string[]): string[] {
  const keys = Object.keys(value).sort();
  const segments: string[] = [];
  let out = '';
  let hole = 0;
  for (const key of keys) {
    while (hole < holes.length && holes[hole]! < key) {
      segments.push(out);
      out = '';
      hole++;
    }
    if (hole < holes.length && holes[hole] === key) continue;
    const item = value[key];
    if (item === undefined) continue;
    out += `${out === '' ? '' : ','}${JSON.stringify(key)}:${memberJson(item)}`;
  }
  while (segments.length < holes.length) {
    segments.push(out);
    out = '';
  }
  segments.push(out);
  return segments;
}

/** The member `"key":value` in canonical form, for a hole of canonicalSplit. */
export function canonicalMember(key: string, value: unknown): string {
  return value === undefined ? '' : `${JSON.stringify(key)}:${canonicalJson(value)}`;
}

/** Joins canonicalSplit's segments with the members for its holes (canonicalMember; '' for none). */
export function canonicalJoin(segments: readonly string[], fills: readonly string[]): string {
  let out = '';
  for (let i = 0; i < segments.length; i++) {
    const segment = segments[i]!;
    if (segment !== '') out += out === '' ? segment : `,${segment}`;
    const fill = i < fills.length ? fills[i]! : '';
    if (fill !== '') out += out === '' ? fill : `,${fill}`;
  }
  return `{${out}}`;
}
