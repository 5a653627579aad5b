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
  if (Array.isArray(value)) return `[${value.map((item) => canonicalJson(item ?? null)).join(',')}]`;
  const entries = Object.keys(value)
    .filter((key) => (value as Record<string, unknown>)[key] !== undefined)
    .sort()
    .map((key) => `${JSON.stringify(key)}:${canonicalJson((value as Record<string, unknown>)[key])}`);
  return `{${entries.join(',')}}`;
}
