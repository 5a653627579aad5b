import { describe, expect, it } from 'vitest';
import { canonicalJoin, canonicalJson, canonicalMember, canonicalSplit } from './canonical.js';

describe('canonical JSON', () => {
  it('sorts keys at every depth and drops undefined members', () => {
    expect(canonicalJson({ b: 1, a: { d: [3, { z: 1, y: undefined, x: 'é"' }], c: null }, u: undefined })).toBe(
      '{"a":{"c":null,"d":[3,{"x":"é\\"","z":1}]},"b":1}',
    );
  });

  it('writes undefined array items as null, as JSON does', () => {
    expect(canonicalJson([1, undefined, 'a'])).toBe('[1,null,"a"]');
  });

  it('is the same for the same record whatever order its keys were set in', () => {
    expect(canonicalJson({ seq: 1, at: 'x', prev: '0', type: 'decision' })).toBe(canonicalJson({ type: 'decision', prev: '0', at: 'x', seq: 1 }));
  });

  it('refuses numbers JSON cannot carry', () => {
    expect(() => canonicalJson({ n: Number.NaN })).toThrow(/non-finite/);
  });

  it.each([
    ['holes amid the members', { type: 'decision', agent: 'a', reasons: ['r'], summary: 's', at: 't' }],
    ['holes before and after every member', { q: 1, r: 2 }],
    ['no other member', {}],
    ['a member named like a hole, which the fill replaces', { prev: 'forged', seq: 99, z: true }],
    ['undefined members', { a: undefined, q: 'x', t: undefined }],
  ])('splits around holes and joins to the canonical JSON of the filled object: %s', (_, value: Record<string, unknown>) => {
    const filled = { ...value, prev: 'abc', seq: 7 };
    const segments = canonicalSplit(value, ['prev', 'seq']);
    expect(canonicalJoin(segments, [canonicalMember('prev', 'abc'), canonicalMember('seq', 7)])).toBe(canonicalJson(filled));
  });

  it('leaves out a hole whose fill is undefined', () => {
    expect(canonicalJoin(canonicalSplit({ a: 1, z: 2 }, ['m']), [canonicalMember('m', undefined)])).toBe('{"a":1,"z":2}');
  });

  it('encodes a frozen value the same after its first use, and an unfrozen one afresh after a change', () => {
    const frozen = Object.freeze({ reasons: Object.freeze(['one', 'two']) });
    const first = canonicalSplit({ detail: frozen }, []);
    expect(canonicalSplit({ detail: frozen }, [])).toEqual(first);
    const open = { reasons: ['one'] };
    canonicalSplit({ detail: open }, []);
    open.reasons.push('two');
    expect(canonicalSplit({ detail: open }, [])).toEqual(first);
  });
});
